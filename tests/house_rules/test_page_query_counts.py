"""Rule: list pages keep a flat number of queries. Pages show 25 or 50 rows, so each is measured on a small
organisation of its own (one side, no other rows of the model), read by an administrator and by a person
who is not one, with 2, 4 and 6 rows made by the model's maker: the three query counts are equal, and the
page shows the new rows (their names appear in it)."""

from __future__ import annotations

import pytest
from django.db import models

from tests.house_rules.endpoints import pages
from tests.house_rules.exclusions import PAGES_EXCLUDED
from tests.house_rules.makers import MAKERS, make
from tests.house_rules.pages import is_list_page, place
from tests.house_rules.test_query_counts import ADDED, flat, reader_of

LIST_PAGES = [p for p in pages() if is_list_page(p) and p.id not in PAGES_EXCLUDED]


def _own_names(row: models.Model) -> list[str]:
    values = (getattr(row, f.attname) for f in row._meta.concrete_fields if isinstance(f, models.CharField))
    return [v for v in values if isinstance(v, str) and "alpha-" in v]


def _names(row: models.Model) -> list[str]:
    """The makers' names on the row, or else on the rows it refers to (an assessment shows its service)."""
    own = _own_names(row)
    if own:
        return own
    related = (getattr(row, f.name) for f in row._meta.concrete_fields if f.many_to_one)
    return [name for target in related if target is not None for name in _own_names(target)]


@pytest.mark.parametrize("reader", ["admin", "person"])
@pytest.mark.parametrize("page", LIST_PAGES, ids=[p.id for p in LIST_PAGES])
def test_list_page_query_count_is_flat(page, reader, small, client):
    placed = place(page, small)
    assert placed is not None and placed.model._meta.label in MAKERS, f"{page.id} is not placed on a model"
    model = placed.model
    added = [make(model, small.alpha) for _ in range(ADDED)]
    small.rows[model._meta.label] = added
    client.force_login(reader_of(small, model, reader, row=added[0]))

    def add():
        added.extend(make(model, small.alpha) for _ in range(ADDED))

    def shown(response) -> int:
        text = response.content.decode()
        return sum(1 for row in added if any(name in text for name in _names(row)))

    flat(client, page.route.url(), add, shown)

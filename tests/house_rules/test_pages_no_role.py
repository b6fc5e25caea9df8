"""Rule: a signed-in person in no role sees no data on any page and changes nothing through any page.

A page about a row (its detail, edit form, workflow steps) answers 403 or 404 (405 for a method it does not
take). A page about a model answers a GET with 403/404, a redirect, or a page without rows, and a POST with
403/404/405 — unless it only reads (a list or a .csv download), where a POST is a GET. No page shows the
name of any row of the world, and no POST to any page writes a row or an audit entry."""

from __future__ import annotations

import pytest
from django.db import models

from tests.house_rules.calls import audit_count, changed_tables, row_counts
from tests.house_rules.exclusions import PAGES_OPEN_TO_SIGNED_IN
from tests.house_rules.known_bugs import params
from tests.house_rules.pages import checked_pages, is_list_page, place, url_values

PAGES = checked_pages()
REFUSED = (403, 404)


def world_names(world) -> set[str]:
    """Every name the makers gave (they start with the side's label), over every row of the world."""
    names = set()
    for side in world.sides:
        base = [side.supplier, side.org_unit, side.team, side.desk, side.queue, side.service]
        for row in base + [row for made in world.rows.values() for row in made]:
            for field in row._meta.concrete_fields:
                value = getattr(row, field.attname)
                if (
                    isinstance(field, models.CharField)
                    and isinstance(value, str)
                    and value.startswith(side.label)
                ):
                    names.add(value)
    return names


def _reads_only(page) -> bool:
    return is_list_page(page) or page.route.path.endswith(".csv")


@pytest.mark.parametrize(
    "page", params("test_no_role_sees_nothing_and_writes_nothing", PAGES, [p.id for p in PAGES])
)
def test_no_role_sees_nothing_and_writes_nothing(page, world, db, client):
    client.force_login(world.nobody)
    placed = place(page, world)
    url = page.route.url(url_values(page, placed))
    names = world.cache.setdefault("names", world_names(world))

    before, audited = row_counts(), audit_count()
    got, posted = client.get(url), client.post(url, {"name": "x", "title": "x", "reason": "x"})
    assert changed_tables(before, row_counts()) == {}, f"POST {url} wrote rows"
    assert audit_count() == audited, f"POST {url} wrote audit entries"

    for method, response in (("GET", got), ("POST", posted)):
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
        if response.status_code == 200:
            text = response.content.decode()
            shown = sorted(name for name in names if name in text)
            assert not shown, f"{method} {url} shows {shown[:5]}"
    if placed is None or page.id in PAGES_OPEN_TO_SIGNED_IN:
        return  # a page about no model (a dashboard): it may answer, and it showed and wrote nothing
    if placed.row is not None:
        assert got.status_code in (*REFUSED, 405), f"GET {url}: {got.status_code}"
        assert posted.status_code in (*REFUSED, 405), f"POST {url}: {posted.status_code}"
        return
    assert got.status_code in (*REFUSED, 200, 302, 405), f"GET {url}: {got.status_code}"
    reads = (*REFUSED, 200, 302, 405) if _reads_only(page) else (*REFUSED, 405)
    assert posted.status_code in reads, f"POST {url}: {posted.status_code}"

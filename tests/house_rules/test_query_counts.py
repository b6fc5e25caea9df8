"""Rule: list pages and API lists keep a flat number of queries. Each API list is read, on an organisation
of its own, by an administrator and by a person who is not one (the auditor, who reads everything through
role permissions and restrict(), or else the first person of the side who sees the rows) with 2, 4 and 6
rows made by its model's maker: the three query counts are equal, and the new rows are listed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.house_rules.api import results
from tests.house_rules.calls import endpoints_under_test
from tests.house_rules.makers import MAKERS, make

ADDED = 2  # rows added between two measurements
LISTED = [
    e
    for e in endpoints_under_test()
    if e.list_route is not None and e.model() is not None and e.model()._meta.label in MAKERS
]


def _measure(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), response


def flat(client, url: str, add, count_shown) -> None:
    """Measure `url` three times, adding rows in between with `add()`; `count_shown(response)` says how
    many of them the answer shows."""
    client.get(url)  # first request of the session: caches that are filled once
    counts, shown = [], []
    for step in range(3):
        if step:
            add()
        n, response = _measure(client, url)
        counts.append(n)
        shown.append(count_shown(response))
    assert shown[1] - shown[0] >= ADDED and shown[2] - shown[1] >= ADDED, f"rows shown: {shown}"
    assert counts[0] == counts[1] == counts[2], f"{url}: queries grow with rows: {counts}"


def reader_of(world, model, reader: str, row):
    """The administrator, or the first person who is not one and sees `row` of `model`."""
    if reader == "admin":
        return world.admin
    for person in (world.auditor, *world.alpha.people.values()):
        if model._default_manager.restrict(person, "view").filter(pk=row.pk).exists():
            return person
    pytest.fail(f"nobody but the administrator sees {model._meta.label}")


@pytest.mark.parametrize("reader", ["admin", "person"])
@pytest.mark.parametrize("endpoint", LISTED, ids=[e.id for e in LISTED])
def test_api_list_query_count_is_flat(endpoint, reader, small, client):
    model = endpoint.model()
    added = [make(model, small.alpha) for _ in range(ADDED)]
    small.rows[model._meta.label] = added
    client.force_login(reader_of(small, model, reader, row=added[0]))

    def add():
        for _ in range(ADDED):
            make(model, small.alpha)

    url = endpoint.list_route.url() + "?limit=1000"
    flat(client, url, add, lambda response: len(results(response)))

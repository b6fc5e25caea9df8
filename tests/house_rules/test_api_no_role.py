"""Rule: a signed-in person in no role (no model permission at all) is refused by every API endpoint —
403 or 404 for reads, writes and workflow steps, or an empty list where a list is per person — and a
refused write changes nothing: no row anywhere and no audit entry."""

import pytest

from tests.house_rules.api import is_refusal, lookup_values, results
from tests.house_rules.calls import api_call, audit_count, changed_tables, endpoints_under_test, row_counts
from tests.house_rules.exclusions import API_OPEN_TO_SIGNED_IN

ENDPOINTS = endpoints_under_test()


def _answer_is_right(endpoint, method: str, action: str, response) -> bool:
    if not endpoint.accepts_session:
        # Machine-only endpoints do not know the person at all: to them this is an anonymous call.
        return response.status_code in (401, 403)
    if is_refusal(response):
        return True
    if method == "get" and action == "list" and response.status_code == 200:
        return results(response) == []  # restrict() gives nothing without the view permission
    return endpoint.id in API_OPEN_TO_SIGNED_IN and response.status_code < 300


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_no_role_is_refused_and_writes_nothing(endpoint, world, db, client):
    client.force_login(world.nobody)
    model = endpoint.model()
    obj = world.of(model)[0] if model is not None and model._meta.label in world.rows else None
    before, audited = row_counts(), audit_count()
    wrong = {}
    for route, method, action in endpoint.calls:
        response = api_call(client, route, method, lookup_values(endpoint, route, obj))
        if not _answer_is_right(endpoint, method, action, response):
            wrong[f"{method.upper()} {route.path} ({action})"] = response.status_code
    assert not wrong, f"not refused: {wrong}"
    assert changed_tables(before, row_counts()) == {}
    assert audit_count() == audited

"""Rule: an anonymous caller gets 401 or 403 from every API endpoint, for reads, writes and workflow steps."""

import pytest

from tests.house_rules.calls import api_call, audit_count, endpoints_under_test, row_counts

pytestmark = pytest.mark.django_db

ENDPOINTS = endpoints_under_test()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.id for e in ENDPOINTS])
def test_anonymous_is_refused_everywhere(endpoint, client):
    assert endpoint.calls, f"{endpoint.id}: no method is routed"
    before, audited = row_counts(), audit_count()
    answers = {
        f"{method.upper()} {route.path} ({action})": api_call(client, route, method).status_code
        for route, method, action in endpoint.calls
    }
    wrong = {call: status for call, status in answers.items() if status not in (401, 403)}
    assert not wrong, f"anonymous calls not refused with 401/403: {wrong}"
    assert row_counts() == before and audit_count() == audited

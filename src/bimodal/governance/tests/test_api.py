"""The governance API and pages: policies, versions, the try-out, bad CEL as a 400, denials."""

import pytest

from bimodal.core.tests.factories import UserFactory
from bimodal.governance import services
from bimodal.governance.defaults import apply_default_policies
from bimodal.governance.models import Policy


@pytest.fixture
def lead(db):
    return UserFactory(roles=["governance_lead"])


def test_list_current_policies_in_flat_queries(client, lead, django_assert_max_num_queries):
    apply_default_policies(actor=lead)
    client.force_login(lead)
    with django_assert_max_num_queries(8):
        response = client.get("/api/governance/policies/")
    assert response.status_code == 200
    assert response.json()["count"] == Policy.objects.filter(is_current=True).count()


def test_create_and_patch_makes_a_new_version(client, lead):
    client.force_login(lead)
    response = client.post(
        "/api/governance/policies/",
        {"name": "Tier 0", "expression": "service.criticality == 0", "effect": "deny", "modes": ["mode-1"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    response = client.patch(
        f"/api/governance/policies/{key}/",
        {"expression": "service.criticality <= 1"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    versions = client.get(f"/api/governance/policies/{key}/versions/").json()
    assert [v["version"] for v in versions] == [2, 1]


def test_bad_cel_is_a_400_with_the_field(client, lead):
    client.force_login(lead)
    response = client.post(
        "/api/governance/policies/",
        {"name": "Bad", "expression": "1 +", "effect": "deny"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "expression" in response.json()
    assert not Policy.objects.exists()


def test_try_endpoint(client, lead):
    client.force_login(lead)
    response = client.post(
        "/api/governance/policies/try/",
        {
            "policy": {"name": "d", "expression": "change.risk_score > 10", "effect": "deny"},
            "context": {"change": {"risk_score": 50}},
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "deny"
    assert not Policy.objects.exists()


def test_cab_member_may_read_but_not_write(client, db):
    client.force_login(UserFactory(roles=["cab_member"]))
    assert client.get("/api/governance/policies/").status_code == 200
    response = client.post(
        "/api/governance/policies/",
        {"name": "x", "expression": "true", "effect": "allow"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_requester_cannot_see_policies(client, db):
    client.force_login(UserFactory(roles=["requester"]))
    assert client.get("/api/governance/policies/").status_code == 403
    assert client.get("/governance/policies/").status_code == 403


def test_pages(client, lead):
    apply_default_policies(actor=lead)
    client.force_login(lead)
    assert client.get("/governance/policies/").status_code == 200
    assert client.get("/governance/policies/profile-mode-1-normal-cab/").status_code == 200
    assert client.get("/governance/policies/new/").status_code == 200
    assert client.get("/governance/forums/").status_code == 200
    assert client.get("/governance/policies/try/?from=profile-mode-1-normal-cab").status_code == 200


def test_editor_page_shows_cel_error_and_saves_nothing(client, lead):
    client.force_login(lead)
    response = client.post(
        "/governance/policies/new/",
        {
            "name": "Bad",
            "expression": "change.type ==",
            "effect": "deny",
            "priority": 100,
            "approvals_required": 1,
        },
    )
    assert response.status_code == 400
    assert b"CEL syntax error" in response.content
    assert not Policy.objects.exists()


def test_try_page_evaluates(client, lead):
    client.force_login(lead)
    response = client.post(
        "/governance/policies/try/",
        {
            "name": "Tier 0",
            "expression": "service.criticality == 0",
            "effect": "deny",
            "priority": 100,
            "approvals_required": 1,
            "enabled": "on",
            "context": '{"change": {"type": "normal"}, "service": {"criticality": 0}, "evidence": {}}',
        },
    )
    assert response.status_code == 200
    assert b'data-testid="try-outcome">deny' in response.content


def test_a_decision_type_is_created_and_its_edit_audited_with_the_reason(client, lead):
    from bimodal.core.models import AuditEntry

    client.force_login(lead)
    response = client.post(
        "/api/governance/decision-types/",
        {"name": "Buy hardware", "spend_threshold": "5000.00", "reason": "new budget line"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["key"] == "buy_hardware"
    response = client.patch(
        "/api/governance/decision-types/buy_hardware/",
        {"key": "other", "spend_threshold": None, "reason": "no escalation by amount"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["key"], response.json()["spend_threshold"]) == ("buy_hardware", None)
    entry = AuditEntry.objects.get(verb="decision_type_update")
    assert entry.reason == "no escalation by amount"


def test_a_bad_decision_type_is_a_400_naming_the_field(client, lead):
    client.force_login(lead)
    response = client.post(
        "/api/governance/decision-types/",
        {"name": "Odd", "default_forum_kind": "tea_party", "order": -1},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"default_forum_kind", "order"} <= set(response.json())


def test_policy_pages_create_and_edit_through_the_services(client, lead):
    from bimodal.core.models import AuditEntry

    client.force_login(lead)
    data = {"name": "Tier 0", "expression": "true", "effect": "deny", "priority": 5, "approvals_required": 1}
    response = client.post("/governance/policies/new/", {**data, "modes": []})
    assert response.status_code == 302, response.content
    policy = Policy.objects.get(name="Tier 0")
    assert response["Location"] == policy.get_absolute_url()
    assert client.get(f"/governance/policies/{policy.key}/edit/").status_code == 200
    response = client.post(
        f"/governance/policies/{policy.key}/edit/", {**data, "priority": 7, "reason": "run later"}
    )
    assert response.status_code == 302
    current = Policy.objects.get(key=policy.key, is_current=True)
    assert (current.version, current.priority) == (2, 7)
    assert AuditEntry.objects.get(verb="policy_update").reason == "run later"
    assert client.get("/governance/policies/no-such-policy/edit/").status_code == 404


def test_policy_pages_refuse_readers(client, lead):
    policy = Policy.objects.create(key="p", name="P", expression="true", effect="allow")
    client.force_login(UserFactory(roles=["auditor"]))
    assert client.get("/governance/policies/new/").status_code == 403
    assert client.get(f"/governance/policies/{policy.key}/edit/").status_code == 403
    response = client.post(f"/governance/policies/{policy.key}/edit/", {"name": "Q", "effect": "deny"})
    assert response.status_code == 403
    assert Policy.objects.get().name == "P"


def test_policy_list_and_page_show_current_versions_and_history(client, lead):
    p = services.policy_create(actor=lead, name="Tier 0", expression="true", effect="deny")
    services.policy_update(actor=lead, policy=p, expression="false", reason="relax")
    client.force_login(UserFactory(roles=["auditor"]))
    body = client.get("/governance/policies/").content.decode()
    assert body.count(f'href="/governance/policies/{p.key}/"') == 1 and "v2" in body
    body = client.get(f"/governance/policies/{p.key}/").content.decode()
    assert "Tier 0" in body and "false" in body
    assert client.get("/governance/policies/no-such-policy/").status_code == 404
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/governance/policies/").status_code == 403

"""The changes API and the deployment gate: tokens, scoping, idempotency, decisions, results, bad payloads."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.models import Change, Deployment, GateRequest, PipelineToken

GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}


@pytest.fixture
def token(estate):
    _, secret = services.pipeline_token_create(actor=estate.admin, name="app ci", services=[estate.app])
    return secret


@pytest.fixture
def gate(client, token):
    def call(payload, secret=token):
        return client.post(
            "/api/gate/", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    return call


def payload(**extra):
    return {
        "service": "mobile-app",
        "version": "1.2.3",
        "idempotency_key": "run-1",
        "pipeline_url": "https://ci.example.com/1",
        "evidence": GOOD,
        **extra,
    }


def test_allowed_deploy_opens_a_standard_change_and_a_deployment(gate):
    response = gate(payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "allow"
    change = Change.objects.get(reference=body["change"])
    assert change.change_type == "standard" and change.source == "gate" and change.status == "implementing"
    assert Deployment.objects.get(pk=body["deployment"]).status == "in_progress"


def test_retry_with_same_key_creates_nothing(gate):
    first = gate(payload()).json()
    second = gate(payload())
    assert second.status_code == 200
    assert second.json()["id"] == first["id"]
    assert (
        Change.objects.count() == 1 and GateRequest.objects.count() == 1 and Deployment.objects.count() == 1
    )


def test_missing_evidence_is_denied_with_reasons(gate):
    body = gate(payload(evidence={"tests_passed": True})).json()
    assert body["outcome"] == "deny"
    assert body["requirements"]["missing_evidence"] == ["security_scan"]
    assert any("security scan" in r for r in body["reasons"])
    assert not Change.objects.exists()


def test_low_coverage_needs_approval_then_polls_to_allow(client, gate, token, estate):
    body = gate(payload(evidence={**GOOD, "coverage": 40.0})).json()
    assert body["outcome"] == "needs_approval"
    change = Change.objects.get(reference=body["change"])
    assert change.status == "awaiting_approval"
    poll = client.get(f"/api/gate/{body['id']}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert poll.json()["outcome"] == "needs_approval"
    services.change_vote(
        actor=estate.owner, change=change, vote="approve", comment="coverage ok for a hotfix"
    )
    poll = client.get(f"/api/gate/{body['id']}/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert poll["outcome"] == "allow" and poll["deployment"]


def test_token_for_one_service_cannot_gate_another(gate, estate):
    response = gate(payload(service="chatbot"))
    assert response.status_code == 403
    assert not GateRequest.objects.exists() and not Change.objects.exists()


def test_poll_with_other_token_is_404(client, gate, estate):
    body = gate(payload()).json()
    _, other = services.pipeline_token_create(actor=estate.admin, name="bot ci", services=[estate.other])
    assert client.get(f"/api/gate/{body['id']}/", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_bad_and_revoked_tokens(client, gate, token, estate):
    assert gate(payload(), secret="bmp_nope_nope").status_code in (401, 403)
    assert client.post("/api/gate/", payload(), content_type="application/json").status_code in (401, 403)
    services.pipeline_token_revoke(actor=estate.admin, token=PipelineToken.objects.get())
    assert gate(payload(), secret=token).status_code in (401, 403)


def test_a_person_cannot_call_the_gate(client, estate):
    client.force_login(estate.admin)
    assert client.post("/api/gate/", payload(), content_type="application/json").status_code in (401, 403)


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"service": "nope"}, "service"),
        ({"version": "", "commit": ""}, "version"),
        ({"commit": "zz-not-hex"}, "commit"),
        ({"pipeline_url": "not a url"}, "pipeline_url"),
        ({"environment": "moon"}, "environment"),
        ({"evidence": ["a"]}, "evidence"),
        ({"evidence": {"scan\x00": "pass"}}, "evidence"),  # jsonb cannot store NUL
        ({"evidence": {"report": ["ok", "bad\x00"]}}, "evidence"),
        ({"service": 42}, "service"),
        ({"idempotency_key": ""}, "idempotency_key"),
    ],
)
def test_bad_payloads_are_400_and_write_nothing(gate, bad, field):
    response = gate(payload(**bad))
    assert response.status_code == 400
    assert field in response.json()
    assert not GateRequest.objects.exists()


def test_mode1_service_answers_what_it_requires(client, estate):
    _, secret = services.pipeline_token_create(actor=estate.admin, name="core ci", services=[estate.core])
    response = client.post(
        "/api/gate/",
        payload(service="core-banking"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    body = response.json()
    assert body["outcome"] == "deny"
    assert body["requirements"]["window_required"]
    assert any("approved change" in r for r in body["reasons"])


def test_mode1_gate_with_an_approved_change_in_its_window(client, estate):
    from django.utils import timezone

    now = timezone.now()
    services.window_create(
        actor=estate.admin,
        name="Now",
        kind="window",
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=2),
    )
    change = services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[estate.core],
        planned_start=now - timedelta(minutes=5),
        planned_end=now + timedelta(hours=1),
        implementation_plan="a",
        backout_plan="b",
        test_plan="c",
    )
    services.change_submit(actor=estate.owner, change=change)
    change = services.change_assess(actor=estate.manager, change=change)
    services.change_vote(actor=estate.cab1, change=change, vote="approve")
    change = services.change_vote(actor=estate.cab2, change=change, vote="approve")
    services.change_schedule(actor=estate.owner, change=change)
    _, secret = services.pipeline_token_create(actor=estate.admin, name="core ci", services=[estate.core])
    body = client.post(
        "/api/gate/",
        payload(service="core-banking", change=change.reference),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    ).json()
    assert body["outcome"] == "allow"
    change.refresh_from_db()
    assert change.status == "implementing"


def test_deployment_result_closes_the_standard_change(client, gate, token):
    body = gate(payload()).json()
    response = client.post(
        f"/api/deployments/{body['deployment']}/result/",
        {"result": "succeeded"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    assert Change.objects.get(reference=body["change"]).status == "closed"
    again = client.post(
        f"/api/deployments/{body['deployment']}/result/",
        {"result": "failed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert again.status_code == 400


def test_rollback_backs_out_the_change(client, gate, token):
    body = gate(payload()).json()
    client.post(
        f"/api/deployments/{body['deployment']}/result/",
        {"result": "rolled_back"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    change = Change.objects.get(reference=body["change"])
    assert change.status == "backed_out" and change.result == "backed_out"


def test_result_of_a_deployment_without_a_change_is_recorded(client, token, estate):
    # Webhooks and imports report deployments that no change opened; the pipeline may still close them.
    deployment = Deployment.objects.create(
        service=estate.app, environment="production", commit="abc123", source="github", external_id="77"
    )
    response = client.post(
        f"/api/deployments/{deployment.pk}/result/",
        {"result": "failed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["change"] is None
    deployment.refresh_from_db()
    assert deployment.status == "failed" and deployment.finished_at is not None


def test_deployment_result_with_other_services_token_is_404(client, gate, estate):
    body = gate(payload()).json()
    _, other = services.pipeline_token_create(actor=estate.admin, name="bot ci", services=[estate.other])
    response = client.post(
        f"/api/deployments/{body['deployment']}/result/",
        {"result": "failed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert response.status_code == 404


def test_pipeline_token_command(estate, capsys):
    call_command("pipeline_token", "create", "--service", "mobile-app")
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("bmp_")
    assert PipelineToken.objects.get(prefix=secret.split("_")[1]).secret_hash != secret


# --- the change API --------------------------------------------------------------------------------


def test_change_api_workflow_and_denials(client, estate, saturday):
    client.force_login(estate.owner)
    response = client.post(
        "/api/changes/",
        {
            "title": "Patch",
            "services": ["core-banking"],
            "planned_start": saturday[0].isoformat(),
            "planned_end": saturday[1].isoformat(),
            "implementation_plan": "a",
            "backout_plan": "b",
            "test_plan": "c",
            "risk_answers": {"downtime": True},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    ref = response.json()["reference"]
    assert client.post(f"/api/changes/{ref}/submit/").json()["status"] == "submitted"
    assert client.post(f"/api/changes/{ref}/assess/").status_code == 403
    client.force_login(estate.manager)
    assert client.post(f"/api/changes/{ref}/assess/").json()["status"] == "awaiting_approval"
    client.force_login(estate.cab1)
    response = client.post(
        f"/api/changes/{ref}/vote/", {"vote": "approve", "comment": "ok"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["approvals"][0]["approver"] == "carla"
    response = client.post(f"/api/changes/{ref}/vote/", {"vote": "maybe"}, content_type="application/json")
    assert response.status_code == 400 and "vote" in response.json()


def test_change_api_bad_payload(client, estate):
    client.force_login(estate.owner)
    response = client.post(
        "/api/changes/",
        {"title": "", "services": ["nope"], "risk_answers": {"bogus": True}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"title", "services", "risk_answers"} <= set(response.json())
    assert not Change.objects.exists()


def test_change_list_query_count_is_flat(client, estate, saturday, django_assert_max_num_queries):
    for i in range(3):
        services.change_create(actor=estate.owner, title=f"c{i}", services=[estate.core, estate.ledger])
    client.force_login(estate.auditor)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/changes/")
    for i in range(12):
        services.change_create(actor=estate.owner, title=f"d{i}", services=[estate.core])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/changes/")
    assert response.json()["count"] == 15


def test_requester_role_cannot_list_changes(client, estate):
    client.force_login(estate.requester)
    assert client.get("/api/changes/").status_code == 403


def test_allowed_gate_call_has_a_fixed_query_count(gate, django_assert_num_queries):
    """An allowed deploy: the token and the service come from the gate's per-process snapshot (no
    query), one facts query (scope, the snapshot's stamps, answer already given for the key, tags,
    failure rate, windows, freezes, signatures), transaction begin, then on PostgreSQL the new rows' ids
    with the change's reference (from the changes' counter, the source of every change's reference) in
    one query, the chain head and ONE statement writing the change, its services, the deployment, the
    analytics transitions, the gate request, the four audit entries and the head; commit (was 55, then
    17, 15, 9). Elsewhere each row is inserted on its own (13)."""
    expected = 6 if connection.vendor == "postgresql" else 13
    gate(payload(idempotency_key="warm-up"))  # compiles the facts query and fills the per-process caches
    with django_assert_num_queries(expected):
        body = gate(payload(idempotency_key="counted")).json()
    assert body["outcome"] == "allow"
    for i in range(3):  # flat: the count does not grow with earlier deploys
        gate(payload(idempotency_key=f"more-{i}"))
    with django_assert_num_queries(expected):
        assert gate(payload(idempotency_key="counted-again")).json()["outcome"] == "allow"


def test_gate_retry_is_four_queries_and_the_same_answer(gate, django_assert_num_queries):
    """A retried key: facts (which find the earlier answer; token and service from the snapshot), the
    answer with its change and deployment; nothing written."""
    first = gate(payload(idempotency_key="again")).json()
    with django_assert_num_queries(2):
        second = gate(payload(idempotency_key="again"))
    assert second.status_code == 200
    replay = second.json()
    assert replay.pop("replayed") is True and first.pop("replayed") is False
    assert replay.pop("reasons")[:-1] == first.pop("reasons")
    assert replay == first


def test_gate_facts_carry_the_service_tags_and_the_earlier_answer(estate, token, gate):
    from bimodal.changes import selectors
    from bimodal.portfolio.models import RegulatoryTag

    estate.app.regulatory_tags.add(
        RegulatoryTag.objects.create(name="SOX"), RegulatoryTag.objects.create(name="GDPR")
    )
    pipeline = PipelineToken.objects.get()
    now = timezone.now()
    in_scope, facts = selectors.gate_facts(
        estate.app, token=pipeline, start=now, end=now, idempotency_key="k"
    )
    assert in_scope and facts["tags"] == ["GDPR", "SOX"] and facts["existing"] is None
    answer = gate(payload(idempotency_key="k")).json()
    _, facts = selectors.gate_facts(estate.app, token=pipeline, start=now, end=now, idempotency_key="k")
    assert facts["existing"] == answer["id"]
    _, other = selectors.gate_facts(estate.core, token=pipeline, start=now, end=now, idempotency_key="k")
    assert other["tags"] == [] and other["existing"] is None


def test_gate_audit_chain_stays_valid(gate):
    from bimodal.core import audit

    for i in range(3):
        assert gate(payload(idempotency_key=f"chain-{i}")).json()["outcome"] == "allow"
    checked, problems = audit.verify()
    assert checked and problems == []

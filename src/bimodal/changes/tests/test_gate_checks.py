"""The deployment gate when a pipeline names a change (issue 17, items 3 and 4): the change must be one
that may start now, and the pipeline's own evidence is evaluated by the mode's policies; the change's
recorded evidence never stands in for it. Then a key bound to its request (item 5)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.choices import ChangeStatus as S
from bimodal.changes.models import Change, Deployment, GateRequest
from bimodal.changes.tests.conftest import make_template

GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}
BAD = {"tests_passed": False, "coverage": 3.0, "security_scan": "fail"}
PLANS = dict(implementation_plan="do it", backout_plan="undo it", test_plan="test it")


@pytest.fixture
def token(estate):
    _, secret = services.pipeline_token_create(
        actor=estate.admin, name="app ci", services=[estate.app, estate.core]
    )
    return secret


@pytest.fixture
def gate(client, token):
    def call(**extra):
        body = {
            "service": "mobile-app",
            "version": "2.0.0",
            "idempotency_key": "run-1",
            "pipeline_url": "https://ci.example.com/1",
            "evidence": GOOD,
            **extra,
        }
        return client.post(
            "/api/gate/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return call


@pytest.fixture
def self_approved(estate):
    """A Mode 2 standard change its requester raised with evidence typed in by hand: approved by policy."""
    change = services.change_create_from_template(
        actor=estate.dev,
        template=make_template(estate),
        title="Release 2.0.0",
        services=[estate.app],
        evidence={"tests_passed": True, "security_scan": "pass", "coverage": 99.0},
    )
    change = services.change_submit(actor=estate.dev, change=change)
    assert change.status == S.APPROVED
    return change


def denied(response, change=None):
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "deny" and body["deployment"] is None
    assert not Deployment.objects.exists()
    if change is not None:
        change.refresh_from_db()
        assert change.status == S.APPROVED
    return body["reasons"]


def test_failing_evidence_is_denied_with_or_without_a_named_change(gate, self_approved):
    # The finding: denied on its own, allowed when the pipeline named a self-approved standard change.
    alone = denied(gate(evidence=BAD, idempotency_key="alone"))
    named = denied(gate(evidence=BAD, change=self_approved.reference), self_approved)
    assert any("missing: tests_passed, security_scan" in r for r in alone)
    assert any(r.startswith("Pipeline evidence:") and "tests_passed" in r for r in named)


def test_low_coverage_under_a_change_nobody_approved_is_denied(gate, self_approved):
    reasons = denied(gate(evidence={**GOOD, "coverage": 3.0}, change=self_approved.reference), self_approved)
    assert any("approvals do not cover" in r and "Coverage under 60" in r for r in reasons)


def test_passing_evidence_under_the_change_is_allowed(gate, self_approved):
    body = gate(change=self_approved.reference).json()
    assert body["outcome"] == "allow" and body["change"] == self_approved.reference
    self_approved.refresh_from_db()
    assert self_approved.status == S.IMPLEMENTING


def test_the_change_must_be_for_the_same_service(gate, self_approved):
    reasons = denied(gate(service="core-banking", change=self_approved.reference), self_approved)
    assert reasons[0] == f"No change {self_approved.reference} for the service core-banking."


def test_a_token_out_of_scope_cannot_name_a_change(client, estate, self_approved):
    _, other = services.pipeline_token_create(actor=estate.admin, name="bot ci", services=[estate.other])
    response = client.post(
        "/api/gate/",
        {
            "service": "mobile-app",
            "version": "2.0.0",
            "idempotency_key": "x",
            "change": self_approved.reference,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {other}",
    )
    assert response.status_code == 403
    assert not GateRequest.objects.exists()


def test_the_environment_must_be_the_changes(gate, self_approved):
    reasons = denied(gate(environment="staging", change=self_approved.reference), self_approved)
    assert any("not to staging" in r for r in reasons)


def test_a_freeze_denies_a_deploy_under_a_change(gate, estate, self_approved):
    now = timezone.now()
    services.window_create(
        actor=estate.admin,
        name="Freeze",
        kind="freeze",
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=1),
    )
    reasons = denied(gate(change=self_approved.reference), self_approved)
    assert any("“Freeze”" in r for r in reasons)


@pytest.fixture
def mode1(estate, saturday):
    """A Mode 1 change approved by the CAB and scheduled next week, with its window."""
    services.window_create(
        actor=estate.admin,
        name="Weekend",
        kind="window",
        start=saturday[0] - timedelta(hours=1),
        end=saturday[1] + timedelta(hours=1),
    )
    change = services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[estate.core],
        planned_start=saturday[0],
        planned_end=saturday[1],
        version="2.0.0",
        **PLANS,
    )
    services.change_submit(actor=estate.owner, change=change)
    services.change_assess(actor=estate.manager, change=change)
    services.change_vote(actor=estate.cab1, change=change, vote="approve")
    services.change_vote(actor=estate.cab2, change=change, vote="approve")
    return services.change_schedule(actor=estate.owner, change=change)


def test_a_mode1_deploy_outside_its_slot_is_denied_and_inside_allowed(gate, mode1, saturday):
    body = gate(service="core-banking", change=mode1.reference).json()
    assert body["outcome"] == "deny" and any("may start from" in r for r in body["reasons"])
    with time_machine.travel(saturday[0] + timedelta(minutes=1)):
        wrong = gate(service="core-banking", change=mode1.reference, version="2.0.1", idempotency_key="v")
        assert any("for version 2.0.0, not 2.0.1" in r for r in wrong.json()["reasons"])
        body = gate(service="core-banking", change=mode1.reference, idempotency_key="in-slot").json()
    assert body["outcome"] == "allow", body["reasons"]
    assert Change.objects.get(pk=mode1.pk).status == S.IMPLEMENTING


def test_an_approved_normal_change_not_yet_scheduled_cannot_deploy(gate, estate, mode1, saturday):
    services.change_reschedule(
        actor=estate.manager,
        change=mode1,
        planned_start=saturday[0],
        planned_end=saturday[1] - timedelta(minutes=30),
        reason="shorter",
    )
    with time_machine.travel(saturday[0] + timedelta(minutes=1)):
        body = gate(service="core-banking", change=mode1.reference).json()
    assert body["outcome"] == "deny"
    assert any("awaiting approval: it cannot start now" in r for r in body["reasons"])

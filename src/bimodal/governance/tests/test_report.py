"""The minimum viable bureaucracy report against hand-computed figures (even-count medians, the 90th
percentile interpolated between closest ranks as PostgreSQL's percentile_cont does), from decision requests
and from change records; a flat number of queries."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.tests.factories import UserFactory
from bimodal.governance import selectors
from bimodal.governance.models import DecisionRequest, DecisionType
from bimodal.portfolio.models import Mode
from bimodal.portfolio.tests.factories import ServiceFactory

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


def make_request(user, dtype, mode, *, steps, lead: timedelta | None, status="approved"):
    return DecisionRequest.objects.create(
        decision_type=dtype,
        mode=mode,
        title="r",
        requested_by=user,
        requested_at=T0,
        step_count=steps,
        status=status if lead is not None else "pending",
        decided_at=T0 + lead if lead is not None else None,
        decided_by=user if lead is not None else None,
    )


@pytest.fixture
def data(db):
    user = UserFactory(username="gina", is_superuser=True)
    spend = DecisionType.objects.get(key="approve_spend")
    gate = DecisionType.objects.get(key="approve_stage_gate")
    m1, m2 = Mode.objects.get(key="mode-1"), Mode.objects.get(key="mode-2")
    # approve_spend, Mode 1: steps 1, 1, 2, 2 decided after 1 h, 2 h, 4 h, 10 h; one pending with 3 steps.
    for steps, hours in [(1, 1), (2, 4), (1, 2), (2, 10)]:
        make_request(user, spend, m1, steps=steps, lead=timedelta(hours=hours), status="approved")
    make_request(user, spend, m1, steps=3, lead=None)
    # approve_spend, Mode 2: 30 and 90 minutes, one step each (one of them rejected).
    make_request(user, spend, m2, steps=1, lead=timedelta(minutes=30), status="rejected")
    make_request(user, spend, m2, steps=1, lead=timedelta(minutes=90))
    # approve_stage_gate without a mode: a single withdrawn request (not decided).
    make_request(user, gate, None, steps=2, lead=None).__class__.objects.filter(decision_type=gate).update(
        status="withdrawn"
    )
    return user


def row(rows, source, key, mode):
    return next(r for r in rows if r.source == source and r.decision_type == key and r.mode == mode)


def test_request_figures_by_hand(data):
    rows = selectors.bureaucracy_report(user=data, include_changes=False)
    m1 = row(rows, "requests", "approve_spend", "mode-1")
    assert (m1.requests, m1.decided) == (5, 4)
    assert m1.mean_steps == 1.8  # (1 + 1 + 2 + 2 + 3) / 5
    assert m1.median_steps == 2.0  # 1 1 [2] 2 3
    assert m1.median_lead == timedelta(hours=3)  # 1 [2 4] 10 → (2 + 4) / 2
    assert m1.p90_lead == timedelta(hours=8.2)  # h = 0.9 × 3 = 2.7 → 4 + 0.7 × (10 − 4)
    assert m1.median_lead_hours == 3.0 and m1.p90_lead_hours == 8.2
    m2 = row(rows, "requests", "approve_spend", "mode-2")
    assert (m2.requests, m2.decided, m2.mean_steps, m2.median_steps) == (2, 2, 1.0, 1.0)
    assert m2.median_lead == timedelta(hours=1)  # (30 + 90) / 2 minutes
    assert m2.p90_lead == timedelta(minutes=84)  # 30 + 0.9 × (90 − 30)
    gate = row(rows, "requests", "approve_stage_gate", "")
    assert (gate.requests, gate.decided, gate.median_steps, gate.median_lead) == (1, 0, 2.0, None)
    assert gate.mode_label == "No mode"


def test_p90_interpolates_between_closest_ranks(data):
    dtype = DecisionType.objects.get(key="reclassify_service")
    mode = Mode.objects.get(key="mode-1")
    for hours in range(1, 12):  # 11 values: h = 0.9 × 10 = 9 → the 10th, 10 h; median the 6th, 6 h
        make_request(data, dtype, mode, steps=1, lead=timedelta(hours=hours))
    rows = selectors.bureaucracy_report(user=data, include_changes=False)
    r = row(rows, "requests", "reclassify_service", "mode-1")
    assert r.p90_lead == timedelta(hours=10) and r.median_lead == timedelta(hours=6)


def _audit_at(when, change, verb):
    with mock.patch("bimodal.core.audit.timezone.now", return_value=when), transaction.atomic():
        audit.record(actor=None, action=AuditAction.TRANSITION, obj=change, verb=verb)


def test_change_figures_by_hand(data):
    from bimodal.changes.models import Change, ChangeApproval

    voter, voter2 = UserFactory(username="v1"), UserFactory(username="v2")
    core = ServiceFactory(slug="core", mode=Mode.objects.get(key="mode-1"), criticality=0)
    app = ServiceFactory(slug="app", mode=Mode.objects.get(key="mode-2"), criticality=2)

    def change(ref, status, services, votes, asked=None, decided=None, verb="change_approved"):
        c = Change.objects.create(reference=ref, title=ref, requester=data, status=status)
        c.services.set(services)
        for v in votes:
            ChangeApproval.objects.create(change=c, approver=v, vote="approve")
        if asked is not None:
            _audit_at(T0 + asked, c, "change_awaiting_approval")
        if decided is not None:
            _audit_at(T0 + decided, c, verb)
        return c

    # Mode 1 (the primary service is the most critical one): 2 h and 6 h; 2 votes and 1 vote.
    change("C1", "approved", [core, app], [voter, voter2], timedelta(0), timedelta(hours=2))
    change("C2", "rejected", [core], [voter], timedelta(hours=1), timedelta(hours=7), verb="change_rejected")
    change("C3", "awaiting_approval", [core], [], timedelta(hours=1))  # asked, not decided
    change("D1", "draft", [core], [])  # a draft is not a request
    # Mode 2: a pre-approved standard change (no approval asked), 0 steps.
    change("C4", "approved", [app], [])
    rows = selectors.bureaucracy_report(user=data)
    m1 = row(rows, "changes", "approve_change", "mode-1")
    assert (m1.requests, m1.decided) == (3, 2)
    assert m1.mean_steps == 1.0  # (2 + 1 + 0) / 3
    assert m1.median_steps == 1.0
    assert m1.median_lead == timedelta(hours=4)  # (2 + 6) / 2
    assert m1.p90_lead == timedelta(hours=5.6)  # 2 + 0.9 × (6 − 2)
    m2 = row(rows, "changes", "approve_change", "mode-2")
    assert (m2.requests, m2.decided, m2.mean_steps, m2.median_lead) == (1, 0, 0.0, None)


def test_the_report_runs_in_a_fixed_number_of_queries(data):
    selectors.bureaucracy_report(user=data)  # warm the content-type cache
    with CaptureQueriesContext(connection) as few:
        selectors.bureaucracy_report(user=data)
    dtype = DecisionType.objects.get(key="approve_demand")
    for mode in Mode.objects.all():
        for hours in range(1, 15):
            make_request(data, dtype, mode, steps=hours % 3 + 1, lead=timedelta(hours=hours))
    with CaptureQueriesContext(connection) as many:
        rows = selectors.bureaucracy_report(user=data)
    assert len(many) == len(few) <= 8
    assert any(r.decision_type == "approve_demand" for r in rows)

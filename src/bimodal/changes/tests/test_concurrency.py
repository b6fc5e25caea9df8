"""Concurrent votes and transitions on PostgreSQL (issue 17, item 6): threads call the API at the same
moment, each on its own database connection, against committed data. The change row is locked first
and then read, so a change is approved exactly once with every accepted vote counted, and of a start
and a cancel racing each other one wins and the other gets a 400, never a 500."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.choices import ChangeStatus as S
from bimodal.changes.models import Change, ChangeApproval
from bimodal.core.models import AuditEntry

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite runs one write transaction at a "
        "time and has no SELECT … FOR UPDATE, so these races cannot happen there",
    ),
    pytest.mark.django_db(transaction=True),
]
PLANS = dict(implementation_plan="do it", backout_plan="undo it", test_plan="test it")
ROUNDS = 3


def race(calls):
    """Run the (client, url, payload) calls in parallel threads released together; their status codes."""
    barrier = threading.Barrier(len(calls))
    codes: list[int] = [0] * len(calls)

    def run(i, client, url, payload):
        try:
            barrier.wait()
            codes[i] = client.post(url, payload, content_type="application/json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def awaiting(estate, start, end):
    change = services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[estate.core],
        planned_start=start,
        planned_end=end,
        **PLANS,
    )
    services.change_submit(actor=estate.owner, change=change)
    change = services.change_assess(actor=estate.manager, change=change)
    assert change.status == S.AWAITING_APPROVAL and change.approvals_required == 2
    return change


def transitions(change, status):
    return AuditEntry.objects.filter(
        content_type__model="change", object_id=str(change.pk), verb=f"change_{status}"
    ).count()


@pytest.mark.parametrize("voters", [("cab1", "cab2"), ("cab1", "cab2", "manager")])
def test_parallel_votes_approve_exactly_once_with_every_vote_counted(estate, saturday, voters):
    clients = [logged_in(estate[name]) for name in voters]
    for _ in range(ROUNDS):
        change = awaiting(estate, *saturday)
        url = f"/api/changes/{change.reference}/vote/"
        codes = race([(client, url, {"vote": "approve", "comment": "ok"}) for client in clients])
        assert set(codes) <= {200, 400}, codes
        change.refresh_from_db()
        assert change.status == S.APPROVED
        assert transitions(change, "approved") == 1
        # Two approvals are needed: both are counted; a third arriving after the approval is refused.
        assert ChangeApproval.objects.filter(change=change).count() == codes.count(200) >= 2
        if len(voters) == 2:
            assert codes == [200, 200]


def test_parallel_start_and_cancel_one_wins_cleanly(estate):
    now = timezone.now()
    services.window_create(
        actor=estate.admin,
        name="Now",
        kind="window",
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=4),
    )
    starter, canceller = logged_in(estate.owner), logged_in(estate.owner)
    winners = set()
    for _ in range(ROUNDS):
        change = awaiting(estate, now - timedelta(minutes=1), now + timedelta(hours=2))
        services.change_vote(actor=estate.cab1, change=change, vote="approve")
        services.change_vote(actor=estate.cab2, change=change, vote="approve")
        change = services.change_schedule(actor=estate.owner, change=change)
        base = f"/api/changes/{change.reference}"
        codes = race([(starter, f"{base}/start/", {}), (canceller, f"{base}/cancel/", {"reason": "no"})])
        assert sorted(codes) == [200, 400], codes
        status = Change.objects.get(pk=change.pk).status
        expected = S.IMPLEMENTING if codes[0] == 200 else S.CANCELLED
        assert status == expected
        assert transitions(change, "implementing") + transitions(change, "cancelled") == 1
        winners.add(status)
    assert winners <= {S.IMPLEMENTING, S.CANCELLED}

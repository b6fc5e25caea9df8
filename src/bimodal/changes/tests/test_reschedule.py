"""Rescheduling an approved or scheduled change: change managers only, checks re-run, nothing written
when refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.choices import ChangeStatus as S
from bimodal.core.models import AuditEntry

PLANS = dict(implementation_plan="do it", backout_plan="undo it", test_plan="test it")


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def window(estate, saturday):
    """A window from an hour before to five hours after the test slot."""
    return services.window_create(
        actor=estate.admin,
        name="Weekend",
        kind="window",
        start=saturday[0] - timedelta(hours=1),
        end=saturday[1] + timedelta(hours=5),
    )


@pytest.fixture
def approved(estate, saturday, window):
    """A Mode 1 normal change approved by the CAB (its policies require a window)."""
    change = services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[estate.core],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    services.change_submit(actor=estate.owner, change=change)
    services.change_assess(actor=estate.manager, change=change)
    services.change_vote(actor=estate.cab1, change=change, vote="approve")
    change = services.change_vote(actor=estate.cab2, change=change, vote="approve")
    assert change.status == S.APPROVED and change.window_required
    return change


def later(saturday, hours=2):
    return saturday[0] + timedelta(hours=hours), saturday[1] + timedelta(hours=hours)


def post(client, change, start, end, reason="vendor delayed the patch"):
    return client.post(
        f"/changes/{change.reference}/reschedule/",
        {"planned_start": local(start), "planned_end": local(end), "reason": reason},
    )


def test_form_is_shown_only_to_change_managers(client, estate, approved):
    client.force_login(estate.manager)
    assert 'data-testid="reschedule-form"' in client.get(approved.get_absolute_url()).content.decode()
    for user in (estate.cab1, estate.owner, estate.auditor):
        client.force_login(user)
        assert 'data-testid="reschedule-form"' not in client.get(approved.get_absolute_url()).content.decode()


def test_change_manager_reschedules_an_approved_change(client, estate, approved, saturday):
    client.force_login(estate.manager)
    start, end = later(saturday)
    response = post(client, approved, start, end)
    assert response.status_code == 302
    approved.refresh_from_db()
    assert local(approved.planned_start) == local(start) and local(approved.planned_end) == local(end)
    # A new slot is a material edit: the CAB approved the old one, so it confirms the new one.
    assert approved.status == S.AWAITING_APPROVAL and approved.approval_round == 2
    entry = AuditEntry.objects.get(verb="change_reschedule")
    assert entry.actor == estate.manager and entry.reason.startswith("vendor delayed the patch")
    assert entry.before["planned_start"] != entry.after["planned_start"]


def test_a_scheduled_change_can_be_rescheduled(client, estate, approved, saturday):
    change = services.change_schedule(actor=estate.owner, change=approved)
    client.force_login(estate.manager)
    assert post(client, change, *later(saturday, 3)).status_code == 302
    change.refresh_from_db()
    assert change.status == S.AWAITING_APPROVAL and local(change.planned_start) == local(
        later(saturday, 3)[0]
    )


@pytest.mark.parametrize("role", ["cab1", "auditor", "owner"])
def test_others_get_403_and_nothing_is_written(client, estate, approved, saturday, role):
    client.force_login(estate[role])
    assert post(client, approved, *later(saturday)).status_code == 403
    approved.refresh_from_db()
    assert approved.planned_start == saturday[0]
    assert not AuditEntry.objects.filter(verb="change_reschedule").exists()


def test_unknown_or_invisible_change_is_404(client, estate, approved, saturday):
    client.force_login(estate.manager)
    assert client.post("/changes/CHG-999999/reschedule/", {}).status_code == 404
    client.force_login(estate.requester)
    assert post(client, approved, *later(saturday)).status_code == 404


def refused(client, estate, change, saturday, start, end, reason="moving it", expect=""):
    client.force_login(estate.manager)
    response = post(client, change, start, end, reason=reason)
    body = response.content.decode()
    assert response.status_code == 400 and 'data-testid="reschedule-form"' in body
    assert expect in body
    change.refresh_from_db()
    assert change.planned_start == saturday[0] and change.planned_end == saturday[1]
    assert not AuditEntry.objects.filter(verb="change_reschedule").exists()


def test_end_before_start_is_refused(client, estate, approved, saturday):
    start, end = later(saturday)
    refused(client, estate, approved, saturday, end, start, expect="after the planned start")


def test_a_reason_is_required(client, estate, approved, saturday):
    refused(client, estate, approved, saturday, *later(saturday), reason="", expect="This field is required")


def test_slot_in_a_freeze_is_refused(client, estate, approved, saturday):
    start, end = later(saturday)
    services.window_create(actor=estate.admin, name="Audit freeze", kind="freeze", start=start, end=end)
    refused(client, estate, approved, saturday, start, end, expect="freeze")


def test_slot_outside_an_open_window_is_refused(client, estate, approved, saturday):
    refused(client, estate, approved, saturday, *later(saturday, 24), expect="open change window")


def test_draft_change_cannot_be_rescheduled(client, estate, saturday):
    change = services.change_create(
        actor=estate.owner,
        title="Draft",
        services=[estate.core],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    refused(client, estate, change, saturday, *later(saturday), expect="approved or scheduled")


def test_service_reports_conflicts_in_the_audit_reason(estate, approved, saturday):
    other = services.change_create(
        actor=estate.dev,
        title="App release",
        services=[estate.app],
        planned_start=later(saturday)[0],
        planned_end=later(saturday)[1],
        **PLANS,
    )
    services.change_submit(actor=estate.dev, change=other)
    services.change_reschedule(
        actor=estate.manager,
        change=approved,
        planned_start=later(saturday)[0],
        planned_end=later(saturday)[1],
        reason="align with the app",
    )
    entry = AuditEntry.objects.get(verb="change_reschedule")
    assert other.reference in entry.reason


def test_service_refuses_non_managers_and_bad_input(estate, approved, saturday):
    with pytest.raises(PermissionDenied):
        services.change_reschedule(
            actor=estate.owner,
            change=approved,
            planned_start=saturday[0],
            planned_end=saturday[1],
            reason="x",
        )
    with pytest.raises(ValidationError, match="why"):
        services.change_reschedule(
            actor=estate.manager,
            change=approved,
            planned_start=saturday[0],
            planned_end=saturday[1],
            reason=" ",
        )
    with pytest.raises(ValidationError, match="after"):
        services.change_reschedule(
            actor=estate.manager,
            change=approved,
            planned_start=saturday[1],
            planned_end=saturday[0],
            reason="x",
        )

"""The checks at the moment a change starts: its slot, the window its mode requires, freezes, and the
policies evaluated again with their approvals still met (issue 17, item 3). Each refusal is a 400 naming
the field in the API, a message on the page, and writes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.choices import ChangeStatus as S
from bimodal.changes.models import Change
from bimodal.changes.tests.conftest import make_template
from bimodal.core.models import AuditEntry
from bimodal.governance import services as governance_services

PLANS = dict(implementation_plan="do it", backout_plan="undo it", test_plan="test it")
GOOD = {"tests_passed": True, "security_scan": "pass"}


@pytest.fixture
def window(estate, saturday):
    return services.window_create(
        actor=estate.admin,
        name="Weekend",
        kind="window",
        start=saturday[0] - timedelta(hours=1),
        end=saturday[1] + timedelta(hours=1),
    )


@pytest.fixture
def scheduled(estate, saturday, window):
    """A Mode 1 normal change approved by two CAB members and scheduled in next week's window."""
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
    services.change_vote(actor=estate.cab2, change=change, vote="approve")
    change = services.change_schedule(actor=estate.owner, change=change)
    assert change.status == S.SCHEDULED and change.window_required
    return change


def start(client, change, user):
    client.force_login(user)
    return client.post(f"/api/changes/{change.reference}/start/", {}, content_type="application/json")


def unchanged(change, status=S.SCHEDULED):
    change.refresh_from_db()
    assert change.status == status
    assert not AuditEntry.objects.filter(verb="change_implementing").exists()


def test_start_before_the_slot_is_400_naming_the_slot(client, estate, scheduled, saturday):
    # The finding: `start` answered 200 `implementing` a week before its planned slot.
    response = start(client, scheduled, estate.owner)
    assert response.status_code == 400, response.content
    body = response.json()
    assert "planned_start" in body
    assert any("may start from" in m for m in body["planned_start"])
    unchanged(scheduled)


def test_start_within_the_tolerance_and_the_window_is_allowed(client, estate, scheduled, saturday):
    with time_machine.travel(saturday[0] + timedelta(minutes=10)):
        response = start(client, scheduled, estate.owner)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "implementing"


def test_tolerance_is_a_few_minutes_before_the_slot(estate, scheduled, saturday):
    """Five minutes early is within the tolerance (the window is open); six is not."""
    too_early = saturday[0] - services.START_TOLERANCE - timedelta(minutes=1)
    with time_machine.travel(too_early), pytest.raises(ValidationError) as refused:
        services.change_start(actor=estate.owner, change=scheduled)
    assert "planned_start" in refused.value.message_dict
    with time_machine.travel(saturday[0] - services.START_TOLERANCE + timedelta(seconds=30)):
        assert services.change_start(actor=estate.owner, change=scheduled).status == S.IMPLEMENTING


def test_start_after_the_slot_ended_is_400(client, estate, scheduled, saturday):
    with time_machine.travel(saturday[1] + timedelta(minutes=1)):
        response = start(client, scheduled, estate.owner)
    assert response.status_code == 400
    assert any("reschedule" in m for m in response.json()["planned_end"])
    unchanged(scheduled)


def test_start_when_the_window_was_ended_early_is_400(client, estate, scheduled, saturday, window):
    with time_machine.travel(saturday[0] - timedelta(minutes=30)):
        services.window_end(actor=estate.admin, window=window, reason="data centre work")
    with time_machine.travel(saturday[0] + timedelta(minutes=1)):
        response = start(client, scheduled, estate.owner)
    assert response.status_code == 400
    assert any("No open change window" in m for m in response.json()["planned_start"])
    unchanged(scheduled)


def test_start_in_a_freeze_declared_after_scheduling_is_400(client, estate, scheduled, saturday):
    services.window_create(
        actor=estate.admin,
        name="Incident freeze",
        kind="freeze",
        start=saturday[0] - timedelta(hours=3),
        end=saturday[1] + timedelta(hours=3),
    )
    with time_machine.travel(saturday[0] + timedelta(minutes=1)):
        response = start(client, scheduled, estate.owner)
    assert response.status_code == 400
    body = response.json()
    assert any("Incident freeze" in m for m in body["planned_start"])
    assert any("freeze" in m for m in body["status"])  # the policy "no changes in a freeze" as well
    unchanged(scheduled)


def freeze_now(estate):
    now = timezone.now()
    return services.window_create(
        actor=estate.admin,
        name="Year-end",
        kind="freeze",
        start=now - timedelta(hours=1),
        end=now + timedelta(hours=4),
    )


def standard(estate):
    change = services.change_create_from_template(
        actor=estate.dev, template=make_template(estate), title="Config", services=[estate.app], evidence=GOOD
    )
    change = services.change_submit(actor=estate.dev, change=change)
    assert change.status == S.APPROVED
    return change


def test_an_approved_standard_change_does_not_start_in_a_freeze(client, estate):
    # The finding: while a freeze was in force, another change also started with 200.
    change = standard(estate)
    freeze_now(estate)
    response = start(client, change, estate.dev)
    assert response.status_code == 400
    assert any("Year-end" in m for m in response.json()["planned_start"])
    unchanged(change, S.APPROVED)


def test_an_emergency_change_starts_in_a_freeze_and_is_approved_afterwards(client, estate):
    freeze_now(estate)
    change = services.change_create(
        actor=estate.owner, title="Hotfix", services=[estate.core], change_type="emergency", **PLANS
    )
    services.change_submit(actor=estate.owner, change=change)
    response = start(client, change, estate.owner)
    assert response.status_code == 200, response.content
    change = services.change_vote(actor=estate.manager, change=change, vote="approve", comment="justified")
    assert change.status == S.IMPLEMENTING and change.retrospective_approval


def test_a_new_slot_after_approval_needs_the_approvers_again(client, estate, scheduled, saturday):
    new_start, new_end = saturday[0] + timedelta(hours=1), saturday[1] + timedelta(minutes=30)
    change = services.change_reschedule(
        actor=estate.manager,
        change=scheduled,
        planned_start=new_start,
        planned_end=new_end,
        reason="vendor late",
    )
    assert change.status == S.AWAITING_APPROVAL and change.approval_round == 2
    with time_machine.travel(new_start + timedelta(minutes=1)):
        response = start(client, change, estate.owner)
    assert response.status_code == 400 and "status" in response.json()
    # The first round's votes stay on record but count no more: one new vote is not enough.
    change = services.change_vote(actor=estate.cab1, change=change, vote="approve", comment="new slot ok")
    assert change.status == S.AWAITING_APPROVAL
    change = services.change_vote(actor=estate.cab2, change=change, vote="approve", comment="ok")
    assert change.status == S.APPROVED and change.approvals.count() == 4
    client.force_login(estate.owner)
    page = client.get(change.get_absolute_url()).content.decode()
    assert page.count('data-testid="earlier-round"') == 2
    services.change_schedule(actor=estate.owner, change=change)
    with time_machine.travel(new_start + timedelta(minutes=1)):
        assert start(client, change, estate.owner).status_code == 200


def test_a_policy_added_after_approval_is_applied_at_start(client, estate, scheduled, saturday):
    governance_services.policy_create(
        actor=estate.admin,
        key="core-lead",
        name="Core banking changes need the governance lead",
        expression='service.slug == "core-banking"',
        effect="require_approval",
        approver_role="governance_lead",
        message="The governance lead signs off core banking changes.",
    )
    with time_machine.travel(saturday[0] + timedelta(minutes=1)):
        response = start(client, scheduled, estate.owner)
    assert response.status_code == 400
    [message] = response.json()["status"]
    assert message.startswith("Its approvals do not cover") and "governance lead" in message
    unchanged(scheduled)


def test_the_page_shows_the_refusal(client, estate, scheduled):
    client.force_login(estate.owner)
    response = client.post(f"/changes/{scheduled.reference}/start/", follow=True)
    assert response.status_code == 200
    assert "may start from" in response.content.decode()
    assert Change.objects.get(pk=scheduled.pk).status == S.SCHEDULED


@pytest.mark.parametrize(
    "edit",
    [{"services": ["general-ledger"]}, {"backout_plan": "none"}, {"planned_start": "2030-01-01T00:00:00Z"}],
)
def test_an_approved_change_cannot_be_edited_in_place(client, estate, scheduled, edit):
    """Services, plans and slot are edited only in a draft; a new slot goes through rescheduling."""
    client.force_login(estate.owner)
    response = client.patch(f"/api/changes/{scheduled.reference}/", edit, content_type="application/json")
    assert response.status_code == 400 and "status" in response.json()
    unchanged(scheduled)

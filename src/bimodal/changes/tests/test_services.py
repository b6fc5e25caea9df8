"""The change state machine, approvals with segregation of duties, windows, freezes and conflicts."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.changes import selectors, services
from bimodal.changes.choices import TRANSITIONS, ChangeStatus, ChangeType, can_transition
from bimodal.changes.models import Change, ChangeApproval
from bimodal.core.models import AuditEntry

S = ChangeStatus
PLANS = dict(implementation_plan="do it", backout_plan="undo it", test_plan="test it")


@pytest.fixture
def window(estate, saturday):
    start, end = saturday
    return services.window_create(
        actor=estate.admin,
        name="Weekend",
        kind="window",
        start=start - timedelta(hours=1),
        end=end + timedelta(hours=1),
    )


def normal(estate, saturday, service=None, **fields):
    start, end = saturday
    return services.change_create(
        actor=estate.owner,
        title="Patch",
        services=[service or estate.core],
        planned_start=start,
        planned_end=end,
        **{**PLANS, **fields},
    )


def awaiting(estate, saturday, **fields):
    change = normal(estate, saturday, **fields)
    services.change_submit(actor=estate.owner, change=change)
    return services.change_assess(actor=estate.manager, change=change)


# --- the declared state machine ---------------------------------------------------------------------

ALL = list(S)


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_transition_table(source, target):
    allowed = target in TRANSITIONS[source]
    for kind in ChangeType:
        result = can_transition(source, target, kind)
        if not allowed:
            assert not result
    if (source, target) == (S.SUBMITTED, S.IMPLEMENTING):
        assert can_transition(source, target, "emergency") and not can_transition(source, target, "normal")
    if (source, target) == (S.APPROVED, S.IMPLEMENTING):
        assert can_transition(source, target, "standard") and not can_transition(source, target, "normal")


@pytest.mark.parametrize("status", [s for s in ALL if s != S.DRAFT])
def test_submit_is_refused_outside_draft(estate, saturday, status):
    change = normal(estate, saturday)
    Change.objects.filter(pk=change.pk).update(status=status)
    change.refresh_from_db()
    with pytest.raises(ValidationError):
        services.change_submit(actor=estate.owner, change=change)


@pytest.mark.parametrize("status", [s for s in ALL if s != S.IMPLEMENTING])
def test_complete_is_refused_outside_implementing(estate, saturday, status):
    change = normal(estate, saturday)
    Change.objects.filter(pk=change.pk).update(status=status)
    change.refresh_from_db()
    with pytest.raises(ValidationError):
        services.change_complete(actor=estate.owner, change=change, result=S.COMPLETED)


# --- a Mode 1 normal change, end to end ---------------------------------------------------------------


def test_mode1_change_full_life(estate, saturday, window):
    change = normal(estate, saturday)
    assert change.status == S.DRAFT and change.risk_score > 0
    change = services.change_submit(actor=estate.owner, change=change)
    assert change.status == S.SUBMITTED
    change = services.change_assess(actor=estate.manager, change=change)
    assert change.status == S.AWAITING_APPROVAL
    assert change.approver_forum.slug == "cab" and change.window_required
    change = services.change_vote(actor=estate.cab1, change=change, vote="approve", comment="fine")
    assert change.status == S.AWAITING_APPROVAL  # two CAB votes needed
    change = services.change_vote(actor=estate.cab2, change=change, vote="approve", comment="ok")
    assert change.status == S.APPROVED
    change = services.change_schedule(actor=estate.owner, change=change)
    with time_machine.travel(saturday[0] + timedelta(minutes=1)):  # it starts in its slot
        change = services.change_start(actor=estate.owner, change=change)
    change = services.change_complete(actor=estate.owner, change=change, result=S.COMPLETED)
    change = services.change_review(actor=estate.manager, change=change, notes="fine")
    change = services.change_close(actor=estate.manager, change=change)
    assert change.status == S.CLOSED and change.result == S.COMPLETED
    verbs = list(
        AuditEntry.objects.filter(object_id=str(change.pk), content_type__model="change")
        .order_by("seq")
        .values_list("after__status", flat=True)
    )
    assert verbs[-1] == "closed" and "awaiting_approval" in verbs and "approved" in verbs


def test_rejection_rejects(estate, saturday):
    change = awaiting(estate, saturday)
    change = services.change_vote(actor=estate.cab1, change=change, vote="reject", comment="no")
    assert change.status == S.REJECTED


def test_reject_needs_a_comment(estate, saturday):
    change = awaiting(estate, saturday)
    with pytest.raises(ValidationError):
        services.change_vote(actor=estate.cab1, change=change, vote="reject")


def test_requester_never_approves_own_change(estate, saturday):
    change = services.change_create(
        actor=estate.manager,
        title="Mine",
        services=[estate.core],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    services.change_submit(actor=estate.manager, change=change)
    change = services.change_assess(actor=estate.manager, change=change)
    with pytest.raises(PermissionDenied, match="Segregation of duties"):
        services.change_vote(actor=estate.manager, change=change, vote="approve")
    assert not ChangeApproval.objects.exists()


def test_non_member_cannot_vote(estate, saturday):
    change = awaiting(estate, saturday)
    with pytest.raises(PermissionDenied):
        services.change_vote(actor=estate.dev, change=change, vote="approve")  # not a CAB member


def test_no_double_vote(estate, saturday):
    change = awaiting(estate, saturday)
    services.change_vote(actor=estate.cab1, change=change, vote="approve")
    with pytest.raises(ValidationError):
        services.change_vote(actor=estate.cab1, change=change, vote="approve")


def test_auditor_cannot_raise_or_vote(estate, saturday):
    with pytest.raises(PermissionDenied):
        services.change_create(actor=estate.auditor, title="x", services=[estate.core])
    change = awaiting(estate, saturday)
    with pytest.raises(PermissionDenied):
        services.change_vote(actor=estate.auditor, change=change, vote="approve")


def test_only_change_managers_assess(estate, saturday):
    change = normal(estate, saturday)
    services.change_submit(actor=estate.owner, change=change)
    with pytest.raises(PermissionDenied):
        services.change_assess(actor=estate.owner, change=change)


def test_other_team_cannot_submit(estate, saturday):
    change = normal(estate, saturday)
    with pytest.raises(PermissionDenied):
        services.change_submit(actor=estate.dev, change=change)


def test_normal_change_needs_a_slot(estate):
    change = services.change_create(actor=estate.owner, title="x", services=[estate.core], **PLANS)
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=estate.owner, change=change)
    assert "planned_start" in exc.value.message_dict


def test_missing_backout_plan_is_rejected_by_policy(estate, saturday):
    change = awaiting(estate, saturday, backout_plan="")
    assert change.status == S.REJECTED
    assert "backout_plan" in change.decision["missing_evidence"]


def test_standard_change_is_pre_approved(estate, template):
    change = services.change_create_from_template(
        actor=estate.dev,
        template=template,
        title="Config",
        services=[estate.app],
        evidence={"tests_passed": True, "security_scan": "pass"},
    )
    change = services.change_submit(actor=estate.dev, change=change)
    assert change.status == S.APPROVED
    change = services.change_start(actor=estate.dev, change=change)
    change = services.change_complete(actor=estate.dev, change=change, result=S.COMPLETED)
    assert services.change_close(actor=estate.dev, change=change).status == S.CLOSED


def test_mode2_normal_change_gets_a_peer_review(estate, saturday):
    change = services.change_create(
        actor=estate.dev,
        title="Feature",
        services=[estate.app],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    services.change_submit(actor=estate.dev, change=change)
    change = services.change_assess(actor=estate.manager, change=change)
    assert change.status == S.AWAITING_APPROVAL and change.approver_role == "product_team_member"
    change = services.change_vote(actor=estate.dev2, change=change, vote="approve")
    assert change.status == S.APPROVED


def test_emergency_change_with_retrospective_approval(estate):
    change = services.change_create(
        actor=estate.owner, title="Hotfix", services=[estate.core], change_type="emergency", **PLANS
    )
    change = services.change_submit(actor=estate.owner, change=change)
    change = services.change_start(actor=estate.owner, change=change)
    assert change.status == S.IMPLEMENTING
    change = services.change_complete(actor=estate.owner, change=change, result=S.COMPLETED)
    with pytest.raises(ValidationError):
        services.change_review(actor=estate.manager, change=change, notes="x")
    change = services.change_vote(actor=estate.manager, change=change, vote="approve", comment="justified")
    assert change.retrospective_approval
    assert services.change_review(actor=estate.manager, change=change, notes="ok").status == S.REVIEWED


def test_normal_change_cannot_skip_approval(estate, saturday):
    change = normal(estate, saturday)
    services.change_submit(actor=estate.owner, change=change)
    with pytest.raises(ValidationError):
        services.change_start(actor=estate.owner, change=change)


# --- windows, freezes, conflicts ------------------------------------------------------------------


def approved(estate, saturday, **fields):
    change = awaiting(estate, saturday, **fields)
    services.change_vote(actor=estate.cab1, change=change, vote="approve")
    return services.change_vote(actor=estate.cab2, change=change, vote="approve")


def test_schedule_outside_window_is_refused(estate, saturday):
    change = approved(estate, saturday)
    with pytest.raises(ValidationError, match="window"):
        services.change_schedule(actor=estate.owner, change=change)
    change.refresh_from_db()
    assert change.status == S.APPROVED


def test_schedule_in_freeze_is_refused(estate, saturday, window):
    change = approved(estate, saturday)
    services.window_create(
        actor=estate.admin,
        name="Freeze",
        kind="freeze",
        start=saturday[0],
        end=saturday[1],
        services=[estate.core],
    )
    with pytest.raises(ValidationError, match="freeze"):
        services.change_schedule(actor=estate.owner, change=change)


def test_freeze_policy_rejects_at_assessment(estate, saturday):
    services.window_create(
        actor=estate.admin,
        name="Year end",
        kind="freeze",
        start=saturday[0] - timedelta(days=1),
        end=saturday[1] + timedelta(days=1),
    )
    change = awaiting(estate, saturday)
    assert change.status == S.REJECTED
    assert any(r["key"] == "freeze-deny" for r in change.decision["fired"])


def test_freeze_scoped_to_another_mode_does_not_apply(estate, saturday):
    from bimodal.portfolio.tests.factories import mode

    services.window_create(
        actor=estate.admin,
        name="M2 freeze",
        kind="freeze",
        start=saturday[0],
        end=saturday[1],
        modes=[mode("mode-2")],
    )
    assert not selectors.in_freeze([estate.core], *saturday)
    assert selectors.in_freeze([estate.app], *saturday)


def test_conflicts_same_and_dependent_service(estate, saturday):
    first = awaiting(estate, saturday)
    second = services.change_create(
        actor=estate.dev,
        title="App release",
        services=[estate.app],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    services.change_submit(actor=estate.dev, change=second)
    third = services.change_create(
        actor=estate.dev,
        title="Bot",
        services=[estate.other],
        planned_start=saturday[0],
        planned_end=saturday[1],
        **PLANS,
    )
    services.change_submit(actor=estate.dev, change=third)
    messages = [c.message for c in selectors.conflicts_for(first)]
    assert any(second.reference in m and "dependent" in m for m in messages)
    assert not any(third.reference in m for m in messages)
    later = services.change_create(
        actor=estate.owner,
        title="Later",
        services=[estate.core],
        planned_start=saturday[1],
        planned_end=saturday[1] + timedelta(hours=1),
        **PLANS,
    )
    assert selectors.conflicts_for(later) == []


def test_failure_rate_feeds_the_risk(estate, template):
    for result in (S.COMPLETED, S.FAILED):
        c = services.change_create_from_template(
            actor=estate.dev,
            template=template,
            title="d",
            services=[estate.other],
            evidence={"tests_passed": True, "security_scan": "pass"},
        )
        services.change_submit(actor=estate.dev, change=c)
        services.change_start(actor=estate.dev, change=c)
        services.change_complete(actor=estate.dev, change=c, result=result)
    assert selectors.failure_rate([estate.other]) == 0.5


def test_bad_dates_write_nothing(estate):
    with pytest.raises(ValidationError):
        services.change_create(
            actor=estate.owner,
            title="x",
            services=[estate.core],
            planned_start=estate.core.created_at,
            planned_end=estate.core.created_at - timedelta(hours=1),
        )
    assert not Change.objects.exists()


def test_change_fields_are_named_once():
    from bimodal.changes.api.serializers import ChangeWriteSerializer
    from bimodal.changes.forms import ChangeForm
    from bimodal.core.tests.fieldspec import spec_mismatches

    assert not spec_mismatches(
        services.CHANGE_FIELDS,
        services={services.change_create: ("version",), services.change_update: ("change",)},
        serializer=ChangeWriteSerializer,
        form=ChangeForm,
        form_omits=("risk_answers",),  # the page asks each risk question as its own yes/no field
    )


def test_an_edit_changes_only_the_given_fields(estate):
    change = services.change_create(
        actor=estate.owner, title="Patch", services=[estate.core], description="Kernel", **PLANS
    )
    services.change_update(actor=estate.owner, change=change, title="Patch the kernel", planned_start=None)
    change.refresh_from_db()
    assert (change.title, change.description, change.backout_plan) == (
        "Patch the kernel",
        "Kernel",
        "undo it",
    )
    assert list(change.services.all()) == [estate.core]
    with pytest.raises(TypeError):
        services.change_update(actor=estate.owner, change=change, colour="red")


def test_window_fields_are_named_once():
    from bimodal.changes.api.serializers import ChangeWindowSerializer
    from bimodal.changes.forms import WindowForm
    from bimodal.core.tests.fieldspec import spec_mismatches

    assert not spec_mismatches(
        services.WINDOW_FIELDS,
        services={services.window_create: (), services.window_update: ("window",)},
        form=WindowForm,
    )
    assert list(ChangeWindowSerializer.Meta.fields) == ["id", *services.WINDOW_FIELDS]


def test_a_window_edit_keeps_its_scope_unless_given(estate, saturday):
    start, end = saturday
    window = services.window_create(
        actor=estate.admin, name="Sat", start=start, end=end, services=[estate.core], description="Ops"
    )
    assert window.kind == "window"
    services.window_update(actor=estate.admin, window=window, name="Saturday night")
    window.refresh_from_db()
    assert (window.name, window.description, list(window.services.all())) == (
        "Saturday night",
        "Ops",
        [estate.core],
    )
    services.window_update(actor=estate.admin, window=window, services=[])
    assert list(window.services.all()) == []

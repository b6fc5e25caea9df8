"""Change records: create, edit, submit, assess against the policies, CAB votes, schedule, start, complete,
review, close, cancel (windows, freezes and rescheduling are in `slots`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.changes import selectors
from bimodal.changes.choices import (
    ChangeType,
    Environment,
    Vote,
    can_transition,
)
from bimodal.changes.models import (
    Change,
    ChangeApproval,
    Release,
)
from bimodal.changes.services import checks
from bimodal.changes.services.base import (
    S,
    _approval_fields,
    _eligible,
    _evidence,
    _lock,
    _move,
    _next_reference,
    _require_edit,
    _requirements_met,
    _services_of,
    assess,
    template_refusals,
)
from bimodal.changes.services.gate import (
    _resolve_gate,
)
from bimodal.changes.services.releases import resolve_release
from bimodal.core.models import Actor, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance import engine
from bimodal.governance.choices import DecisionOutcome
from bimodal.portfolio.models import Service

# --- change records -------------------------------------------------------------------------------


def _validate_services(actor: Actor, services: Iterable[Service] | None) -> list[Service]:
    """The chosen services, each one the actor may raise changes on (refused naming `services`)."""
    chosen = list(services or [])
    if not chosen:
        raise ValidationError({"services": "Name at least one affected service."})
    pks = [s.pk for s in chosen]
    visible = set(Service.objects.restrict(actor, "view").filter(pk__in=pks).values_list("pk", flat=True))
    if any(s.pk not in visible for s in chosen):
        raise ValidationError({"services": "You cannot raise changes for a service you cannot see."})
    raisable = set(selectors.raisable_services(actor).filter(pk__in=pks).values_list("pk", flat=True))
    refused = sorted(s.name for s in chosen if s.pk not in raisable)
    if refused:
        raise ValidationError(
            {
                "services": "You may raise changes only for services your team owns: not for "
                + ", ".join(refused)
                + "."
            }
        )
    return list(Service.objects.filter(pk__in=pks).select_related("mode").prefetch_related("regulatory_tags"))


@transactional
def change_create(
    *,
    actor: User,
    title: str,
    services: Iterable[Service],
    change_type: str = ChangeType.NORMAL,
    environment: str = Environment.PRODUCTION,
    description: str = "",
    implementation_plan: str = "",
    backout_plan: str = "",
    test_plan: str = "",
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    evidence: dict[str, Any] | None = None,
    risk_answers: dict[str, bool] | None = None,
    release: Release | None = None,
    version: str = "",
) -> Change:
    """Raise a change (draft) for one or more services; its risk is computed from the start. It joins
    `release`, or else the next open release of its mode's train (services.releases.resolve_release). A
    standard change is raised from a template instead (`change_create_from_template`)."""
    require_perm(actor, "changes.add_change")
    if change_type == ChangeType.STANDARD:
        raise ValidationError({"change_type": STANDARD_FROM_TEMPLATE})
    service_list = _validate_services(actor, services)
    release = resolve_release(service_list, release, planned_start)
    change = Change(
        reference=_next_reference(),
        title=title,
        change_type=change_type,
        requester=actor,
        environment=environment,
        description=description,
        implementation_plan=implementation_plan,
        backout_plan=backout_plan,
        test_plan=test_plan,
        planned_start=planned_start,
        planned_end=planned_end,
        evidence=dict(evidence or {}),
        risk_answers=dict(risk_answers or {}),
        release=release,
        version=version,
    )
    change.full_clean(exclude=["reference"])
    score, level, _, _ = assess(services=service_list, change_type=change_type, answers=change.risk_answers)
    change.risk_score, change.risk_level = score, level
    return create_audited(change, actor=actor, m2m={"services": service_list}, verb=AuditVerb.CHANGE_CREATE)


STANDARD_FROM_TEMPLATE: Final = (
    "A standard change is raised from an approved template of the standard-change catalogue "
    "(Changes → Standard changes)."
)


def _refuse_template_edits(change: Change, *, change_type: Any, **plans: Any) -> None:
    """A standard change's type and plans are its template's; nothing else becomes standard."""
    if change.template_id is not None:
        if change_type is not UNSET and change_type != ChangeType.STANDARD:
            raise ValidationError({"change_type": "A change raised from a template stays a standard change."})
        for name, value in plans.items():
            if value is not UNSET and value != getattr(change, name):
                raise ValidationError({name: "The plans of a standard change come from its template."})
    elif change_type == ChangeType.STANDARD:
        raise ValidationError({"change_type": STANDARD_FROM_TEMPLATE})


@transactional
def change_update(
    *,
    actor: User,
    change: Change,
    reason: str = "",
    services: Iterable[Service] | None = None,
    title: str | NotGiven = UNSET,
    change_type: str | NotGiven = UNSET,
    environment: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    implementation_plan: str | NotGiven = UNSET,
    backout_plan: str | NotGiven = UNSET,
    test_plan: str | NotGiven = UNSET,
    planned_start: datetime | NotGiven | None = UNSET,
    planned_end: datetime | NotGiven | None = UNSET,
    evidence: dict[str, Any] | NotGiven = UNSET,
    risk_answers: dict[str, bool] | NotGiven = UNSET,
    release: Release | NotGiven | None = UNSET,
) -> Change:
    """Edit a draft change (and recompute its risk); its services are kept when `services` is None. Its
    release is kept unless given (None: the next open release of its mode's train)."""
    _require_edit(actor, change)
    if change.status != S.DRAFT:
        raise ValidationError({"status": "Only a draft change can be edited."})
    _refuse_template_edits(
        change,
        change_type=change_type,
        implementation_plan=implementation_plan,
        backout_plan=backout_plan,
        test_plan=test_plan,
    )
    fields = given(
        title=title,
        change_type=change_type,
        environment=environment,
        description=description,
        implementation_plan=implementation_plan,
        backout_plan=backout_plan,
        test_plan=test_plan,
        planned_start=planned_start,
        planned_end=planned_end,
        evidence=evidence,
        risk_answers=risk_answers,
    )
    service_list = _validate_services(actor, services) if services is not None else _services_of(change)
    if release is not UNSET or services is not None:
        joined = change.release if release is UNSET else release
        start = fields.get("planned_start", change.planned_start)
        fields["release"] = resolve_release(service_list, joined, start, current=change.release_id)
    score, level, _, _ = assess(
        services=service_list,
        change_type=fields.get("change_type", change.change_type),
        answers=fields.get("risk_answers", change.risk_answers),
        template=change.template,
    )
    if change.template is not None and services is not None:
        outside = template_refusals(change.template, service_list, score).get("services")
        if outside:
            raise ValidationError({"services": outside})
    m2m: dict[str, Iterable[Any]] | None = {"services": service_list} if services is not None else None
    return update_audited(
        change,
        actor=actor,
        fields={**fields, "risk_score": score, "risk_level": level},
        m2m=m2m,
        reason=reason,
        verb=AuditVerb.CHANGE_UPDATE,
    )


@transactional
def change_submit(*, actor: User, change: Change) -> Change:
    """Submit a draft for assessment; a standard change is assessed (pre-approved) at once."""
    _require_edit(actor, change)
    if change.change_type == ChangeType.NORMAL and not (change.planned_start and change.planned_end):
        raise ValidationError(
            {"planned_start": "A normal change needs a planned start and end before submission."}
        )
    if change.change_type == ChangeType.STANDARD:
        refusals = template_refusals(change.template, _services_of(change), change.risk_score)
        if refusals:
            raise ValidationError(refusals)
    if change.change_type != ChangeType.STANDARD and not change.implementation_plan.strip():
        raise ValidationError({"implementation_plan": "Describe how the change will be implemented."})
    change = _move(change, S.SUBMITTED, actor=actor)
    if change.change_type == ChangeType.EMERGENCY:
        # It may be implemented before anyone assesses it: record now what its (retrospective) approval needs.
        decision = _decide(change)[2]
        change = update_audited(
            change, actor=actor, fields=_approval_fields(decision), verb=AuditVerb.CHANGE_DECIDE
        )
    if change.change_type == ChangeType.STANDARD:
        change = _assess(change, actor=actor, reason="standard change: assessed by policy on submission")
    return change


def _decide(change: Change) -> tuple[int, str, engine.Decision]:
    """Risk and policy decision of a change as it stands."""
    conflicts = selectors.conflicts_for(change)
    evidence = _evidence(
        change.evidence,
        backout_plan=change.backout_plan,
        test_plan=change.test_plan,
        plan=change.implementation_plan,
    )
    score, level, _, decision = assess(
        services=_services_of(change),
        change_type=change.change_type,
        template=change.template,
        answers=change.risk_answers,
        evidence=evidence,
        environment=change.environment,
        planned_start=change.planned_start,
        planned_end=change.planned_end,
        source=change.source,
        conflict_count=len(conflicts),
    )
    return score, level, decision


def _assess(change: Change, *, actor: Actor, reason: str = "") -> Change:
    score, level, decision = _decide(change)
    change = _move(
        change,
        S.ASSESSED,
        actor=actor,
        reason=reason,
        assessment={"risk_score": score, "risk_level": level, **_approval_fields(decision)},
    )
    why = "; ".join(decision.reasons)
    if decision.outcome == DecisionOutcome.DENY:
        return _move(change, S.REJECTED, actor=actor, reason=f"refused by policy: {why}")
    if decision.outcome == DecisionOutcome.NEEDS_APPROVAL:
        return _move(change, S.AWAITING_APPROVAL, actor=actor, reason=why)
    return _move(change, S.APPROVED, actor=actor, reason=f"allowed by policy: {why}")


@transactional
def change_assess(*, actor: User, change: Change) -> Change:
    """Assess a submitted change: risk, conflicts and the policy decision, then route it
    (awaiting approval, approved by policy or rejected by policy)."""
    require_perm(actor, "changes.manage_change")
    if change.status != S.SUBMITTED:
        raise ValidationError({"status": "Only a submitted change can be assessed."})
    return _assess(change, actor=actor)


@transactional
def change_vote(*, actor: User, change: Change, vote: str, comment: str = "") -> Change:
    """Record an approver's vote (with comment). A requester never approves their own change.

    Awaiting approval: a rejection rejects; once every requirement has its votes the change is approved.
    An emergency change implemented without approval takes its (retrospective) vote the same way."""
    # Lock first, then read and decide: two approvers voting at the same moment are counted one after
    # the other, so the change is approved exactly once.
    change = _lock(change)
    require_perm(actor, "changes.approve_change")
    if vote not in Vote.values:
        raise ValidationError({"vote": f"Vote “approve” or “reject”, not {vote!r}."})
    if actor.pk == change.requester_id:
        raise PermissionDenied("Segregation of duties: you cannot approve or reject a change you requested.")
    retrospective = change.change_type == ChangeType.EMERGENCY and change.status in {
        S.IMPLEMENTING,
        S.COMPLETED,
        S.FAILED,
        S.BACKED_OUT,
    }
    if change.status != S.AWAITING_APPROVAL and not (retrospective and not change.retrospective_approval):
        raise ValidationError({"status": "This change is not awaiting approval."})
    requirements = change.decision.get("approvals", [])
    if not any(_eligible(actor, r) for r in requirements):
        raise PermissionDenied("You are not one of the approvers this change needs.")
    if change.approvals.filter(approver=actor, round=change.approval_round).exists():
        raise ValidationError({"vote": "You have already voted on this change."})
    if vote == Vote.REJECT and not comment.strip():
        raise ValidationError({"comment": "Say why you reject the change."})
    create_audited(
        ChangeApproval(
            change=change,
            approver=actor,
            vote=vote,
            comment=comment,
            retrospective=retrospective,
            round=change.approval_round,
        ),
        actor=actor,
        reason=comment,
        verb=AuditVerb.CHANGE_VOTE,
    )
    if retrospective:
        if vote == Vote.APPROVE and _requirements_met(change):
            change = update_audited(
                change,
                actor=actor,
                fields={"retrospective_approval": True},
                reason=comment,
                verb=AuditVerb.CHANGE_APPROVE_RETROSPECTIVELY,
            )
        return change
    if vote == Vote.REJECT:
        change = _move(change, S.REJECTED, actor=actor, reason=comment)
        _resolve_gate(change, actor=actor)
    elif _requirements_met(change):
        change = _move(change, S.APPROVED, actor=actor, reason=comment)
        _resolve_gate(change, actor=actor)
    return change


@transactional
def change_schedule(
    *, actor: User, change: Change, planned_start: datetime | None = None, planned_end: datetime | None = None
) -> Change:
    """Put an approved change in the calendar: inside an open window when its policies require one,
    never inside a freeze (unless it is an emergency)."""
    _require_edit(actor, change)
    start, end = planned_start or change.planned_start, planned_end or change.planned_end
    if not (start and end):
        raise ValidationError({"planned_start": "Give the planned start and end."})
    if end <= start:
        raise ValidationError({"planned_end": "The planned end must be after the planned start."})
    services = _services_of(change)
    if change.change_type != ChangeType.EMERGENCY and selectors.in_freeze(services, start, end):
        raise ValidationError({"planned_start": "The slot falls inside a change freeze."})
    if change.window_required and not selectors.in_open_window(services, start, end):
        raise ValidationError({"planned_start": "This change must be planned inside an open change window."})
    return _move(change, S.SCHEDULED, actor=actor, planned_start=start, planned_end=end)


@transactional
def change_start(*, actor: User, change: Change, reason: str = "") -> Change:
    """Begin implementing (scheduled; approved standard change; emergency before approval).

    The checks of the moment apply (changes.services.checks): inside its slot, inside a window when one
    is required, outside any freeze, the policies evaluated now and their approvals still met; a refusal
    is a ValidationError naming the field and the reason, and writes nothing."""
    change = _lock(change)
    _require_edit(actor, change)
    if not can_transition(change.status, S.IMPLEMENTING, change.change_type):
        raise ValidationError(
            {
                "status": f"A {change.get_change_type_display().lower()} change cannot start from "
                f"“{S(change.status).label}”."
            }
        )
    problems = checks.start_problems(
        change,
        _services_of(change),
        now=timezone.now(),
        evidence=_evidence(
            change.evidence,
            backout_plan=change.backout_plan,
            test_plan=change.test_plan,
            plan=change.implementation_plan,
        ),
        environment=change.environment,
        source=change.source,
    )
    if problems:
        raise ValidationError(problems)
    return _move(change, S.IMPLEMENTING, actor=actor, reason=reason)


@transactional
def change_complete(*, actor: User, change: Change, result: str, reason: str = "") -> Change:
    """Record how the implementation ended: completed, failed or backed out."""
    _require_edit(actor, change)
    if result not in {S.COMPLETED, S.FAILED, S.BACKED_OUT}:
        raise ValidationError({"result": "Give completed, failed or backed_out."})
    return _move(change, result, actor=actor, reason=reason, result=result)


@transactional
def change_review(*, actor: User, change: Change, notes: str) -> Change:
    """The post-implementation review; an emergency change needs its retrospective approval first."""
    require_perm(actor, "changes.manage_change")
    if not (notes or "").strip():
        raise ValidationError({"review_notes": "Write the review's findings."})
    if change.change_type == ChangeType.EMERGENCY and not change.retrospective_approval:
        raise ValidationError({"status": "An emergency change is reviewed after its retrospective approval."})
    return _move(change, S.REVIEWED, actor=actor, review_notes=notes)


@transactional
def change_close(*, actor: User, change: Change, reason: str = "") -> Change:
    """Close a reviewed or rejected change (or a completed standard change)."""
    if not (change.change_type == ChangeType.STANDARD and change.status == S.COMPLETED):
        require_perm(actor, "changes.manage_change")
    else:
        _require_edit(actor, change)
    return _move(change, S.CLOSED, actor=actor, reason=reason)


@transactional
def change_cancel(*, actor: User, change: Change, reason: str = "") -> Change:
    """Withdraw a change that has not started (decided on the locked row: a start racing it wins or
    loses cleanly)."""
    change = _lock(change)
    _require_edit(actor, change)
    return _move(change, S.CANCELLED, actor=actor, reason=reason)

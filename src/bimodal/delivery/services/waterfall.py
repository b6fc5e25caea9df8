"""Waterfall delivery: phases, milestones and stage gates decided by the portfolio board."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import Actor, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.delivery import selectors
from bimodal.delivery.choices import (
    GATE_TRANSITIONS,
    GateStatus,
    PhaseStatus,
)
from bimodal.delivery.models import (
    GateCriterion,
    Initiative,
    Milestone,
    Phase,
    StageGate,
)
from bimodal.delivery.services.base import (
    APPROVE_STAGE_GATE,
    _check,
)
from bimodal.delivery.services.initiatives import (
    refresh_forecast,
)
from bimodal.governance import services as governance_services

# --- waterfall ------------------------------------------------------------------------------------


@transactional
def phase_update(
    *,
    actor: User,
    phase: Phase,
    reason: str = "",
    forecast_start: date | NotGiven | None = UNSET,
    forecast_end: date | NotGiven | None = UNSET,
) -> Phase:
    """Re-forecast a phase (forecast start/end); the initiative's forecast follows."""
    require_object(actor, "change", phase)
    fields = given(forecast_start=forecast_start, forecast_end=forecast_end)
    phase = update_audited(phase, actor=actor, fields=fields, reason=reason, verb=AuditVerb.PHASE_UPDATE)
    refresh_forecast(phase.initiative, actor=actor)
    return phase


@transactional
def criterion_add(*, actor: User, gate: StageGate, name: str, description: str = "") -> GateCriterion:
    """Add a named criterion to a gate that has not passed."""
    require_perm(actor, "delivery.add_gatecriterion")
    require_object(actor, "change", gate)
    gate = StageGate.objects.select_for_update(no_key=True).get(pk=gate.pk)
    if gate.status in {GateStatus.PASSED, GateStatus.AWAITING_APPROVAL}:
        raise ValidationError(
            {"name": "The gate is awaiting approval or has passed: its criteria are frozen."}
        )
    return create_audited(
        GateCriterion(gate=gate, name=name, description=description),
        actor=actor,
        verb=AuditVerb.CRITERION_ADD,
    )


@transactional
def criterion_set(*, actor: User, criterion: GateCriterion, met: bool, evidence: str = "") -> GateCriterion:
    """Mark a criterion met (with its evidence) or not met."""
    require_object(actor, "change", criterion)
    gate = StageGate.objects.select_for_update(no_key=True).get(pk=criterion.gate_id)  # the gate as it is now
    if gate.status in {GateStatus.PASSED, GateStatus.AWAITING_APPROVAL}:
        raise ValidationError(
            {"met": "The gate is awaiting approval or has passed: its criteria are frozen."}
        )
    if met and not evidence.strip() and not criterion.evidence:
        raise ValidationError({"evidence": "Say what shows the criterion is met."})
    fields = {"met": met, "evidence": evidence or criterion.evidence}
    fields |= {"met_by": actor, "met_at": timezone.now()} if met else {"met_by": None, "met_at": None}
    return update_audited(
        criterion, actor=actor, fields=fields, verb=AuditVerb("criterion_met" if met else "criterion_unmet")
    )


def unmet_criteria(gate: StageGate) -> list[str]:
    """Names of the gate's criteria that are not met (all of them must be)."""
    return [c.name for c in gate.criteria.all() if not c.met]


def _require_gate_ready(gate: StageGate) -> None:
    if not gate.criteria.exists():
        raise ValidationError({"criteria": "A gate needs at least one named criterion."})
    unmet = unmet_criteria(gate)
    if unmet:
        raise ValidationError({"criteria": "Criteria not met: " + "; ".join(unmet) + "."})
    if gate.phase.status != PhaseStatus.IN_PROGRESS:
        raise ValidationError({"status": "Only the gate of the phase in progress can be passed."})


@transactional
def gate_submit(*, actor: User, gate: StageGate) -> StageGate:
    """Ask for the gate's approval once all its criteria are met: opens an “approve_stage_gate” decision
    request routed by the decision rights of the initiative's org unit and mode."""
    require_object(actor, "change", gate)
    gate = (
        StageGate.objects.select_for_update(no_key=True).select_related("phase__initiative").get(pk=gate.pk)
    )
    _check(GATE_TRANSITIONS, gate.status, GateStatus.AWAITING_APPROVAL, "A gate", GateStatus)
    _require_gate_ready(gate)
    initiative = gate.phase.initiative
    gate = update_audited(
        gate,
        actor=actor,
        fields={"status": GateStatus.AWAITING_APPROVAL, "requested_at": timezone.now()},
        verb=AuditVerb.GATE_SUBMIT,
        action=AuditAction.TRANSITION,
    )
    budget = initiative.budgets.aggregate(s=Sum("amount"))["s"]
    governance_services.decision_request_open(
        actor=actor,
        decision_type=APPROVE_STAGE_GATE,
        subject=gate,
        title=f"{initiative.reference} {initiative.name}: {gate.name}",
        org_unit=initiative.org_unit,
        mode=initiative.mode,
        amount=budget,
        description="Criteria met: " + "; ".join(f"{c.name} ({c.evidence})" for c in gate.criteria.all()),
    )
    return gate


def _gate_approved(gate: StageGate) -> bool:
    """Whether governance recorded an approval of this gate's latest request."""

    request = selectors.latest_decision_for(gate, APPROVE_STAGE_GATE)
    return request is not None and request.status == "approved"


def _gate_pass(gate: StageGate, *, actor: Actor, note: str = "") -> StageGate:
    """Pass a gate: criteria met and approved; its phase completes and the next one starts."""
    gate = (
        StageGate.objects.select_for_update(no_key=True).select_related("phase__initiative").get(pk=gate.pk)
    )
    _require_gate_ready(gate)
    if gate.status == GateStatus.OPEN or not _gate_approved(gate):
        raise ValidationError({"status": "The gate has not been approved yet: ask for approval first."})
    _check(GATE_TRANSITIONS, gate.status, GateStatus.PASSED, "A gate", GateStatus)
    today = timezone.localdate()
    gate = update_audited(
        gate,
        actor=actor,
        fields={
            "status": GateStatus.PASSED,
            "decided_at": timezone.now(),
            "decided_by": actor,
            "decision_note": note,
        },
        reason=note,
        verb=AuditVerb.GATE_PASS,
        action=AuditAction.TRANSITION,
    )
    phase = gate.phase
    update_audited(
        phase,
        actor=actor,
        fields={"status": PhaseStatus.COMPLETE, "actual_end": today},
        verb=AuditVerb.PHASE_COMPLETE,
        action=AuditAction.TRANSITION,
    )
    following = phase.initiative.phases.filter(order__gt=phase.order).order_by("order").first()
    if following is not None:
        update_audited(
            following,
            actor=actor,
            fields={"status": PhaseStatus.IN_PROGRESS},
            verb=AuditVerb.PHASE_START,
            action=AuditAction.TRANSITION,
        )
    refresh_forecast(phase.initiative, actor=actor)
    return gate


@transactional
def gate_pass(*, actor: User, gate: StageGate, note: str = "") -> StageGate:
    """Pass a gate whose criteria are met and whose approval governance has recorded."""
    require_object(actor, "change", gate)
    return _gate_pass(gate, actor=actor, note=note)


def gate_decided(*, actor: Actor, gate: StageGate, approved: bool, note: str = "") -> StageGate:
    """Governance's decision on a gate: approval passes it, rejection sends it back (criteria reopen)."""
    if approved:
        return _gate_pass(gate, actor=actor, note=note)
    gate = StageGate.objects.select_for_update(no_key=True).get(pk=gate.pk)
    _check(GATE_TRANSITIONS, gate.status, GateStatus.REJECTED, "A gate", GateStatus)
    return update_audited(
        gate,
        actor=actor,
        fields={
            "status": GateStatus.REJECTED,
            "decided_at": timezone.now(),
            "decided_by": actor,
            "decision_note": note,
        },
        reason=note,
        verb=AuditVerb.GATE_REJECT,
        action=AuditAction.TRANSITION,
    )


@transactional
def milestone_create(
    *,
    actor: User,
    initiative: Initiative,
    name: str,
    baseline_date: date,
    forecast_date: date | None = None,
    actual_date: date | None = None,
    phase: Phase | None = None,
) -> Milestone:
    """Add a milestone (forecast = baseline unless given; reached on `actual_date` when given)."""
    require_perm(actor, "delivery.add_milestone")
    require_object(actor, "change", initiative)
    if phase is not None and phase.initiative_id != initiative.pk:
        raise ValidationError({"phase": "The phase belongs to another initiative."})
    milestone = create_audited(
        Milestone(
            initiative=initiative,
            phase=phase,
            name=name,
            baseline_date=baseline_date,
            forecast_date=forecast_date or baseline_date,
            actual_date=actual_date,
        ),
        actor=actor,
        verb=AuditVerb.MILESTONE_CREATE,
    )
    refresh_forecast(initiative, actor=actor)
    return milestone


@transactional
def milestone_update(
    *,
    actor: User,
    milestone: Milestone,
    reason: str = "",
    name: str | NotGiven = UNSET,
    forecast_date: date | NotGiven = UNSET,
    actual_date: date | NotGiven | None = UNSET,
) -> Milestone:
    """Re-forecast a milestone or record when it was reached."""
    require_object(actor, "change", milestone)
    fields = given(name=name, forecast_date=forecast_date, actual_date=actual_date)
    milestone = update_audited(
        milestone, actor=actor, fields=fields, reason=reason, verb=AuditVerb.MILESTONE_UPDATE
    )
    refresh_forecast(milestone.initiative, actor=actor)
    return milestone

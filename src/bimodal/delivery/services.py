"""Writes of the delivery app: demand and its scoring, initiatives (waterfall and agile), budgets, actuals,
capacity and reallocation.

Every function checks permissions, validates, writes and audits in one transaction. Decisions of the
portfolio board (approve a demand, pass a stage gate) are taken in the governance app: delivery opens a
decision request there, and governance calls back the handlers registered in `handlers.py`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.services import (
    create_audited,
    delete_audited,
    put_audited,
    require_object,
    require_perm,
    update_audited,
)
from bimodal.delivery import health, scoring
from bimodal.delivery.choices import (
    DEMAND_TRANSITIONS,
    GATE_TRANSITIONS,
    INITIATIVE_TRANSITIONS,
    PHASE_ORDER,
    SPRINT_TRANSITIONS,
    Approach,
    DemandStatus,
    GateStatus,
    InitiativeStatus,
    InvestmentClass,
    PhaseKind,
    PhaseStatus,
    SprintStatus,
    StoryStatus,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Demand,
    Epic,
    GateCriterion,
    Initiative,
    InitiativeDependency,
    InitiativeRisk,
    Milestone,
    Phase,
    ScoringModel,
    Sprint,
    StageGate,
    Story,
    StoryTransition,
    TeamCapacity,
)
from bimodal.portfolio.choices import KpiSet
from bimodal.portfolio.models import Mode

APPROVE_DEMAND = "approve_demand"
APPROVE_STAGE_GATE = "approve_stage_gate"
DEFAULT_WIP_LIMITS = {"in_progress": 3, "review": 2}
DEFAULT_DURATION_DAYS = 182
# The criteria each gate starts with; the initiative's owner adds or renames them.
DEFAULT_GATE_CRITERIA: dict[str, list[str]] = {
    PhaseKind.INITIATION: ["Business case signed off", "Sponsor named", "Budget confirmed"],
    PhaseKind.REQUIREMENTS: ["Requirements baselined", "Acceptance criteria agreed"],
    PhaseKind.DESIGN: ["Solution design approved by the architecture board", "Security review done"],
    PhaseKind.BUILD: ["Code complete", "Unit tests pass"],
    PhaseKind.TEST: ["System and integration tests passed", "User acceptance signed off"],
    PhaseKind.DEPLOY: ["Change approved by the CAB", "Operational handover to support"],
}
DEMAND_FIELDS = frozenset(Demand.EDITABLE)
SCORED_FIELDS = {"value", "urgency", "risk", "strategic_fit", "cost_estimate"}


def _governance():
    """The governance services (imported late: governance and delivery import each other's models)."""
    from bimodal.governance import services as governance_services

    return governance_services


def _next_reference(model, prefix: str, width: int) -> str:
    last = model.objects.aggregate(n=Max("pk"))["n"] or 0
    n = last + 1
    while model.objects.filter(reference=f"{prefix}-{n:0{width}d}").exists():
        n += 1
    return f"{prefix}-{n:0{width}d}"


def _check(transitions: dict, source: str, target: str, label: str, choices) -> None:
    if target not in transitions.get(source, frozenset()):
        raise ValidationError(
            {"status": f"{label} cannot go from “{choices(source).label}” to “{choices(target).label}”."}
        )


# --- scoring --------------------------------------------------------------------------------------


def scoring_model_current() -> ScoringModel:
    """The scoring model in force: the highest version (version 1 is seeded by a migration)."""
    model = ScoringModel.objects.order_by("-version").first()
    if model is None:
        model = ScoringModel.objects.create(version=1, note="Default weights")
    return model


@transaction.atomic
def scoring_model_update(*, actor: User, note: str = "", rescore: bool = True, **weights) -> ScoringModel:
    """Save new weights as the next version (older versions are kept) and rescore open demand with them."""
    require_perm(actor, "delivery.add_scoringmodel")
    current = scoring_model_current()
    allowed = {"weight_value", "weight_urgency", "weight_fit", "weight_risk", "weight_cost", "cost_ceiling"}
    unknown = set(weights) - allowed
    if unknown:
        raise ValidationError({"weights": f"Unknown fields: {', '.join(sorted(unknown))}."})
    values = {name: getattr(current, name) for name in allowed} | weights
    model = create_audited(
        ScoringModel(version=current.version + 1, note=note, created_by=actor, **values),
        actor=actor,
        reason=note,
        verb="scoring_model_update",
    )
    if rescore:
        for demand in Demand.objects.filter(status__in=[DemandStatus.DRAFT, DemandStatus.SUBMITTED]):
            _score(demand, actor=actor, model=model, reason=f"Rescored with scoring model v{model.version}")
    return model


def score_for(demand: Demand, model: ScoringModel) -> Decimal:
    """The score `model` gives `demand` (pure)."""
    return scoring.score(
        weights=model.weights,
        value=demand.value,
        urgency=demand.urgency,
        fit=demand.strategic_fit,
        risk=demand.risk,
        cost=demand.cost_estimate,
        cost_ceiling=model.cost_ceiling,
    )


def _score(demand: Demand, *, actor, model: ScoringModel | None = None, reason: str = "") -> Demand:
    model = model or scoring_model_current()
    return update_audited(
        demand,
        actor=actor,
        fields={"score": score_for(demand, model), "scoring_model": model, "scored_at": timezone.now()},
        reason=reason,
        verb="demand_score",
    )


# --- demand ---------------------------------------------------------------------------------------


def _require_demand_edit(actor, demand: Demand) -> None:
    require_perm(actor, "delivery.change_demand")
    require_object(actor, "change", demand)


@transaction.atomic
def demand_create(*, actor: User, title: str, org_unit: OrgUnit, mode: Mode, **fields) -> Demand:
    """Raise a demand (a draft), scored at once with the current model."""
    require_perm(actor, "delivery.add_demand")
    unknown = set(fields) - DEMAND_FIELDS
    if unknown:
        raise ValidationError({"title": f"Unknown fields: {', '.join(sorted(unknown))}."})
    demand = Demand(
        reference=_next_reference(Demand, "DEM", 4),
        title=title,
        org_unit=org_unit,
        mode=mode,
        requester=actor,
        **fields,
    )
    create_audited(demand, actor=actor, verb="demand_create")
    return _score(demand, actor=actor)


@transaction.atomic
def demand_update(*, actor: User, demand: Demand, reason: str = "", **fields) -> Demand:
    """Edit a draft (or rejected) demand; a change to a scored factor rescores it."""
    _require_demand_edit(actor, demand)
    if demand.status not in {DemandStatus.DRAFT, DemandStatus.REJECTED}:
        raise ValidationError({"status": "Only a draft or rejected demand can be edited."})
    unknown = set(fields) - DEMAND_FIELDS
    if unknown:
        raise ValidationError({"title": f"Unknown fields: {', '.join(sorted(unknown))}."})
    demand = update_audited(demand, actor=actor, fields=fields, reason=reason, verb="demand_update")
    if SCORED_FIELDS & set(fields) or demand.score is None:
        demand = _score(demand, actor=actor)
    return demand


@transaction.atomic
def demand_score(*, actor: User, demand: Demand) -> Demand:
    """Score (or rescore) a demand with the current scoring model."""
    require_perm(actor, "delivery.view_demand")
    require_object(actor, "view", demand)
    if not (actor.has_perm("delivery.manage_demand") or demand.requester_id == actor.pk):
        raise PermissionDenied("Only the requester or a portfolio manager rescores a demand.")
    if demand.status not in {DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.REJECTED}:
        raise ValidationError({"status": "A decided demand keeps the score it was decided on."})
    return _score(demand, actor=actor)


@transaction.atomic
def demand_submit(*, actor: User, demand: Demand) -> Demand:
    """Send a draft to the portfolio board: opens an “approve_demand” decision request, routed by the
    decision rights of the demand's org unit and mode."""
    _require_demand_edit(actor, demand)
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    target = DemandStatus.SUBMITTED
    if demand.status == DemandStatus.REJECTED:
        _check(DEMAND_TRANSITIONS, demand.status, DemandStatus.DRAFT, "A demand", DemandStatus)
    else:
        _check(DEMAND_TRANSITIONS, demand.status, target, "A demand", DemandStatus)
    if not demand.title or demand.cost_estimate is None:
        raise ValidationError({"cost_estimate": "A demand needs a cost estimate before the board sees it."})
    demand = _score(demand, actor=actor, reason="Scored on submission")
    demand = update_audited(
        demand,
        actor=actor,
        fields={"status": target, "submitted_at": timezone.now(), "decided_at": None, "decision_note": ""},
        verb="demand_submit",
        action=AuditAction.TRANSITION,
    )
    _governance().decision_request_open(
        actor=actor,
        decision_type=APPROVE_DEMAND,
        subject=demand,
        title=f"Approve {demand.reference}: {demand.title}",
        org_unit=demand.org_unit,
        mode=demand.mode,
        amount=demand.cost_estimate,
        description=(
            f"Score {demand.score} · {demand.get_investment_class_display()} · "
            f"cost {demand.cost_estimate} · {demand.fte_estimate} FTE\n\n{demand.description}"
        ).strip(),
    )
    return demand


@transaction.atomic
def demand_withdraw(*, actor: User, demand: Demand, reason: str = "") -> Demand:
    """Withdraw a demand that is not decided yet (its open decision request is withdrawn too)."""
    _require_demand_edit(actor, demand)
    _check(DEMAND_TRANSITIONS, demand.status, DemandStatus.WITHDRAWN, "A demand", DemandStatus)
    withdraw = getattr(_governance(), "decision_request_withdraw", None)
    if demand.status == DemandStatus.SUBMITTED and withdraw is not None:
        from bimodal.delivery import selectors

        request = selectors.open_decision_for(demand)
        if request is not None:
            withdraw(actor=actor, request=request, reason=reason)
    return update_audited(
        demand,
        actor=actor,
        fields={"status": DemandStatus.WITHDRAWN},
        reason=reason,
        verb="demand_withdraw",
        action=AuditAction.TRANSITION,
    )


def approach_for(mode: Mode, requested: str = "") -> str:
    """The delivery approach: as requested, else waterfall for a stability mode and agile otherwise."""
    if requested:
        return requested
    return Approach.WATERFALL if mode.kpi_set == KpiSet.STABILITY else Approach.AGILE


def demand_decided(*, actor, demand: Demand, approved: bool, note: str = "") -> Demand:
    """Record the board's decision on a submitted demand; approval turns it into an initiative with its
    budget (and its people, when the demand names a team and FTE). Called by the governance handler,
    which has checked the decision right, so no delivery permission is asked of the decider."""
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    target = DemandStatus.APPROVED if approved else DemandStatus.REJECTED
    _check(DEMAND_TRANSITIONS, demand.status, target, "A demand", DemandStatus)
    demand = update_audited(
        demand,
        actor=actor,
        fields={"status": target, "decided_at": timezone.now(), "decision_note": note},
        reason=note,
        verb=f"demand_{target}",
        action=AuditAction.TRANSITION,
    )
    if approved:
        _initiative_from_demand(demand, actor=actor)
    return demand


def _initiative_from_demand(demand: Demand, *, actor) -> Initiative:
    team = demand.team or (demand.service.owner_team if demand.service_id else None)
    owner = (team.lead if team and team.lead_id else None) or (
        demand.service.service_owner if demand.service_id and demand.service.service_owner_id else None
    )
    start = demand.desired_start or timezone.localdate()
    end = demand.desired_end or start + timedelta(days=DEFAULT_DURATION_DAYS)
    initiative = _initiative_build(
        actor=actor,
        name=demand.title,
        description=demand.description,
        approach=approach_for(demand.mode, demand.approach),
        mode=demand.mode,
        org_unit=demand.org_unit,
        owner=owner or demand.requester,
        team=team,
        services=[demand.service] if demand.service_id else [],
        investment_class=demand.investment_class,
        baseline_start=start,
        baseline_end=end,
        demand=demand,
    )
    if demand.cost_estimate:
        _budget_put(
            actor=actor,
            fiscal_year=start.year,
            mode=initiative.mode,
            investment_class=initiative.investment_class,
            initiative=initiative,
            amount=demand.cost_estimate,
            note=f"From {demand.reference}",
        )
    if team and demand.fte_estimate:
        _allocation_put(
            actor=actor,
            team=team,
            fiscal_year=start.year,
            mode=initiative.mode,
            investment_class=initiative.investment_class,
            initiative=initiative,
            fte=demand.fte_estimate,
            note=f"From {demand.reference}",
        )
    return initiative


# --- initiatives ----------------------------------------------------------------------------------


def _split(start: date, end: date, parts: int) -> list[tuple[date, date]]:
    """`parts` consecutive date ranges covering start..end."""
    days = max((end - start).days, parts)
    bounds = [start + timedelta(days=round(days * i / parts)) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - timedelta(days=1) if i < parts - 1 else end) for i in range(parts)]


def _initiative_build(
    *,
    actor,
    name: str,
    approach: str,
    mode: Mode,
    org_unit: OrgUnit,
    owner: User,
    team: Team | None = None,
    services=(),
    investment_class: str = InvestmentClass.GROW,
    baseline_start: date | None = None,
    baseline_end: date | None = None,
    description: str = "",
    demand: Demand | None = None,
    **fields,
) -> Initiative:
    initiative = Initiative(
        reference=_next_reference(Initiative, "INI", 3),
        name=name,
        description=description,
        approach=approach,
        mode=mode,
        org_unit=org_unit,
        owner=owner,
        team=team,
        investment_class=investment_class,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        forecast_end=baseline_end,
        demand=demand,
        **({"wip_limits": dict(DEFAULT_WIP_LIMITS) if approach == Approach.AGILE else {}} | fields),
    )
    create_audited(initiative, actor=actor, m2m={"services": list(services)}, verb="initiative_create")
    if approach == Approach.WATERFALL:
        start = baseline_start or timezone.localdate()
        end = baseline_end or start + timedelta(days=DEFAULT_DURATION_DAYS)
        for order, (kind, (p_start, p_end)) in enumerate(
            zip(PHASE_ORDER, _split(start, end, len(PHASE_ORDER)), strict=True)
        ):
            phase = create_audited(
                Phase(
                    initiative=initiative,
                    kind=kind,
                    order=order,
                    status=PhaseStatus.IN_PROGRESS if order == 0 else PhaseStatus.NOT_STARTED,
                    baseline_start=p_start,
                    baseline_end=p_end,
                    forecast_start=p_start,
                    forecast_end=p_end,
                ),
                actor=actor,
                verb="phase_create",
            )
            gate = create_audited(
                StageGate(phase=phase, name=f"{PhaseKind(kind).label} gate"), actor=actor, verb="gate_create"
            )
            for criterion in DEFAULT_GATE_CRITERIA[kind]:
                create_audited(GateCriterion(gate=gate, name=criterion), actor=actor, verb="criterion_create")
    return initiative


@transaction.atomic
def initiative_create(
    *,
    actor: User,
    name: str,
    approach: str,
    mode: Mode,
    org_unit: OrgUnit,
    owner: User | None = None,
    **fields,
) -> Initiative:
    """Start an initiative directly (not through demand); a waterfall one gets its six phases and gates."""
    require_perm(actor, "delivery.add_initiative")
    return _initiative_build(
        actor=actor,
        name=name,
        approach=approach,
        mode=mode,
        org_unit=org_unit,
        owner=owner or actor,
        **fields,
    )


INITIATIVE_EDITABLE = {
    "name",
    "description",
    "team",
    "owner",
    "investment_class",
    "rag_override",
    "rag_note",
    "sprint_length_days",
    "wip_limits",
}


@transaction.atomic
def initiative_update(
    *, actor: User, initiative: Initiative, services=None, reason: str = "", **fields
) -> Initiative:
    """Change an initiative's attributes (not its dates: see initiative_rebaseline)."""
    require_object(actor, "change", initiative)
    unknown = set(fields) - INITIATIVE_EDITABLE
    if unknown:
        raise ValidationError({"name": f"These fields cannot be edited here: {', '.join(sorted(unknown))}."})
    m2m = {"services": list(services)} if services is not None else None
    return update_audited(
        initiative, actor=actor, fields=fields, m2m=m2m, reason=reason, verb="initiative_update"
    )


@transaction.atomic
def initiative_rebaseline(
    *, actor: User, initiative: Initiative, baseline_start: date, baseline_end: date, reason: str
) -> Initiative:
    """Move the baseline (a portfolio manager's decision, with a reason in the audit log)."""
    require_perm(actor, "delivery.manage_all_initiatives")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the baseline moves."})
    return update_audited(
        initiative,
        actor=actor,
        fields={"baseline_start": baseline_start, "baseline_end": baseline_end},
        reason=reason,
        verb="initiative_rebaseline",
    )


@transaction.atomic
def initiative_transition(
    *, actor: User, initiative: Initiative, status: str, reason: str = ""
) -> Initiative:
    """Put an initiative on hold, resume, complete or cancel it."""
    require_object(actor, "change", initiative)
    _check(INITIATIVE_TRANSITIONS, initiative.status, status, "An initiative", InitiativeStatus)
    return update_audited(
        initiative,
        actor=actor,
        fields={"status": status},
        reason=reason,
        verb=f"initiative_{status}",
        action=AuditAction.TRANSITION,
    )


def refresh_forecast(initiative: Initiative, *, actor) -> Initiative:
    """Recompute the forecast end: waterfall from phases and milestones, agile from velocity."""
    if initiative.approach == Approach.WATERFALL:
        candidates = [
            d
            for p in initiative.phases.all()
            for d in [p.actual_end or p.forecast_end or p.baseline_end]
            if d is not None
        ]
        candidates += [m.actual_date or m.forecast_date for m in initiative.milestones.all()]
        forecast = max(candidates) if candidates else initiative.baseline_end
    else:
        remaining = initiative.stories.exclude(status=StoryStatus.DONE).aggregate(p=Sum("points"))["p"] or 0
        done = list(
            initiative.sprints.filter(status=SprintStatus.CLOSED)
            .order_by("end", "pk")
            .values_list("completed_points", flat=True)
        )
        forecast = health.agile_forecast(
            remaining_points=remaining,
            velocity_points=health.velocity(done),
            sprint_days=initiative.sprint_length_days,
            today=timezone.localdate(),
        )
        if forecast is None:
            forecast = initiative.forecast_end
    if forecast != initiative.forecast_end:
        initiative = update_audited(
            initiative, actor=actor, fields={"forecast_end": forecast}, verb="initiative_forecast"
        )
    return initiative


# --- waterfall ------------------------------------------------------------------------------------


@transaction.atomic
def phase_update(*, actor: User, phase: Phase, reason: str = "", **fields) -> Phase:
    """Re-forecast a phase (forecast start/end); the initiative's forecast follows."""
    require_object(actor, "change", phase)
    allowed = {"forecast_start", "forecast_end"}
    if set(fields) - allowed:
        raise ValidationError({"forecast_end": "Only the forecast dates of a phase are edited directly."})
    phase = update_audited(phase, actor=actor, fields=fields, reason=reason, verb="phase_update")
    refresh_forecast(phase.initiative, actor=actor)
    return phase


@transaction.atomic
def criterion_add(*, actor: User, gate: StageGate, name: str, description: str = "") -> GateCriterion:
    """Add a named criterion to a gate that has not passed."""
    require_perm(actor, "delivery.add_gatecriterion")
    require_object(actor, "change", gate)
    gate = StageGate.objects.select_for_update().get(pk=gate.pk)
    if gate.status in {GateStatus.PASSED, GateStatus.AWAITING_APPROVAL}:
        raise ValidationError(
            {"name": "The gate is awaiting approval or has passed: its criteria are frozen."}
        )
    return create_audited(
        GateCriterion(gate=gate, name=name, description=description), actor=actor, verb="criterion_add"
    )


@transaction.atomic
def criterion_set(*, actor: User, criterion: GateCriterion, met: bool, evidence: str = "") -> GateCriterion:
    """Mark a criterion met (with its evidence) or not met."""
    require_object(actor, "change", criterion)
    gate = StageGate.objects.select_for_update().get(pk=criterion.gate_id)  # the gate as it is now
    if gate.status in {GateStatus.PASSED, GateStatus.AWAITING_APPROVAL}:
        raise ValidationError(
            {"met": "The gate is awaiting approval or has passed: its criteria are frozen."}
        )
    if met and not evidence.strip() and not criterion.evidence:
        raise ValidationError({"evidence": "Say what shows the criterion is met."})
    fields = {"met": met, "evidence": evidence or criterion.evidence}
    fields |= {"met_by": actor, "met_at": timezone.now()} if met else {"met_by": None, "met_at": None}
    return update_audited(
        criterion, actor=actor, fields=fields, verb="criterion_met" if met else "criterion_unmet"
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


@transaction.atomic
def gate_submit(*, actor: User, gate: StageGate) -> StageGate:
    """Ask for the gate's approval once all its criteria are met: opens an “approve_stage_gate” decision
    request routed by the decision rights of the initiative's org unit and mode."""
    require_object(actor, "change", gate)
    gate = StageGate.objects.select_for_update().select_related("phase__initiative").get(pk=gate.pk)
    _check(GATE_TRANSITIONS, gate.status, GateStatus.AWAITING_APPROVAL, "A gate", GateStatus)
    _require_gate_ready(gate)
    initiative = gate.phase.initiative
    gate = update_audited(
        gate,
        actor=actor,
        fields={"status": GateStatus.AWAITING_APPROVAL, "requested_at": timezone.now()},
        verb="gate_submit",
        action=AuditAction.TRANSITION,
    )
    budget = initiative.budgets.aggregate(s=Sum("amount"))["s"]
    _governance().decision_request_open(
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
    from bimodal.delivery import selectors

    request = selectors.latest_decision_for(gate, APPROVE_STAGE_GATE)
    return request is not None and request.status == "approved"


def _gate_pass(gate: StageGate, *, actor, note: str = "") -> StageGate:
    """Pass a gate: criteria met and approved; its phase completes and the next one starts."""
    gate = StageGate.objects.select_for_update().select_related("phase__initiative").get(pk=gate.pk)
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
        verb="gate_pass",
        action=AuditAction.TRANSITION,
    )
    phase = gate.phase
    update_audited(
        phase,
        actor=actor,
        fields={"status": PhaseStatus.COMPLETE, "actual_end": today},
        verb="phase_complete",
        action=AuditAction.TRANSITION,
    )
    following = phase.initiative.phases.filter(order__gt=phase.order).order_by("order").first()
    if following is not None:
        update_audited(
            following,
            actor=actor,
            fields={"status": PhaseStatus.IN_PROGRESS},
            verb="phase_start",
            action=AuditAction.TRANSITION,
        )
    refresh_forecast(phase.initiative, actor=actor)
    return gate


@transaction.atomic
def gate_pass(*, actor: User, gate: StageGate, note: str = "") -> StageGate:
    """Pass a gate whose criteria are met and whose approval governance has recorded."""
    require_object(actor, "change", gate)
    return _gate_pass(gate, actor=actor, note=note)


def gate_decided(*, actor, gate: StageGate, approved: bool, note: str = "") -> StageGate:
    """Governance's decision on a gate: approval passes it, rejection sends it back (criteria reopen)."""
    if approved:
        return _gate_pass(gate, actor=actor, note=note)
    gate = StageGate.objects.select_for_update().get(pk=gate.pk)
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
        verb="gate_reject",
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def milestone_create(
    *,
    actor: User,
    initiative: Initiative,
    name: str,
    baseline_date: date,
    forecast_date: date | None = None,
    phase=None,
) -> Milestone:
    """Add a milestone (forecast = baseline unless given)."""
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
        ),
        actor=actor,
        verb="milestone_create",
    )
    refresh_forecast(initiative, actor=actor)
    return milestone


@transaction.atomic
def milestone_update(*, actor: User, milestone: Milestone, reason: str = "", **fields) -> Milestone:
    """Re-forecast a milestone or record when it was reached."""
    require_object(actor, "change", milestone)
    if set(fields) - {"name", "forecast_date", "actual_date"}:
        raise ValidationError({"forecast_date": "Only the name, forecast and actual dates are edited here."})
    milestone = update_audited(milestone, actor=actor, fields=fields, reason=reason, verb="milestone_update")
    refresh_forecast(milestone.initiative, actor=actor)
    return milestone


# --- agile ----------------------------------------------------------------------------------------


def may_work(actor, initiative: Initiative) -> bool:
    """Whether `actor` works on this initiative: its owner, its team, the owners of its services, or a
    portfolio manager (the initiative's object rule, without needing to edit the initiative itself)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser or actor.has_perm("delivery.manage_all_initiatives"):
        return True
    condition = Initiative.objects.restriction(actor, "change")
    return Initiative.objects.filter(condition, pk=initiative.pk).exists()


def _require_work(actor, initiative: Initiative, perm: str) -> None:
    require_perm(actor, perm)
    if not may_work(actor, initiative):
        raise PermissionDenied(f"Only the team, owner or portfolio managers work on {initiative.reference}.")


def _require_agile(initiative: Initiative) -> None:
    if initiative.approach != Approach.AGILE:
        raise ValidationError({"initiative": "Backlogs, sprints and the board belong to agile initiatives."})


@transaction.atomic
def epic_create(*, actor: User, initiative: Initiative, title: str, description: str = "") -> Epic:
    """Add an epic to an agile initiative's backlog."""
    _require_work(actor, initiative, "delivery.add_epic")
    _require_agile(initiative)
    rank = (initiative.epics.aggregate(r=Max("rank"))["r"] or 0) + 1
    return create_audited(
        Epic(initiative=initiative, title=title, description=description, rank=rank),
        actor=actor,
        verb="epic_create",
    )


@transaction.atomic
def epic_update(*, actor: User, epic: Epic, **fields) -> Epic:
    """Rename, describe or re-rank an epic."""
    require_object(actor, "change", epic)
    if set(fields) - {"title", "description", "rank"}:
        raise ValidationError({"title": "Only title, description and rank are edited here."})
    return update_audited(epic, actor=actor, fields=fields, verb="epic_update")


def _transition(story: Story, source: str, target: str, actor, at: datetime | None = None) -> None:
    StoryTransition.objects.create(
        story=story, from_status=source, to_status=target, at=at or timezone.now(), actor=actor
    )


@transaction.atomic
def story_create(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    points: int | None = None,
    epic: Epic | None = None,
    sprint: Sprint | None = None,
    description: str = "",
    assignee: User | None = None,
    at: datetime | None = None,
) -> Story:
    """Add a story to the bottom of an agile initiative's backlog (`at`: when it entered, for history)."""
    _require_work(actor, initiative, "delivery.add_story")
    if at is not None and at > timezone.now():
        raise ValidationError({"at": "A story cannot enter the backlog in the future."})
    _require_agile(initiative)
    rank = (initiative.stories.aggregate(r=Max("rank"))["r"] or 0) + 1
    story = create_audited(
        Story(
            initiative=initiative,
            title=title,
            points=points,
            epic=epic,
            sprint=sprint,
            description=description,
            assignee=assignee,
            rank=rank,
        ),
        actor=actor,
        verb="story_create",
    )
    _transition(story, "", StoryStatus.BACKLOG, actor, at=at)
    refresh_forecast(initiative, actor=actor)
    return story


@transaction.atomic
def story_update(*, actor: User, story: Story, **fields) -> Story:
    """Change a story's title, estimate, epic, sprint, assignee or rank (moves: story_move)."""
    require_object(actor, "change", story)
    if set(fields) - {"title", "description", "points", "epic", "sprint", "assignee", "rank"}:
        raise ValidationError({"status": "Move a story between columns with story_move."})
    sprint = fields.get("sprint")
    if sprint is not None and sprint.status == SprintStatus.CLOSED:
        raise ValidationError({"sprint": "That sprint is closed."})
    story = update_audited(story, actor=actor, fields=fields, verb="story_update")
    if "points" in fields:
        refresh_forecast(story.initiative, actor=actor)
    return story


def wip_violation(initiative: Initiative, target: str, *, moving: Story | None = None) -> str:
    """The refusal message when moving one more story into `target` breaks its WIP limit, else ''."""
    limit = (initiative.wip_limits or {}).get(target)
    if not limit:
        return ""
    occupied = initiative.stories.filter(status=target)
    if moving is not None:
        occupied = occupied.exclude(pk=moving.pk)
    count = occupied.count()
    if count >= limit:
        return (
            f"WIP limit reached: “{StoryStatus(target).label}” holds {count} of {limit} stories. "
            "Finish or move one on before pulling in more."
        )
    return ""


@transaction.atomic
def story_move(
    *, actor: User, story: Story, status: str, rank: int | None = None, at: datetime | None = None
) -> Story:
    """Move a story to another board column, refused when the column's WIP limit is reached. The move is
    recorded (cycle time is computed from these records); `at` records when it happened (history and
    imports) and cannot precede the story's previous move."""
    require_object(actor, "change", story)
    if status not in StoryStatus.values:
        raise ValidationError({"status": f"“{status}” is not a column of the board."})
    # Lock the initiative so that two moves into one column cannot both pass the WIP check.
    initiative = Initiative.objects.select_for_update().get(pk=story.initiative_id)
    story = Story.objects.select_for_update().get(pk=story.pk)
    source = story.status
    if source == status:
        if rank is not None and rank != story.rank:
            return update_audited(story, actor=actor, fields={"rank": rank}, verb="story_rank")
        return story
    message = wip_violation(initiative, status, moving=story)
    if message:
        raise ValidationError({"status": message})
    if at is not None:
        last = story.transitions.order_by("-at").values_list("at", flat=True).first()
        if at > timezone.now() or (last is not None and at < last):
            raise ValidationError({"at": "A move is recorded between the story's previous move and now."})
    now = at or timezone.now()
    fields: dict = {"status": status}
    if status in {StoryStatus.IN_PROGRESS, StoryStatus.REVIEW} and story.started_at is None:
        fields["started_at"] = now
    fields["done_at"] = now if status == StoryStatus.DONE else None
    if rank is not None:
        fields["rank"] = rank
    story = update_audited(
        story, actor=actor, fields=fields, verb="story_move", action=AuditAction.TRANSITION
    )
    _transition(story, source, status, actor, at=now)
    return story


@transaction.atomic
def sprint_create(
    *, actor: User, initiative: Initiative, name: str, start: date, end: date | None = None, goal: str = ""
) -> Sprint:
    """Plan a sprint (its length defaults to the initiative's sprint length)."""
    _require_work(actor, initiative, "delivery.add_sprint")
    _require_agile(initiative)
    end = end or start + timedelta(days=initiative.sprint_length_days - 1)
    return create_audited(
        Sprint(initiative=initiative, name=name, start=start, end=end, goal=goal),
        actor=actor,
        verb="sprint_create",
    )


@transaction.atomic
def sprint_start(*, actor: User, sprint: Sprint) -> Sprint:
    """Start a planned sprint: what it holds now is its commitment."""
    require_object(actor, "change", sprint)
    _check(SPRINT_TRANSITIONS, sprint.status, SprintStatus.ACTIVE, "A sprint", SprintStatus)
    if Sprint.objects.filter(initiative=sprint.initiative_id, status=SprintStatus.ACTIVE).exists():
        raise ValidationError({"status": "Another sprint of this initiative is active: close it first."})
    committed = sprint.stories.aggregate(p=Sum("points"))["p"] or 0
    return update_audited(
        sprint,
        actor=actor,
        fields={"status": SprintStatus.ACTIVE, "committed_points": committed},
        verb="sprint_start",
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def sprint_close(*, actor: User, sprint: Sprint) -> Sprint:
    """Close the active sprint: done points are its velocity; unfinished stories go back to the backlog."""
    require_object(actor, "change", sprint)
    _check(SPRINT_TRANSITIONS, sprint.status, SprintStatus.CLOSED, "A sprint", SprintStatus)
    done = sprint.stories.filter(status=StoryStatus.DONE).aggregate(p=Sum("points"))["p"] or 0
    sprint = update_audited(
        sprint,
        actor=actor,
        fields={"status": SprintStatus.CLOSED, "completed_points": done},
        verb="sprint_close",
        action=AuditAction.TRANSITION,
    )
    for story in sprint.stories.exclude(status=StoryStatus.DONE):
        update_audited(
            story,
            actor=actor,
            fields={"sprint": None},
            reason=f"Carried over from {sprint.name}",
            verb="story_carry_over",
        )
    refresh_forecast(sprint.initiative, actor=actor)
    return sprint


# --- risks and dependencies ----------------------------------------------------------------------


@transaction.atomic
def risk_create(*, actor: User, initiative: Initiative, title: str, **fields) -> InitiativeRisk:
    """Log a risk against an initiative."""
    _require_work(actor, initiative, "delivery.add_initiativerisk")
    return create_audited(
        InitiativeRisk(initiative=initiative, title=title, **fields), actor=actor, verb="risk_create"
    )


@transaction.atomic
def risk_update(*, actor: User, risk: InitiativeRisk, reason: str = "", **fields) -> InitiativeRisk:
    """Re-assess, mitigate or close a risk."""
    require_object(actor, "change", risk)
    return update_audited(risk, actor=actor, fields=fields, reason=reason, verb="risk_update")


@transaction.atomic
def dependency_create(
    *,
    actor: User,
    initiative: Initiative,
    depends_on: Initiative,
    description: str = "",
    needed_by: date | None = None,
) -> InitiativeDependency:
    """Record that `initiative` needs something from `depends_on` (cycles are refused)."""
    require_perm(actor, "delivery.add_initiativedependency")
    require_object(actor, "change", initiative)
    if depends_on.pk == initiative.pk:
        raise ValidationError({"depends_on": "An initiative cannot depend on itself."})
    # Refuse a cycle: walk what depends_on (transitively) depends on.
    frontier, seen = {depends_on.pk}, set()
    while frontier:
        if initiative.pk in frontier:
            raise ValidationError(
                {"depends_on": f"{depends_on.reference} already depends on {initiative.reference}."}
            )
        seen |= frontier
        frontier = (
            set(
                InitiativeDependency.objects.filter(initiative__in=frontier).values_list(
                    "depends_on", flat=True
                )
            )
            - seen
        )
    return create_audited(
        InitiativeDependency(
            initiative=initiative, depends_on=depends_on, description=description, needed_by=needed_by
        ),
        actor=actor,
        verb="dependency_create",
    )


@transaction.atomic
def dependency_delete(*, actor: User, dependency: InitiativeDependency) -> None:
    """Remove a dependency."""
    require_perm(actor, "delivery.delete_initiativedependency")
    require_object(actor, "change", dependency)
    delete_audited(dependency, actor=actor, verb="dependency_delete")


# --- money ----------------------------------------------------------------------------------------


def _budget_put(
    *, actor, fiscal_year: int, mode: Mode, investment_class: str, initiative=None, amount, note=""
) -> Budget:
    if initiative is not None:
        mode, investment_class = initiative.mode, initiative.investment_class
    lookup = {"fiscal_year": fiscal_year, "initiative": initiative}
    if initiative is None:
        lookup |= {"mode": mode, "investment_class": investment_class}
    return put_audited(
        Budget,
        actor=actor,
        lookup=lookup,
        fields={"amount": amount, **({"note": note} if note else {})},  # a blank note keeps the one there
        defaults={"mode": mode, "investment_class": investment_class},
        verb="budget_set",
        update_verb="budget_update",
    )


@transaction.atomic
def budget_set(
    *,
    actor: User,
    fiscal_year: int,
    amount: Decimal,
    mode: Mode | None = None,
    investment_class: str = "",
    initiative: Initiative | None = None,
    note: str = "",
) -> Budget:
    """Set a mode's envelope for an investment class, or an initiative's budget, for a year."""
    require_perm(actor, "delivery.add_budget")
    require_perm(actor, "delivery.change_budget")
    if initiative is None and (mode is None or not investment_class):
        raise ValidationError({"mode": "A mode envelope needs a mode and an investment class."})
    return _budget_put(
        actor=actor,
        fiscal_year=fiscal_year,
        mode=mode,
        investment_class=investment_class,
        initiative=initiative,
        amount=amount,
        note=note,
    )


@transaction.atomic
def actual_record(
    *,
    actor: User,
    period: date,
    amount: Decimal,
    mode: Mode | None = None,
    investment_class: str = "",
    initiative: Initiative | None = None,
    description: str = "",
) -> Actual:
    """Record money spent in a month (on an initiative, or on running a mode's services)."""
    require_perm(actor, "delivery.add_actual")
    if initiative is not None:
        mode, investment_class = initiative.mode, initiative.investment_class
    if mode is None or not investment_class:
        raise ValidationError({"mode": "Spend outside an initiative needs a mode and an investment class."})
    period = period.replace(day=1)
    return create_audited(
        Actual(
            period=period,
            fiscal_year=period.year,
            mode=mode,
            investment_class=investment_class,
            initiative=initiative,
            amount=amount,
            description=description,
            recorded_by=actor,
        ),
        actor=actor,
        verb="actual_record",
    )


# --- people ---------------------------------------------------------------------------------------


@transaction.atomic
def capacity_set(*, actor: User, team: Team, fiscal_year: int, mode: Mode, fte: Decimal) -> TeamCapacity:
    """Set how many FTE a team gives to a mode in a year (the supply)."""
    require_perm(actor, "delivery.add_teamcapacity")
    require_perm(actor, "delivery.change_teamcapacity")
    return put_audited(
        TeamCapacity,
        actor=actor,
        lookup={"team": team, "fiscal_year": fiscal_year, "mode": mode},
        fields={"fte": fte},
        verb="capacity_set",
        update_verb="capacity_update",
    )


def _allocation_put(
    *, actor, team, fiscal_year, mode, investment_class, initiative=None, fte, note=""
) -> CapacityAllocation:
    if initiative is not None:
        mode, investment_class = initiative.mode, initiative.investment_class
    lookup = {"team": team, "fiscal_year": fiscal_year, "initiative": initiative}
    if initiative is None:
        lookup |= {"mode": mode, "investment_class": investment_class}
    return put_audited(
        CapacityAllocation,
        actor=actor,
        lookup=lookup,
        fields={"fte": fte, **({"note": note} if note else {})},  # a blank note keeps the one there
        defaults={"mode": mode, "investment_class": investment_class},
        verb="allocation_set",
        update_verb="allocation_update",
    )


@transaction.atomic
def allocation_set(
    *,
    actor: User,
    team: Team,
    fiscal_year: int,
    fte: Decimal,
    mode: Mode | None = None,
    investment_class: str = "",
    initiative: Initiative | None = None,
    note: str = "",
) -> CapacityAllocation:
    """Ask for a team's FTE for an initiative, or for running a mode's services (the demand for people)."""
    require_perm(actor, "delivery.add_capacityallocation")
    require_perm(actor, "delivery.change_capacityallocation")
    if initiative is None and (mode is None or not investment_class):
        raise ValidationError(
            {"mode": "An allocation outside an initiative needs a mode and an investment class."}
        )
    return _allocation_put(
        actor=actor,
        team=team,
        fiscal_year=fiscal_year,
        mode=mode,
        investment_class=investment_class,
        initiative=initiative,
        fte=fte,
        note=note,
    )


@transaction.atomic
def reallocate_apply(*, actor: User, plan, reason: str = ""):
    """Apply a what-if (see whatif.py) that was previewed: move the quantity from its source row to its
    target row, both audited with the reason."""
    from bimodal.delivery import whatif

    perm = {
        whatif.CAPACITY: "delivery.change_teamcapacity",
        whatif.ALLOCATION: "delivery.change_capacityallocation",
        whatif.BUDGET: "delivery.change_budget",
    }[plan.kind]
    require_perm(actor, perm)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the reallocation is made."})
    plan = whatif.resolve(plan)  # re-validated against the rows as they are now
    field = "amount" if plan.kind == whatif.BUDGET else "fte"
    source = type(plan.source)._default_manager.select_for_update().get(pk=plan.source.pk)
    if getattr(source, field) < plan.quantity:
        raise ValidationError({"quantity": f"The source holds only {getattr(source, field)}."})
    update_audited(
        source,
        actor=actor,
        fields={field: getattr(source, field) - plan.quantity},
        reason=reason,
        verb="reallocate_from",
    )
    target = plan.target
    if target.pk is None:
        setattr(target, field, plan.quantity)
        target = create_audited(target, actor=actor, reason=reason, verb="reallocate_to")
    else:
        target = type(target)._default_manager.select_for_update().get(pk=target.pk)
        target = update_audited(
            target,
            actor=actor,
            fields={field: getattr(target, field) + plan.quantity},
            reason=reason,
            verb="reallocate_to",
        )
    return source, target

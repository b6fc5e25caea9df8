"""Demand: intake, scoring against the versioned model, submission to the portfolio board, decisions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import Actor, OrgUnit, Team, User
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
from bimodal.delivery import scoring, selectors
from bimodal.delivery.choices import (
    DEMAND_TRANSITIONS,
    Approach,
    DemandStatus,
    InvestmentClass,
)
from bimodal.delivery.models import (
    Demand,
    Initiative,
    ScoringModel,
)
from bimodal.delivery.services.base import (
    APPROVE_DEMAND,
    DEFAULT_DURATION_DAYS,
    SCORED_FIELDS,
    SCORING_FIELDS,
    _check,
    _next_reference,
)
from bimodal.delivery.services.initiatives import (
    _initiative_build,
)
from bimodal.delivery.services.money import (
    _allocation_put,
    _budget_put,
)
from bimodal.governance import services as governance_services
from bimodal.portfolio.choices import KpiSet
from bimodal.portfolio.models import Mode, Service

# --- scoring --------------------------------------------------------------------------------------


def scoring_model_current() -> ScoringModel:
    """The scoring model in force: the highest version (version 1 is seeded by a migration)."""
    model = ScoringModel.objects.order_by("-version").first()
    if model is None:
        model = ScoringModel.objects.create(version=1, note="Default weights")
    return model


@transactional
def scoring_model_update(
    *,
    actor: User,
    note: str = "",
    rescore: bool = True,
    weight_value: Decimal | NotGiven = UNSET,
    weight_urgency: Decimal | NotGiven = UNSET,
    weight_fit: Decimal | NotGiven = UNSET,
    weight_risk: Decimal | NotGiven = UNSET,
    weight_cost: Decimal | NotGiven = UNSET,
    cost_ceiling: Decimal | NotGiven = UNSET,
) -> ScoringModel:
    """Save new weights as the next version (older versions are kept; a weight not given keeps its value)
    and rescore open demand with them."""
    require_perm(actor, "delivery.add_scoringmodel")
    current = scoring_model_current()
    weights = given(
        weight_value=weight_value,
        weight_urgency=weight_urgency,
        weight_fit=weight_fit,
        weight_risk=weight_risk,
        weight_cost=weight_cost,
        cost_ceiling=cost_ceiling,
    )
    values = {name: getattr(current, name) for name in SCORING_FIELDS if name != "note"} | weights
    model = create_audited(
        ScoringModel(version=current.version + 1, note=note, created_by=actor, **values),
        actor=actor,
        reason=note,
        verb=AuditVerb.SCORING_MODEL_UPDATE,
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


def _score(demand: Demand, *, actor: Actor, model: ScoringModel | None = None, reason: str = "") -> Demand:
    model = model or scoring_model_current()
    return update_audited(
        demand,
        actor=actor,
        fields={"score": score_for(demand, model), "scoring_model": model, "scored_at": timezone.now()},
        reason=reason,
        verb=AuditVerb.DEMAND_SCORE,
    )


# --- demand ---------------------------------------------------------------------------------------


def _require_demand_edit(actor: Actor, demand: Demand) -> None:
    require_perm(actor, "delivery.change_demand")
    require_object(actor, "change", demand)


@transactional
def demand_create(
    *,
    actor: User,
    title: str,
    org_unit: OrgUnit,
    mode: Mode,
    description: str = "",
    service: Service | None = None,
    team: Team | None = None,
    investment_class: str = InvestmentClass.GROW,
    value: int = 3,
    urgency: int = 3,
    risk: int = 3,
    strategic_fit: int = 3,
    cost_estimate: Decimal = Decimal("0"),
    fte_estimate: Decimal = Decimal("0"),
    approach: str = "",
    desired_start: date | None = None,
    desired_end: date | None = None,
) -> Demand:
    """Raise a demand (a draft), scored at once with the current model."""
    require_perm(actor, "delivery.add_demand")
    demand = Demand(
        reference=_next_reference(Demand, "DEM", 4),
        title=title,
        org_unit=org_unit,
        mode=mode,
        requester=actor,
        description=description,
        service=service,
        team=team,
        investment_class=investment_class,
        value=value,
        urgency=urgency,
        risk=risk,
        strategic_fit=strategic_fit,
        cost_estimate=cost_estimate,
        fte_estimate=fte_estimate,
        approach=approach,
        desired_start=desired_start,
        desired_end=desired_end,
    )
    create_audited(demand, actor=actor, verb=AuditVerb.DEMAND_CREATE)
    return _score(demand, actor=actor)


@transactional
def demand_update(
    *,
    actor: User,
    demand: Demand,
    reason: str = "",
    title: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    org_unit: OrgUnit | NotGiven = UNSET,
    mode: Mode | NotGiven = UNSET,
    service: Service | NotGiven | None = UNSET,
    team: Team | NotGiven | None = UNSET,
    investment_class: str | NotGiven = UNSET,
    value: int | NotGiven = UNSET,
    urgency: int | NotGiven = UNSET,
    risk: int | NotGiven = UNSET,
    strategic_fit: int | NotGiven = UNSET,
    cost_estimate: Decimal | NotGiven = UNSET,
    fte_estimate: Decimal | NotGiven = UNSET,
    approach: str | NotGiven = UNSET,
    desired_start: date | NotGiven | None = UNSET,
    desired_end: date | NotGiven | None = UNSET,
) -> Demand:
    """Edit a draft (or rejected) demand; a change to a scored factor rescores it."""
    _require_demand_edit(actor, demand)
    if demand.status not in {DemandStatus.DRAFT, DemandStatus.REJECTED}:
        raise ValidationError({"status": "Only a draft or rejected demand can be edited."})
    fields = given(
        title=title,
        description=description,
        org_unit=org_unit,
        mode=mode,
        service=service,
        team=team,
        investment_class=investment_class,
        value=value,
        urgency=urgency,
        risk=risk,
        strategic_fit=strategic_fit,
        cost_estimate=cost_estimate,
        fte_estimate=fte_estimate,
        approach=approach,
        desired_start=desired_start,
        desired_end=desired_end,
    )
    demand = update_audited(demand, actor=actor, fields=fields, reason=reason, verb=AuditVerb.DEMAND_UPDATE)
    if SCORED_FIELDS & set(fields) or demand.score is None:
        demand = _score(demand, actor=actor)
    return demand


@transactional
def demand_score(*, actor: User, demand: Demand) -> Demand:
    """Score (or rescore) a demand with the current scoring model."""
    require_perm(actor, "delivery.view_demand")
    require_object(actor, "view", demand)
    if not (actor.has_perm("delivery.manage_demand") or demand.requester_id == actor.pk):
        raise PermissionDenied("Only the requester or a portfolio manager rescores a demand.")
    if demand.status not in {DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.REJECTED}:
        raise ValidationError({"status": "A decided demand keeps the score it was decided on."})
    return _score(demand, actor=actor)


@transactional
def demand_submit(*, actor: User, demand: Demand) -> Demand:
    """Send a draft to the portfolio board: opens an “approve_demand” decision request, routed by the
    decision rights of the demand's org unit and mode."""
    _require_demand_edit(actor, demand)
    demand = Demand.objects.select_for_update(no_key=True).get(pk=demand.pk)
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
        verb=AuditVerb.DEMAND_SUBMIT,
        action=AuditAction.TRANSITION,
    )
    governance_services.decision_request_open(
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


@transactional
def demand_withdraw(*, actor: User, demand: Demand, reason: str = "") -> Demand:
    """Withdraw a demand that is not decided yet (its open decision request is withdrawn too)."""
    _require_demand_edit(actor, demand)
    _check(DEMAND_TRANSITIONS, demand.status, DemandStatus.WITHDRAWN, "A demand", DemandStatus)
    withdraw = getattr(governance_services, "decision_request_withdraw", None)
    if demand.status == DemandStatus.SUBMITTED and withdraw is not None:
        request = selectors.open_decision_for(demand)
        if request is not None:
            withdraw(actor=actor, request=request, reason=reason)
    return update_audited(
        demand,
        actor=actor,
        fields={"status": DemandStatus.WITHDRAWN},
        reason=reason,
        verb=AuditVerb.DEMAND_WITHDRAW,
        action=AuditAction.TRANSITION,
    )


def approach_for(mode: Mode, requested: str = "") -> str:
    """The delivery approach: as requested, else waterfall for a stability mode and agile otherwise."""
    if requested:
        return requested
    return Approach.WATERFALL if mode.kpi_set == KpiSet.STABILITY else Approach.AGILE


def demand_decided(*, actor: Actor, demand: Demand, approved: bool, note: str = "") -> Demand:
    """Record the board's decision on a submitted demand; approval turns it into an initiative with its
    budget (and its people, when the demand names a team and FTE). Called by the governance handler,
    which has checked the decision right, so no delivery permission is asked of the decider."""
    demand = Demand.objects.select_for_update(no_key=True).get(pk=demand.pk)
    target = DemandStatus.APPROVED if approved else DemandStatus.REJECTED
    _check(DEMAND_TRANSITIONS, demand.status, target, "A demand", DemandStatus)
    demand = update_audited(
        demand,
        actor=actor,
        fields={"status": target, "decided_at": timezone.now(), "decision_note": note},
        reason=note,
        verb=AuditVerb(f"demand_{target}"),
        action=AuditAction.TRANSITION,
    )
    if approved:
        _initiative_from_demand(demand, actor=actor)
    return demand


def _initiative_from_demand(demand: Demand, *, actor: Actor) -> Initiative:
    service = demand.service
    team = demand.team or (service.owner_team if service else None)
    owner = (team.lead if team and team.lead_id else None) or (
        service.service_owner if service and service.service_owner_id else None
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
        services=[service] if service else [],
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

"""Initiatives: starting one (from an approved demand or directly), editing, status, risks and dependencies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import Actor, OrgUnit, Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.delivery import health
from bimodal.delivery.choices import (
    INITIATIVE_TRANSITIONS,
    PHASE_ORDER,
    Approach,
    InitiativeStatus,
    InvestmentClass,
    PhaseKind,
    PhaseStatus,
    RiskStatus,
    SprintStatus,
    StoryStatus,
)
from bimodal.delivery.models import (
    Demand,
    GateCriterion,
    Initiative,
    InitiativeDependency,
    InitiativeRisk,
    Phase,
    StageGate,
)
from bimodal.delivery.services.base import (
    DEFAULT_DURATION_DAYS,
    DEFAULT_GATE_CRITERIA,
    DEFAULT_WIP_LIMITS,
    _check,
    _next_reference,
)
from bimodal.portfolio.models import Mode, Service

# --- initiatives ----------------------------------------------------------------------------------


def _split(start: date, end: date, parts: int) -> list[tuple[date, date]]:
    """`parts` consecutive date ranges covering start..end."""
    days = max((end - start).days, parts)
    bounds = [start + timedelta(days=round(days * i / parts)) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - timedelta(days=1) if i < parts - 1 else end) for i in range(parts)]


def _initiative_build(
    *,
    actor: Actor,
    name: str,
    approach: str,
    mode: Mode,
    org_unit: OrgUnit,
    owner: User,
    team: Team | None = None,
    services: Iterable[Service] = (),
    investment_class: str = InvestmentClass.GROW,
    baseline_start: date | None = None,
    baseline_end: date | None = None,
    description: str = "",
    demand: Demand | None = None,
    rag_override: str = "",
    rag_note: str = "",
    sprint_length_days: int = 14,
    wip_limits: dict[str, int] | None = None,
) -> Initiative:
    if wip_limits is None:
        wip_limits = dict(DEFAULT_WIP_LIMITS) if approach == Approach.AGILE else {}
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
        rag_override=rag_override,
        rag_note=rag_note,
        sprint_length_days=sprint_length_days,
        wip_limits=wip_limits,
    )
    create_audited(
        initiative, actor=actor, m2m={"services": list(services)}, verb=AuditVerb.INITIATIVE_CREATE
    )
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
                verb=AuditVerb.PHASE_CREATE,
            )
            gate = create_audited(
                StageGate(phase=phase, name=f"{PhaseKind(kind).label} gate"),
                actor=actor,
                verb=AuditVerb.GATE_CREATE,
            )
            for criterion in DEFAULT_GATE_CRITERIA[kind]:
                create_audited(
                    GateCriterion(gate=gate, name=criterion), actor=actor, verb=AuditVerb.CRITERION_CREATE
                )
    return initiative


@transactional
def initiative_create(
    *,
    actor: User,
    name: str,
    approach: str,
    mode: Mode,
    org_unit: OrgUnit,
    owner: User | None = None,
    description: str = "",
    team: Team | None = None,
    services: Iterable[Service] = (),
    investment_class: str = InvestmentClass.GROW,
    baseline_start: date | None = None,
    baseline_end: date | None = None,
    rag_override: str = "",
    rag_note: str = "",
    sprint_length_days: int = 14,
    wip_limits: dict[str, int] | None = None,
) -> Initiative:
    """Start an initiative directly (not through demand); a waterfall one gets its six phases and gates
    (WIP limits not given: the default ones for an agile initiative)."""
    require_perm(actor, "delivery.add_initiative")
    return _initiative_build(
        actor=actor,
        name=name,
        approach=approach,
        mode=mode,
        org_unit=org_unit,
        owner=owner or actor,
        description=description,
        team=team,
        services=services,
        investment_class=investment_class,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        rag_override=rag_override,
        rag_note=rag_note,
        sprint_length_days=sprint_length_days,
        wip_limits=wip_limits,
    )


@transactional
def initiative_update(
    *,
    actor: User,
    initiative: Initiative,
    reason: str = "",
    services: Iterable[Service] | None = None,
    name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    owner: User | NotGiven = UNSET,
    team: Team | NotGiven | None = UNSET,
    investment_class: str | NotGiven = UNSET,
    rag_override: str | NotGiven = UNSET,
    rag_note: str | NotGiven = UNSET,
    sprint_length_days: int | NotGiven = UNSET,
    wip_limits: dict[str, int] | NotGiven = UNSET,
) -> Initiative:
    """Change an initiative's attributes, or its services (None leaves them); not its approach, mode, org
    unit or dates (see initiative_rebaseline)."""
    require_object(actor, "change", initiative)
    fields = given(
        name=name,
        description=description,
        owner=owner,
        team=team,
        investment_class=investment_class,
        rag_override=rag_override,
        rag_note=rag_note,
        sprint_length_days=sprint_length_days,
        wip_limits=wip_limits,
    )
    m2m: dict[str, Iterable[Service]] | None = {"services": list(services)} if services is not None else None
    return update_audited(
        initiative, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.INITIATIVE_UPDATE
    )


@transactional
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
        verb=AuditVerb.INITIATIVE_REBASELINE,
    )


@transactional
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
        verb=AuditVerb(f"initiative_{status}"),
        action=AuditAction.TRANSITION,
    )


def refresh_forecast(initiative: Initiative, *, actor: Actor) -> Initiative:
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
            initiative, actor=actor, fields={"forecast_end": forecast}, verb=AuditVerb.INITIATIVE_FORECAST
        )
    return initiative


def may_work(actor: Actor, initiative: Initiative) -> bool:
    """Whether `actor` works on this initiative: its owner, its team, the owners of its services, or a
    portfolio manager (the initiative's object rule, without needing to edit the initiative itself)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser or actor.has_perm("delivery.manage_all_initiatives"):
        return True
    condition = Initiative.objects.restriction(actor, "change")
    return Initiative.objects.filter(condition, pk=initiative.pk).exists()


def _require_work(actor: Actor, initiative: Initiative, perm: str) -> None:
    require_perm(actor, perm)
    if not may_work(actor, initiative):
        raise PermissionDenied(f"Only the team, owner or portfolio managers work on {initiative.reference}.")


# --- risks and dependencies ----------------------------------------------------------------------


@transactional
def risk_create(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    probability: int = 3,
    impact: int = 3,
    status: str = RiskStatus.OPEN,
    owner: User | None = None,
    mitigation: str = "",
) -> InitiativeRisk:
    """Log a risk against an initiative."""
    _require_work(actor, initiative, "delivery.add_initiativerisk")
    risk = InitiativeRisk(
        initiative=initiative,
        title=title,
        probability=probability,
        impact=impact,
        status=status,
        owner=owner,
        mitigation=mitigation,
    )
    return create_audited(risk, actor=actor, verb=AuditVerb.RISK_CREATE)


@transactional
def risk_update(
    *,
    actor: User,
    risk: InitiativeRisk,
    reason: str = "",
    title: str | NotGiven = UNSET,
    probability: int | NotGiven = UNSET,
    impact: int | NotGiven = UNSET,
    status: str | NotGiven = UNSET,
    owner: User | NotGiven | None = UNSET,
    mitigation: str | NotGiven = UNSET,
) -> InitiativeRisk:
    """Re-assess, mitigate or close a risk."""
    require_object(actor, "change", risk)
    fields = given(
        title=title, probability=probability, impact=impact, status=status, owner=owner, mitigation=mitigation
    )
    return update_audited(risk, actor=actor, fields=fields, reason=reason, verb=AuditVerb.RISK_UPDATE)


@transactional
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
        verb=AuditVerb.DEPENDENCY_CREATE,
    )


@transactional
def dependency_delete(*, actor: User, dependency: InitiativeDependency) -> None:
    """Remove a dependency."""
    require_perm(actor, "delivery.delete_initiativedependency")
    require_object(actor, "change", dependency)
    delete_audited(dependency, actor=actor, verb=AuditVerb.DEPENDENCY_DELETE)

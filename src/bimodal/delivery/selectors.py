"""Reads of the delivery app: the demand backlog, the portfolio across both approaches, the kanban board,
budget roll-ups and capacity contention.

Roll-ups are set-based (GROUP BY in the database); Python only merges a handful of grouped rows and
applies what-if adjustments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from bimodal.core.models import OrgUnit, Team
from bimodal.delivery import health
from bimodal.delivery.choices import (
    BOARD_COLUMNS,
    OPEN_DEMAND,
    STARTED,
    DemandStatus,
    InvestmentClass,
    RiskStatus,
    StoryStatus,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Demand,
    Initiative,
    InitiativeDependency,
    InitiativeRisk,
    ScoringModel,
    Sprint,
    Story,
    TeamCapacity,
)
from bimodal.governance.selectors import decisions_for, latest_decision_for, open_decision_for  # noqa: F401
from bimodal.portfolio.models import Mode

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0")


# --- governance links -----------------------------------------------------------------------------


# --- demand ---------------------------------------------------------------------------------------


def scoring_models(*, user):
    """Every version of the scoring weights, newest first."""
    return ScoringModel.objects.restrict(user, "view").select_related("created_by").order_by("-version")


def demand_list(*, user):
    """Demand `user` may see."""
    return Demand.objects.restrict(user, "view").with_related()


def demand_backlog(*, user):
    """Open demand (draft and submitted), best score first: the prioritised backlog."""
    return (
        demand_list(user=user)
        .filter(status__in=OPEN_DEMAND)
        .order_by(F("score").desc(nulls_last=True), F("desired_start").asc(nulls_last=True), "reference")
    )


# --- initiatives and the portfolio ---------------------------------------------------------------


def _sum_by_initiative(model, *, fiscal_year: int | None = None):
    rows = model.objects.filter(initiative=OuterRef("pk"))
    if fiscal_year is not None:
        rows = rows.filter(fiscal_year=fiscal_year)
    total = rows.order_by().values("initiative").annotate(s=Sum("amount")).values("s")[:1]
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _count(queryset):
    counted = queryset.order_by().values("initiative").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def initiative_list(*, user):
    """Initiatives `user` may see, with what a list shows."""
    return Initiative.objects.restrict(user, "view").select_related(
        "mode", "org_unit", "owner", "team", "demand"
    )


def portfolio(*, user, fiscal_year: int | None = None):
    """The portfolio in one query: every initiative with budget, actual spend, open and high risks,
    dependencies and those at risk (the provider's forecast is after the date it is needed by)."""
    own_risks = InitiativeRisk.objects.filter(initiative=OuterRef("pk"), status=RiskStatus.OPEN)
    deps = InitiativeDependency.objects.filter(initiative=OuterRef("pk"))
    return initiative_list(user=user).annotate(
        budget_total=_sum_by_initiative(Budget, fiscal_year=fiscal_year),
        actual_total=_sum_by_initiative(Actual, fiscal_year=fiscal_year),
        open_risks=_count(own_risks),
        high_risks=_count(
            own_risks.annotate(exposure=F("probability") * F("impact")).filter(
                exposure__gte=health.HIGH_EXPOSURE
            )
        ),
        dependency_count=_count(deps),
        dependencies_at_risk=_count(deps.filter(needed_by__lt=F("depends_on__forecast_end"))),
    )


@dataclass
class PortfolioRow:
    """One initiative as the portfolio view shows it."""

    initiative: Initiative
    slip: int | None
    spend: Decimal | None
    rag: str
    remaining: Decimal

    @property
    def spend_percent(self) -> int | None:
        return None if self.spend is None else round(self.spend * 100)


def portfolio_rows(queryset) -> list[PortfolioRow]:
    """Slip, spend ratio and RAG for each annotated initiative (no further queries)."""
    rows = []
    for i in queryset:
        slip = health.slip_days(i.baseline_end, i.forecast_end)
        spend = health.spend_ratio(i.budget_total, i.actual_total)
        rows.append(
            PortfolioRow(
                initiative=i,
                slip=slip,
                spend=spend,
                rag=health.rag(slip=slip, spend=spend, high_risks=i.high_risks, override=i.rag_override),
                remaining=(i.budget_total or ZERO) - (i.actual_total or ZERO),
            )
        )
    return rows


def portfolio_totals(rows: list[PortfolioRow]) -> dict:
    """Sums over the rows shown."""
    return {
        "count": len(rows),
        "budget": sum((r.initiative.budget_total for r in rows), ZERO),
        "actual": sum((r.initiative.actual_total for r in rows), ZERO),
        "red": sum(1 for r in rows if r.rag == "red"),
        "amber": sum(1 for r in rows if r.rag == "amber"),
        "green": sum(1 for r in rows if r.rag == "green"),
    }


def initiative_health(initiative: Initiative) -> PortfolioRow:
    """One initiative's portfolio row (a few aggregate queries)."""
    annotated = Initiative.objects.filter(pk=initiative.pk)
    own_risks = InitiativeRisk.objects.filter(initiative=OuterRef("pk"), status=RiskStatus.OPEN)
    annotated = annotated.annotate(
        budget_total=_sum_by_initiative(Budget),
        actual_total=_sum_by_initiative(Actual),
        high_risks=_count(
            own_risks.annotate(exposure=F("probability") * F("impact")).filter(
                exposure__gte=health.HIGH_EXPOSURE
            )
        ),
    ).select_related("mode", "org_unit", "owner", "team", "demand")
    return portfolio_rows(annotated)[0]


# --- agile ----------------------------------------------------------------------------------------


@dataclass
class BoardColumn:
    """A kanban column with its stories and WIP limit."""

    status: str
    label: str
    limit: int | None
    previous: str = ""
    next: str = ""
    stories: list = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.limit is not None and len(self.stories) > self.limit

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.stories) >= self.limit


def stories_with_cycle(initiative: Initiative):
    """The initiative's stories with when work first started and when it last reached done, taken from
    the recorded transitions (one query)."""
    return (
        Story.objects.filter(initiative=initiative)
        .select_related("epic", "assignee", "sprint")
        .annotate(
            first_started=Min("transitions__at", filter=Q(transitions__to_status__in=list(STARTED))),
            last_done=Max("transitions__at", filter=Q(transitions__to_status=StoryStatus.DONE)),
        )
        .order_by("rank", "pk")
    )


def cycle_time(story) -> timedelta | None:
    """A done story's cycle time: from first entering a started column to reaching done."""
    if story.status != StoryStatus.DONE or not story.first_started or not story.last_done:
        return None
    if story.last_done < story.first_started:
        return None
    return story.last_done - story.first_started


def board(initiative: Initiative) -> dict:
    """The kanban board: columns with stories and limits, and the cycle-time statistics of done stories."""
    stories = list(stories_with_cycle(initiative))
    limits = initiative.wip_limits or {}
    columns = {
        status: BoardColumn(
            status=status,
            label=StoryStatus(status).label,
            limit=limits.get(status),
            previous=BOARD_COLUMNS[n - 1] if n > 0 else "",
            next=BOARD_COLUMNS[n + 1] if n + 1 < len(BOARD_COLUMNS) else "",
        )
        for n, status in enumerate(BOARD_COLUMNS)
    }
    for story in stories:
        story.cycle_time = cycle_time(story)
        columns[story.status].stories.append(story)
    times = sorted(s.cycle_time for s in stories if s.cycle_time is not None)
    average = sum(times, timedelta()) / len(times) if times else None
    median = times[len(times) // 2] if times else None
    return {
        "columns": list(columns.values()),
        "cycle_average": average,
        "cycle_median": median,
        "cycle_count": len(times),
    }


def sprint_stats(initiative: Initiative) -> dict:
    """Sprints with committed vs done points, and the velocity over the last closed sprints."""
    sprints = list(
        Sprint.objects.filter(initiative=initiative)
        .annotate(
            planned_points=Coalesce(Sum("stories__points"), 0),
            done_points=Coalesce(Sum("stories__points", filter=Q(stories__status=StoryStatus.DONE)), 0),
        )
        .order_by("start", "pk")
    )
    closed = [s.completed_points for s in sprints if s.status == "closed"]
    remaining = (
        Story.objects.filter(initiative=initiative)
        .exclude(status=StoryStatus.DONE)
        .aggregate(p=Sum("points"))["p"]
        or 0
    )
    return {"sprints": sprints, "velocity": health.velocity(closed), "remaining_points": remaining}


# --- money ----------------------------------------------------------------------------------------


@dataclass
class BudgetLine:
    """Money of one mode and investment class in a year."""

    mode: Mode
    investment_class: str
    envelope: Decimal = ZERO
    allocated: Decimal = ZERO
    actual: Decimal = ZERO
    pipeline: Decimal = ZERO

    @property
    def label(self) -> str:
        return InvestmentClass(self.investment_class).label

    @property
    def unallocated(self) -> Decimal:
        return self.envelope - self.allocated

    @property
    def variance(self) -> Decimal:
        """Envelope left after actual spend (negative: overspent)."""
        return self.envelope - self.actual

    @property
    def burn_percent(self) -> int | None:
        return round(self.actual * 100 / self.envelope) if self.envelope else None

    @property
    def over_committed(self) -> bool:
        return self.allocated > self.envelope

    @property
    def over_with_pipeline(self) -> bool:
        return self.allocated + self.pipeline > self.envelope


def _grouped(queryset, keys: tuple[str, ...], value: str = "amount") -> dict:
    return {
        tuple(row[k] for k in keys): row["total"] or ZERO
        for row in queryset.order_by().values(*keys).annotate(total=Sum(value))
    }


def budget_rollup(*, fiscal_year: int, adjustments=()) -> dict:
    """Per mode and investment class: envelope, allocated to initiatives, actual spend, pipeline (demand
    before the board); totals per mode and overall; initiatives' budget vs actual. `adjustments` are
    (mode, class, initiative or None, delta) from a what-if."""
    envelopes = _grouped(
        Budget.objects.filter(fiscal_year=fiscal_year, initiative__isnull=True), ("mode", "investment_class")
    )
    allocated = _grouped(
        Budget.objects.filter(fiscal_year=fiscal_year, initiative__isnull=False), ("mode", "investment_class")
    )
    actuals = _grouped(Actual.objects.filter(fiscal_year=fiscal_year), ("mode", "investment_class"))
    pipeline = _grouped(
        Demand.objects.filter(status=DemandStatus.SUBMITTED), ("mode", "investment_class"), "cost_estimate"
    )
    initiative_budget = _grouped(
        Budget.objects.filter(fiscal_year=fiscal_year, initiative__isnull=False), ("initiative",)
    )
    initiative_actual = _grouped(
        Actual.objects.filter(fiscal_year=fiscal_year, initiative__isnull=False), ("initiative",)
    )
    for mode_id, klass, initiative_id, delta in adjustments:
        if initiative_id is None:
            envelopes[(mode_id, klass)] = envelopes.get((mode_id, klass), ZERO) + delta
        else:
            allocated[(mode_id, klass)] = allocated.get((mode_id, klass), ZERO) + delta
            initiative_budget[(initiative_id,)] = initiative_budget.get((initiative_id,), ZERO) + delta
    modes = list(Mode.objects.order_by("order", "name"))
    lines = []
    for mode in modes:
        for klass in InvestmentClass.values:
            key = (mode.pk, klass)
            line = BudgetLine(
                mode=mode,
                investment_class=klass,
                envelope=envelopes.get(key, ZERO),
                allocated=allocated.get(key, ZERO),
                actual=actuals.get(key, ZERO),
                pipeline=pipeline.get(key, ZERO),
            )
            if any((line.envelope, line.allocated, line.actual, line.pipeline)):
                lines.append(line)
    by_mode = []
    for mode in modes:
        mine = [line for line in lines if line.mode.pk == mode.pk]
        if mine:
            total = BudgetLine(mode=mode, investment_class=InvestmentClass.RUN)
            for line in mine:
                total.envelope += line.envelope
                total.allocated += line.allocated
                total.actual += line.actual
                total.pipeline += line.pipeline
            by_mode.append(total)
    by_class = []
    for klass in InvestmentClass.values:
        mine = [line for line in lines if line.investment_class == klass]
        if mine:
            by_class.append(
                {
                    "investment_class": klass,
                    "label": InvestmentClass(klass).label,
                    "envelope": sum((x.envelope for x in mine), ZERO),
                    "actual": sum((x.actual for x in mine), ZERO),
                }
            )
    ids = {k[0] for k in initiative_budget} | {k[0] for k in initiative_actual}
    initiatives = {
        i.pk: i for i in Initiative.objects.filter(pk__in=ids).select_related("mode").order_by("reference")
    }
    per_initiative = [
        {
            "initiative": initiatives[pk],
            "budget": initiative_budget.get((pk,), ZERO),
            "actual": initiative_actual.get((pk,), ZERO),
            "remaining": initiative_budget.get((pk,), ZERO) - initiative_actual.get((pk,), ZERO),
        }
        for pk in sorted(initiatives, key=lambda pk: initiatives[pk].reference)
    ]
    grand = {
        "envelope": sum((x.envelope for x in lines), ZERO),
        "allocated": sum((x.allocated for x in lines), ZERO),
        "actual": sum((x.actual for x in lines), ZERO),
        "pipeline": sum((x.pipeline for x in lines), ZERO),
    }
    return {
        "fiscal_year": fiscal_year,
        "lines": lines,
        "by_mode": by_mode,
        "by_class": by_class,
        "initiatives": per_initiative,
        "total": grand,
    }


# --- people ---------------------------------------------------------------------------------------


@dataclass
class CapacityLine:
    """Supply and demand of FTE for one team (or total) in one mode (or all)."""

    team: Team | None
    mode: Mode | None
    supply: Decimal = ZERO
    demand: Decimal = ZERO

    @property
    def gap(self) -> Decimal:
        """Supply minus demand (negative: more asked than there is)."""
        return self.supply - self.demand

    @property
    def over(self) -> bool:
        return self.demand > self.supply

    @property
    def utilisation(self) -> int | None:
        return round(self.demand * 100 / self.supply) if self.supply else None


def capacity_contention(*, fiscal_year: int, adjustments=()) -> dict:
    """FTE supply (team capacity per mode) against demand (allocations) per team and mode, per team,
    per mode; the lines where demand exceeds supply. `adjustments` are (team, mode, "supply"|"demand",
    delta) from a what-if."""
    supply = _grouped(TeamCapacity.objects.filter(fiscal_year=fiscal_year), ("team", "mode"), "fte")
    demand = _grouped(CapacityAllocation.objects.filter(fiscal_year=fiscal_year), ("team", "mode"), "fte")
    for team_id, mode_id, which, delta in adjustments:
        target = supply if which == "supply" else demand
        target[(team_id, mode_id)] = target.get((team_id, mode_id), ZERO) + delta
    keys = set(supply) | set(demand)
    teams = {t.pk: t for t in Team.objects.filter(pk__in={k[0] for k in keys}).order_by("name")}
    modes = {m.pk: m for m in Mode.objects.order_by("order", "name")}
    lines = [
        CapacityLine(
            team=teams[t], mode=modes[m], supply=supply.get((t, m), ZERO), demand=demand.get((t, m), ZERO)
        )
        for t, m in sorted(keys, key=lambda k: (teams[k[0]].name, modes[k[1]].order))
    ]
    by_team: dict[int, CapacityLine] = {}
    by_mode: dict[int, CapacityLine] = {}
    for line in lines:
        team_line = by_team.setdefault(line.team.pk, CapacityLine(team=line.team, mode=None))
        mode_line = by_mode.setdefault(line.mode.pk, CapacityLine(team=None, mode=line.mode))
        for agg in (team_line, mode_line):
            agg.supply += line.supply
            agg.demand += line.demand
    total = CapacityLine(
        team=None,
        mode=None,
        supply=sum((x.supply for x in lines), ZERO),
        demand=sum((x.demand for x in lines), ZERO),
    )
    return {
        "fiscal_year": fiscal_year,
        "lines": lines,
        "by_team": list(by_team.values()),
        "by_mode": sorted(by_mode.values(), key=lambda x: x.mode.order),
        "total": total,
        "contention": [line for line in lines if line.over],
    }


def money_contention(rollup: dict) -> list[BudgetLine]:
    """Modes and investment classes whose initiatives' budgets (plus the pipeline) exceed the envelope."""
    return [line for line in rollup["lines"] if line.over_with_pipeline]


def allocations(*, fiscal_year: int):
    """Allocation rows of a year with what the capacity page shows."""
    return (
        CapacityAllocation.objects.filter(fiscal_year=fiscal_year)
        .select_related("team", "mode", "initiative")
        .order_by("team__name", "mode__order", "pk")
    )


def fiscal_years() -> list[int]:
    """Years that have budgets, actuals or capacity."""
    years = set(Budget.objects.values_list("fiscal_year", flat=True).distinct())
    years |= set(TeamCapacity.objects.values_list("fiscal_year", flat=True).distinct())
    years |= set(Actual.objects.values_list("fiscal_year", flat=True).distinct())
    return sorted(years)


def org_units(*, user):
    """Org units for the portfolio filter."""
    return OrgUnit.objects.restrict(user, "view")

"""Money and people: budget roll-ups, capacity contention, allocations and fiscal years."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    QuerySet,
    Sum,
)

from bimodal.core.models import Team
from bimodal.delivery.choices import (
    DemandStatus,
    InvestmentClass,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Demand,
    Initiative,
    TeamCapacity,
)
from bimodal.delivery.selectors.base import ZERO
from bimodal.portfolio.models import Mode


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


def _grouped(
    queryset: QuerySet[Any], keys: tuple[str, ...], value: str = "amount"
) -> dict[tuple[Any, ...], Decimal]:
    return {
        tuple(row[k] for k in keys): row["total"] or ZERO
        for row in queryset.order_by().values(*keys).annotate(total=Sum(value))
    }


def budget_rollup(
    *, fiscal_year: int, adjustments: Iterable[tuple[int, str, int | None, Decimal]] = ()
) -> dict[str, Any]:
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


def capacity_contention(
    *, fiscal_year: int, adjustments: Iterable[tuple[int, int, str, Decimal]] = ()
) -> dict[str, Any]:
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
    ordered = sorted(keys, key=lambda k: (teams[k[0]].name, modes[k[1]].order))
    lines = [
        CapacityLine(
            team=teams[t], mode=modes[m], supply=supply.get((t, m), ZERO), demand=demand.get((t, m), ZERO)
        )
        for t, m in ordered
    ]
    by_team: dict[int, CapacityLine] = {}
    by_mode: dict[int, CapacityLine] = {}
    for (t, m), line in zip(ordered, lines, strict=True):
        team_line = by_team.setdefault(t, CapacityLine(team=teams[t], mode=None))
        mode_line = by_mode.setdefault(m, CapacityLine(team=None, mode=modes[m]))
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
        "by_mode": [by_mode[m] for m in sorted(by_mode, key=lambda m: modes[m].order)],
        "total": total,
        "contention": [line for line in lines if line.over],
    }


def money_contention(rollup: dict[str, Any]) -> list[BudgetLine]:
    """Modes and investment classes whose initiatives' budgets (plus the pipeline) exceed the envelope."""
    return [line for line in rollup["lines"] if line.over_with_pipeline]


def allocations(*, fiscal_year: int) -> QuerySet[CapacityAllocation]:
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

"""Initiatives and the portfolio: budget, spend, risks and dependencies in one query, slip and RAG per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from bimodal.core.models import Actor, OrgUnit
from bimodal.delivery import health
from bimodal.delivery.choices import (
    RiskStatus,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    Initiative,
    InitiativeDependency,
    InitiativeRisk,
)
from bimodal.delivery.selectors.base import MONEY, ZERO


def _sum_by_initiative(model: type[Budget | Actual], *, fiscal_year: int | None = None) -> Coalesce:
    rows = model.objects.filter(initiative=OuterRef("pk"))
    if fiscal_year is not None:
        rows = rows.filter(fiscal_year=fiscal_year)
    total = rows.order_by().values("initiative").annotate(s=Sum("amount")).values("s")[:1]
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("initiative").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def initiative_list(*, user: Actor) -> QuerySet[Initiative]:
    """Initiatives `user` may see, with what a list shows."""
    return Initiative.objects.restrict(user, "view").select_related(
        "mode", "org_unit", "owner", "team", "demand"
    )


def portfolio(*, user: Actor, fiscal_year: int | None = None) -> QuerySet[Initiative, Any]:
    """The portfolio in one query: every initiative with budget, actual spend, open and high risks,
    dependencies and those at risk (the provider's forecast is after the date it is needed by)."""
    own_risks = InitiativeRisk.objects.filter(initiative=OuterRef("pk"), status=RiskStatus.OPEN)
    deps = InitiativeDependency.objects.filter(initiative=OuterRef("pk"))
    return initiative_list(user=user).annotate(
        budget_total=_sum_by_initiative(Budget, fiscal_year=fiscal_year),
        actual_total=_sum_by_initiative(Actual, fiscal_year=fiscal_year),
        open_risks=_count(own_risks),
        high_risks=_count(
            own_risks.annotate(risk_exposure=F("probability") * F("impact")).filter(
                risk_exposure__gte=health.HIGH_EXPOSURE
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
    budget: Decimal
    actual: Decimal

    @property
    def spend_percent(self) -> int | None:
        return None if self.spend is None else round(self.spend * 100)


def portfolio_rows(queryset: Iterable[Any]) -> list[PortfolioRow]:
    """Slip, spend ratio and RAG for each initiative annotated by portfolio() (no further queries)."""
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
                budget=i.budget_total or ZERO,
                actual=i.actual_total or ZERO,
            )
        )
    return rows


def portfolio_totals(rows: list[PortfolioRow]) -> dict[str, Any]:
    """Sums over the rows shown."""
    return {
        "count": len(rows),
        "budget": sum((r.budget for r in rows), ZERO),
        "actual": sum((r.actual for r in rows), ZERO),
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
            own_risks.annotate(risk_exposure=F("probability") * F("impact")).filter(
                risk_exposure__gte=health.HIGH_EXPOSURE
            )
        ),
    ).select_related("mode", "org_unit", "owner", "team", "demand")
    return portfolio_rows(annotated)[0]


def org_units(*, user: Actor) -> QuerySet[OrgUnit]:
    """Org units for the portfolio filter."""
    return OrgUnit.objects.restrict(user, "view")

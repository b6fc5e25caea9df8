"""The delivery portfolio: every initiative of both approaches, filtered, and its CSV."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from bimodal.core.htmx import wants_partial
from bimodal.delivery import charts, selectors
from bimodal.delivery.choices import (
    Rag,
)
from bimodal.delivery.filtersets import InitiativeFilterSet
from bimodal.delivery.views.base import (
    AREA,
)

# --- portfolio ------------------------------------------------------------------------------------


def _portfolio_rows(request):
    filterset = InitiativeFilterSet(request.GET, queryset=selectors.portfolio(user=request.user))
    rows = selectors.portfolio_rows(filterset.qs.order_by("mode__order", "reference"))
    rag = request.GET.get("rag", "")
    if rag in Rag.values:
        rows = [r for r in rows if r.rag == rag]
    return filterset, rows


@login_required
def portfolio(request):
    """One view of every initiative, waterfall and agile: RAG, baseline vs forecast, budget vs actual,
    risks and dependencies; filtered by mode, approach, org unit, status and RAG. Those who only raise
    demand land on their demand instead."""
    if not request.user.has_perm("delivery.view_initiative"):
        if request.user.has_perm("delivery.view_demand"):
            return redirect("delivery:demand_list")
        raise PermissionDenied("You may not see the delivery portfolio.")
    filterset, rows = _portfolio_rows(request)
    context = {
        "active_area": AREA,
        "tab": "portfolio",
        "filter": filterset,
        "rows": rows,
        "totals": selectors.portfolio_totals(rows),
        "rag_choices": Rag.choices,
        "rag": request.GET.get("rag", ""),
        "query": request.GET.urlencode(),
    }
    if wants_partial(request):
        response = render(request, "delivery/_portfolio_results.html", context)
    else:
        context["timeline"] = charts.timeline(rows)
        response = render(request, "delivery/portfolio.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


CSV_COLUMNS = [
    "reference",
    "name",
    "approach",
    "mode",
    "org_unit",
    "status",
    "rag",
    "baseline_start",
    "baseline_end",
    "forecast_end",
    "slip_days",
    "budget",
    "actual",
    "spend_percent",
    "open_risks",
    "high_risks",
    "dependencies",
    "dependencies_at_risk",
]


@login_required
@permission_required("delivery.view_initiative", raise_exception=True)
def portfolio_csv(request):
    """The portfolio as shown (same filters), as CSV."""
    _, rows = _portfolio_rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        i = r.initiative
        writer.writerow(
            [
                i.reference,
                i.name,
                i.approach,
                i.mode.key,
                i.org_unit.slug,
                i.status,
                r.rag,
                i.baseline_start or "",
                i.baseline_end or "",
                i.forecast_end or "",
                "" if r.slip is None else r.slip,
                f"{Decimal(i.budget_total):.2f}",
                f"{Decimal(i.actual_total):.2f}",
                "" if r.spend_percent is None else r.spend_percent,
                i.open_risks,
                i.high_risks,
                i.dependency_count,
                i.dependencies_at_risk,
            ]
        )
    return response

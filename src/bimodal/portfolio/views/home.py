"""The home page: the portfolio by mode, its charts, the figures other apps register and the latest audit
entries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bimodal.core import hooks
from bimodal.core.models import AuditEntry
from bimodal.portfolio import charts as portfolio_charts
from bimodal.portfolio import selectors as portfolio_selectors


@login_required
def home(request):
    """The home dashboard: the portfolio by mode, charts, organisation counts and the latest audit entries."""
    user = request.user
    by_mode = portfolio_selectors.portfolio_by_mode(user=user)
    charts = []
    if by_mode:
        charts = [
            portfolio_charts.stacked_bar(by_mode, portfolio_charts.TIERS, "Services by criticality tier"),
            portfolio_charts.stacked_bar(by_mode, portfolio_charts.LIFECYCLES, "Services by lifecycle"),
        ]
    can_audit = user.has_perm("core.view_auditentry")
    figures = [(key, f) for key, figure in hooks.home_figures.items() if (f := figure.for_user(user))]
    latest = []
    if can_audit:
        latest = AuditEntry.objects.restrict(user).select_related("content_type").order_by("-seq")[:8]
    context = {
        "active_area": "home",
        "by_mode": by_mode,
        "total": sum(row["total"] for row in by_mode),
        "charts": charts,
        "figures": figures,
        "can_audit": can_audit,
        "latest_entries": latest,
    }
    return render(request, "portfolio/home.html", context)

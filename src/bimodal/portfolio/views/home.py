"""The home page: the portfolio by mode, its charts, the figures other apps register and the latest audit
entries."""

from __future__ import annotations

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bimodal.core import charts as pio
from bimodal.core import hooks
from bimodal.core.models import AuditEntry
from bimodal.portfolio import selectors as portfolio_selectors

# Tier colours run from alarm (tier 0) to calm (tier 3); lifecycle colours from new to old.
_TIERS = [
    ("tier0", "Tier 0 · mission critical", "#a4161a"),
    ("tier1", "Tier 1 · business critical", "#e07a1f"),
    ("tier2", "Tier 2 · operational", "#5b84b1"),
    ("tier3", "Tier 3 · administrative", "#b8c4d6"),
]
_LIFECYCLES = [
    ("in_development", "Proposed / in build", "#7fb8a4"),
    ("live", "Live", "#2a7f62"),
    ("sunsetting", "Sunsetting / retired", "#9aa5b8"),
]


def _stacked_bar(by_mode: list[dict], series: list[tuple[str, str, str]], title: str) -> str:
    """A stacked bar per mode, one segment per series, as an HTML fragment (plotly.js loaded by the page)."""
    modes = [row["mode__short_name"] or row["mode__name"] for row in by_mode]
    fig = go.Figure(
        [
            go.Bar(
                name=label,
                x=modes,
                y=[row[key] for row in by_mode],
                marker_color=colour,
                hovertemplate=f"%{{x}} · {label}: %{{y}}<extra></extra>",
            )
            for key, label, colour in series
        ]
    )
    fig.update_layout(
        barmode="stack",
        template="none",
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        height=300,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.15, "font": {"size": 11}, "traceorder": "normal"},
        font={
            "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            "size": 12,
            "color": "#2b3445",
        },
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        bargap=0.45,
        yaxis={"gridcolor": "#e2e7ef", "rangemode": "tozero", "tickformat": "d"},
    )
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        config={"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
    )


@login_required
def home(request):
    """The home dashboard: the portfolio by mode, charts, organisation counts and the latest audit entries."""
    user = request.user
    by_mode = portfolio_selectors.portfolio_by_mode(user=user)
    charts = []
    if by_mode:
        charts = [
            _stacked_bar(by_mode, _TIERS, "Services by criticality tier"),
            _stacked_bar(by_mode, _LIFECYCLES, "Services by lifecycle"),
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

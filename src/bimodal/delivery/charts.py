"""Charts of the delivery pages (plotly, rendered as HTML fragments; plotly.js is served locally)."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

from bimodal.core import charts as pio

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#2b3445"}
_CONFIG = {"displaylogo": False, "responsive": True}
RAG_COLOURS = {"green": "#2e7d32", "amber": "#f0a202", "red": "#c62828"}


def _html(fig: go.Figure) -> str:
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=_CONFIG)


def _layout(fig: go.Figure, title: str, height: int) -> None:
    fig.update_layout(
        template="none",
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 220, "r": 20, "t": 50, "b": 40},
        font=_FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": -0.08},
    )


def timeline(rows) -> str:
    """Baseline (grey) against forecast (RAG colour) per initiative, both approaches on one time axis."""
    rows = [r for r in rows if r.initiative.baseline_start and r.initiative.baseline_end]
    if not rows:
        return ""
    labels = [f"{r.initiative.reference} {r.initiative.name[:30]}" for r in rows]
    base = go.Bar(
        name="Baseline",
        y=labels,
        base=[r.initiative.baseline_start.isoformat() for r in rows],
        x=[
            (r.initiative.baseline_end - r.initiative.baseline_start + timedelta(days=1)).days * 86_400_000
            for r in rows
        ],
        orientation="h",
        marker={"color": "#c9d1de"},
        offsetgroup="baseline",
        hovertemplate="%{y}<br>baseline %{base|%Y-%m-%d} → +%{x}ms<extra></extra>",
    )
    forecast = go.Bar(
        name="Forecast",
        y=labels,
        base=[r.initiative.baseline_start.isoformat() for r in rows],
        x=[
            (
                (r.initiative.forecast_end or r.initiative.baseline_end)
                - r.initiative.baseline_start
                + timedelta(days=1)
            ).days
            * 86_400_000
            for r in rows
        ],
        orientation="h",
        marker={"color": [RAG_COLOURS.get(r.rag, "#1f4e79") for r in rows]},
        offsetgroup="forecast",
        customdata=[
            [r.initiative.get_approach_display(), r.slip if r.slip is not None else "—"] for r in rows
        ],
        hovertemplate="%{y}<br>%{customdata[0]}<br>slip %{customdata[1]} days<extra></extra>",
    )
    fig = go.Figure([base, forecast])
    _layout(fig, "Baseline vs forecast (colour: RAG)", 120 + 34 * len(rows))
    fig.update_layout(
        barmode="group", xaxis={"type": "date", "gridcolor": "#eef1f6"}, yaxis={"autorange": "reversed"}
    )
    return _html(fig)


def velocity(sprints) -> str:
    """Committed vs done points per sprint."""
    sprints = list(sprints)
    if not sprints:
        return ""
    names = [s.name for s in sprints]
    committed = [s.committed_points if s.status != "planned" else s.planned_points for s in sprints]
    done = [s.completed_points if s.status == "closed" else s.done_points for s in sprints]
    fig = go.Figure(
        [
            go.Bar(name="Committed", x=names, y=committed, marker={"color": "#9aa5b8"}),
            go.Bar(name="Done", x=names, y=done, marker={"color": "#1f4e79"}),
        ]
    )
    _layout(fig, "Sprints: committed vs done (points)", 320)
    fig.update_layout(margin={"l": 50, "r": 20, "t": 50, "b": 40}, barmode="group")
    return _html(fig)

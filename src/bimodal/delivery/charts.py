"""Charts of the delivery pages (plotly, rendered as HTML fragments; plotly.js is served locally)."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

from bimodal.core import charts as c

RAG_COLOURS = c.RAG_COLOURS


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
        customdata=[[r.initiative.baseline_end.isoformat()] for r in rows],
        hovertemplate="%{y}<br>baseline %{base|%-d %b %Y} → %{customdata[0]|%-d %b %Y}<extra></extra>",
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
        marker={"color": [RAG_COLOURS.get(r.rag, c.MODE1_COLOUR) for r in rows]},
        offsetgroup="forecast",
        customdata=[
            [r.initiative.get_approach_display(), r.slip if r.slip is not None else "—"] for r in rows
        ],
        hovertemplate="%{y}<br>%{customdata[0]}<br>slip %{customdata[1]} days<extra></extra>",
    )
    fig = go.Figure([base, forecast])
    c.style(fig, title="Baseline vs forecast (colour: RAG)", height=140 + 34 * len(rows))
    fig.update_layout(
        barmode="group", xaxis={"type": "date", "tickformat": "%b %Y"}, yaxis={"autorange": "reversed"}
    )
    late = [r for r in rows if r.slip]
    return c.to_html(
        fig,
        summary=f"Baseline and forecast of {len(rows)} initiatives on one time line; {len(late)} forecast to "
        "finish after their baseline.",
        table=(
            [
                "Initiative",
                "Approach",
                "Baseline start",
                "Baseline end",
                "Forecast end",
                "Slip (days)",
                "RAG",
            ],
            [
                [
                    label,
                    r.initiative.get_approach_display(),
                    r.initiative.baseline_start.isoformat(),
                    r.initiative.baseline_end.isoformat(),
                    (r.initiative.forecast_end or r.initiative.baseline_end).isoformat(),
                    r.slip,
                    (r.rag or "").capitalize() or None,
                ]
                for label, r in zip(labels, rows, strict=True)
            ],
        ),
    )


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
            go.Bar(name="Committed", x=names, y=committed, marker={"color": c.SKY}),
            go.Bar(name="Done", x=names, y=done, marker={"color": c.BLUE}),
        ]
    )
    c.style(fig, title="Sprints: committed vs done (points)", height=320)
    fig.update_layout(barmode="group")
    c.count_axis(fig, values=[*committed, *done], title="Points")
    return c.to_html(
        fig,
        summary=f"{len(names)} sprints: {sum(v or 0 for v in done):,} of {sum(v or 0 for v in committed):,} "
        "committed points done.",
        table=(["Sprint", "Committed", "Done"], [list(t) for t in zip(names, committed, done, strict=True)]),
    )

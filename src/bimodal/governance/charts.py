"""Charts of the governance pages (plotly, rendered as HTML fragments; plotly.js is served locally)."""

from __future__ import annotations

import plotly.graph_objects as go

from bimodal.core import charts as c


def bureaucracy_chart(rows, *, colours: dict[str, str] | None = None) -> str:
    """Grouped bars: median approval lead time (hours) per decision type, one bar per mode in the mode's
    colour (`colours` by mode key; rows without a mode in grey)."""
    if not rows:
        return ""
    modes = sorted({row.mode_label for row in rows})
    fig = go.Figure()
    for mode in modes:
        mine = [r for r in rows if r.mode_label == mode]
        key = mine[0].mode
        fig.add_bar(
            name=mode,
            marker_color=c.mode_colour(colours[key]) if colours and key in colours else c.MUTED,
            x=[r.decision_label for r in mine],
            y=[r.median_lead_hours or 0 for r in mine],
            customdata=[[r.mean_steps or 0, r.requests] for r in mine],
            hovertemplate="%{x}<br>median lead %{y} h<br>mean steps %{customdata[0]}"
            "<br>requests %{customdata[1]}<extra>" + mode + "</extra>",
        )
    c.style(fig, title="Median approval lead time (hours) by decision type and mode", height=400)
    fig.update_layout(
        barmode="group",
        xaxis={"tickangle": -30},
        yaxis={"title": {"text": "Hours"}, "rangemode": "tozero", "tickformat": ",.0f"},
    )
    return c.to_html(
        fig,
        summary=f"Median hours from request to decision for {len({r.decision_label for r in rows})} decision "
        f"types, one bar per mode ({', '.join(modes)}).",
        table=(
            ["Decision type", "Mode", "Requests", "Median lead (hours)", "Mean steps"],
            [[r.decision_label, r.mode_label, r.requests, r.median_lead_hours, r.mean_steps] for r in rows],
        ),
    )

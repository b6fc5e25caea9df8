"""Charts of the governance pages (plotly, rendered as HTML fragments; plotly.js is served locally)."""

from __future__ import annotations

import plotly.graph_objects as go

from bimodal.core import charts as pio

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#2b3445"}
_CONFIG = {"displaylogo": False, "responsive": True}


def bureaucracy_chart(rows) -> str:
    """Grouped bars: median approval lead time (hours) per decision type, one bar group per mode."""
    if not rows:
        return ""
    modes = sorted({row.mode_label for row in rows})
    fig = go.Figure()
    for mode in modes:
        mine = [r for r in rows if r.mode_label == mode]
        fig.add_bar(
            name=mode,
            x=[r.decision_label for r in mine],
            y=[r.median_lead_hours or 0 for r in mine],
            customdata=[[r.mean_steps or 0, r.requests] for r in mine],
            hovertemplate="%{x}<br>median lead %{y} h<br>mean steps %{customdata[0]}"
            "<br>requests %{customdata[1]}<extra>" + mode + "</extra>",
        )
    fig.update_layout(
        template="none",
        barmode="group",
        title={"text": "Median approval lead time (hours) by decision type and mode", "font": {"size": 14}},
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 90},
        font=_FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": -0.3},
        yaxis={"title": "hours", "gridcolor": "#eef1f6"},
    )
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=_CONFIG)

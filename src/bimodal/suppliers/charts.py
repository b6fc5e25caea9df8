"""Scorecard trend charts (plotly, rendered server-side; plotly.js is served from static files)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bimodal.core import charts as pio

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#2b3445"}
_CONFIG = {"displaylogo": False, "responsive": True}


def trend(months: list[dict]) -> str:
    """SLA attainment (response, resolution) and tickets resolved, month by month."""
    labels = [m["month"].strftime("%b %Y") for m in months]

    def pct(figures):
        return None if figures.attainment is None else round(100 * figures.attainment, 1)

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(x=labels, y=[m["resolved"] for m in months], name="Resolved", marker_color="#c9d3e3"),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[pct(m["response"]) for m in months],
            name="Response SLA %",
            mode="lines+markers",
            line={"color": "#14213d"},
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[pct(m["resolution"]) for m in months],
            name="Resolution SLA %",
            mode="lines+markers",
            line={"color": "#e07a1f"},
        ),
        secondary_y=False,
    )
    fig.update_layout(
        template="none",
        height=320,
        margin={"l": 50, "r": 50, "t": 20, "b": 40},
        font=_FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_yaxes(title_text="SLA attained (%)", range=[0, 105], secondary_y=False, gridcolor="#eef1f6")
    fig.update_yaxes(title_text="Tickets resolved", secondary_y=True, rangemode="tozero", showgrid=False)
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=_CONFIG)


def resolution_times(months: list[dict]) -> str:
    """Median and 90th-percentile resolution time (business hours), month by month."""
    labels = [m["month"].strftime("%b %Y") for m in months]

    def hours(v):
        return None if v is None else round(v / 3600, 2)

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[hours(m["resolution"].median) for m in months],
            name="Median",
            mode="lines+markers",
            line={"color": "#14213d"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=[hours(m["resolution"].p90) for m in months],
            name="90th percentile",
            mode="lines+markers",
            line={"color": "#e07a1f", "dash": "dot"},
        )
    )
    fig.update_layout(
        template="none",
        height=280,
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        font=_FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": -0.25},
        yaxis={"title": "Business hours", "rangemode": "tozero", "gridcolor": "#eef1f6"},
    )
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=_CONFIG)

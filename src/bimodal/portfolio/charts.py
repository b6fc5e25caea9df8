"""Charts of the portfolio pages, built with plotly in Python and rendered as HTML fragments."""

from __future__ import annotations

import plotly.graph_objects as go

from bimodal.core import charts as pio
from bimodal.portfolio.assessment import quadrant

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#2b3445"}
_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}

MAP_QUADRANTS = [
    # (x, y, label) — x = cost of change, y = demand for change
    (75, 25, "Heritage — stabilise (Mode 1)"),
    (25, 75, "Digital — accelerate (Mode 2)"),
    (75, 75, "Pressure — modernise, then move"),
    (25, 25, "Commodity — standardise or buy"),
]
TIME_QUADRANTS = [
    # (x, y, label) — x = technical fit, y = functional fit
    (75, 75, "Invest"),
    (25, 75, "Migrate"),
    (75, 25, "Tolerate"),
    (25, 25, "Eliminate"),
]


def _html(fig: go.Figure) -> str:
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=_CONFIG)


def _layout(fig: go.Figure, title: str, x: str, y: str, quadrants) -> None:
    fig.update_layout(
        template="none",
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        height=520,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        font=_FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": -0.12},
        xaxis={"title": x, "range": [-5, 105], "zeroline": False, "gridcolor": "#eef1f6"},
        yaxis={"title": y, "range": [-5, 105], "zeroline": False, "gridcolor": "#eef1f6"},
        shapes=[
            {
                "type": "line",
                "x0": 50,
                "x1": 50,
                "y0": -5,
                "y1": 105,
                "line": {"color": "#9aa5b8", "dash": "dot"},
            },
            {
                "type": "line",
                "x0": -5,
                "x1": 105,
                "y0": 50,
                "y1": 50,
                "line": {"color": "#9aa5b8", "dash": "dot"},
            },
        ],
        annotations=[
            {"x": qx, "y": qy, "text": label, "showarrow": False, "opacity": 0.45, "font": {"size": 13}}
            for qx, qy, label in quadrants
        ],
    )


def portfolio_map(points: list[dict]) -> str:
    """Cost of change × demand for change, one trace per current mode; a ring marks a differing recommendation.

    Each point: name, slug, mode (short name), colour, x, y, recommended (short name), differs."""
    fig = go.Figure()
    modes: dict[str, list[dict]] = {}
    for point in points:
        modes.setdefault(point["mode"], []).append(point)
    for mode, rows in modes.items():
        fig.add_trace(
            go.Scatter(
                name=f"Now {mode}",
                x=[r["x"] for r in rows],
                y=[r["y"] for r in rows],
                mode="markers+text",
                text=[r["name"] for r in rows],
                textposition="top center",
                textfont={"size": 10},
                marker={
                    "size": 13,
                    "color": rows[0]["colour"],
                    "line": {"width": [3 if r["differs"] else 0 for r in rows], "color": "#d9480f"},
                    "symbol": ["diamond" if r["differs"] else "circle" for r in rows],
                },
                customdata=[[r["recommended"], quadrant(r["x"], r["y"])] for r in rows],
                hovertemplate="<b>%{text}</b><br>cost of change %{x:.0f} · demand %{y:.0f}"
                "<br>recommended: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            )
        )
    if any(p["differs"] for p in points):
        fig.add_trace(
            go.Scatter(
                name="Recommendation differs",
                x=[None],
                y=[None],
                mode="markers",
                marker={
                    "size": 13,
                    "symbol": "diamond",
                    "color": "#fff",
                    "line": {"width": 3, "color": "#d9480f"},
                },
            )
        )
    _layout(fig, "Portfolio map", "Cost of change", "Demand for change", MAP_QUADRANTS)
    return _html(fig)


def time_map(points: list[dict]) -> str:
    """Technical fit × functional fit with the TIME quadrants."""
    fig = go.Figure(
        go.Scatter(
            x=[p["technical_fit"] for p in points],
            y=[p["functional_fit"] for p in points],
            mode="markers+text",
            text=[p["name"] for p in points],
            textposition="top center",
            textfont={"size": 10},
            marker={"size": 12, "color": [p["colour"] for p in points]},
            hovertemplate="<b>%{text}</b><br>technical fit %{x:.0f} · functional fit %{y:.0f}<extra></extra>",
            showlegend=False,
        )
    )
    _layout(
        fig, "TIME: tolerate, invest, migrate, eliminate", "Technical fit", "Functional fit", TIME_QUADRANTS
    )
    return _html(fig)

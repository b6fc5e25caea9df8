"""Charts of the insights pages (plotly figures rendered as HTML fragments; the page loads plotly.js)."""

from __future__ import annotations

import plotly.graph_objects as go

from bimodal.core import charts as pio

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#2b3445"}
_CONFIG = {"displaylogo": False, "responsive": True}


def _html(fig: go.Figure, title: str, height: int = 320) -> str:
    fig.update_layout(
        template="none",
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        font=_FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": -0.2},
    )
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=_CONFIG)


def trend(weeks: list[dict]) -> str:
    """Weekly deployments and changes (bars) with failure / success rates (lines)."""
    x = [str(w["week"]) for w in weeks]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=x, y=[w["deployments"] for w in weeks], name="Production deployments", marker_color="#2a9d8f"
        )
    )
    fig.add_trace(
        go.Bar(x=x, y=[w["changes"] for w in weeks], name="Changes finished", marker_color="#1f4e79")
    )
    fig.add_trace(
        go.Bar(x=x, y=[w["incidents"] for w in weeks], name="Incidents opened", marker_color="#e76f51")
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[w["failure_rate"] for w in weeks],
            name="Deployment failure rate",
            yaxis="y2",
            mode="lines+markers",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[w["success_rate"] for w in weeks],
            name="Change success rate",
            yaxis="y2",
            mode="lines+markers",
        )
    )
    fig.update_layout(
        barmode="group",
        yaxis={"title": "count", "gridcolor": "#eef1f6"},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "tickformat": ".0%"},
    )
    return _html(fig, "Weekly trend")


def portfolio(modes: list[dict]) -> str:
    fig = go.Figure(
        go.Pie(
            labels=[m["short_name"] or m["name"] for m in modes],
            values=[m["live"] for m in modes],
            marker={"colors": [m["colour"] for m in modes]},
            hole=0.5,
        )
    )
    return _html(fig, "Live services by mode", height=280)


def heatmap(steps: list[dict], stages: list[dict], *, business: bool = False) -> str:
    """Median hours of each step (from stage → to stage); the bottleneck row stands out by colour."""
    key = "p50_business" if business else "p50_wall"
    names = sorted({s["source"] for s in steps} | {s["target"] for s in steps})
    index = {n: i for i, n in enumerate(names)}
    z = [[None] * len(names) for _ in names]
    text = [[""] * len(names) for _ in names]
    for s in steps:
        i, j = index[s["source"]], index[s["target"]]
        z[i][j] = round(s[key] / 3600, 2)
        text[i][j] = (
            f"n={s['count']}<br>p50 {s[key] / 3600:.1f} h<br>p90 {s[key.replace('p50', 'p90')] / 3600:.1f} h"
        )
    fig = go.Figure(
        go.Heatmap(
            z=z, x=names, y=names, text=text, hoverinfo="text", colorscale="YlOrRd", colorbar={"title": "h"}
        )
    )
    fig.update_layout(
        xaxis={"title": "to", "automargin": True, "tickangle": -45},
        yaxis={"title": "from", "autorange": "reversed", "automargin": True},
    )
    # One row per state: long state names need room, so the chart grows with them.
    return _html(
        fig,
        "Median hours per step (" + ("business" if business else "wall clock") + ")",
        height=max(460, 180 + 22 * len(names)),
    )


def stage_bars(stages: list[dict], bottleneck: str | None) -> str:
    names = [s["stage"] for s in stages]
    colours = ["#d62828" if n == bottleneck else "#457b9d" for n in names]
    fig = go.Figure()
    # Horizontal bars keep the stage names readable.
    fig.add_trace(
        go.Bar(
            y=names,
            x=[s["p50_wall"] / 3600 for s in stages],
            name="median",
            orientation="h",
            marker_color=colours,
        )
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[s["p90_wall"] / 3600 for s in stages],
            name="p90",
            orientation="h",
            marker_color="#a8dadc",
        )
    )
    fig.update_layout(
        barmode="group",
        xaxis={"title": "hours", "gridcolor": "#eef1f6"},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return _html(fig, "Time in each stage (wall clock)", height=max(320, 120 + 28 * len(names)))


def maturity_radar(scores: list, previous: list | None = None) -> str:
    names = [s.area.name for s in scores]
    fig = go.Figure()
    fig.add_trace(
        go.Scatterpolar(
            r=[s.target for s in scores] + [scores[0].target],
            theta=[*names, names[0]],
            name="Target",
            line={"dash": "dot"},
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            r=[s.score for s in scores] + [scores[0].score],
            theta=[*names, names[0]],
            name="Score",
            fill="toself",
        )
    )
    if previous:
        fig.add_trace(
            go.Scatterpolar(
                r=[p.score for p in previous] + [previous[0].score],
                theta=[*[p.area.name for p in previous], previous[0].area.name],
                name="Previous",
            )
        )
    fig.update_layout(polar={"radialaxis": {"range": [0, 5], "dtick": 1}})
    return _html(fig, "Maturity against target", height=420)


def maturity_bars(scores: list) -> str:
    names = [s.area.name for s in scores]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=[s.score for s in scores], name="Score", marker_color="#1f4e79"))
    fig.add_trace(go.Bar(x=names, y=[s.target for s in scores], name="Target", marker_color="#c9d6e8"))
    fig.update_layout(barmode="group", yaxis={"range": [0, 5], "dtick": 1})
    return _html(fig, "Score and target by capability area", height=360)

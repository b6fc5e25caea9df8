"""Charts of the insights pages: plotly figures finished with the shared look of `core.charts`."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bimodal.core import charts as c
from bimodal.insights.metrics.valuestream import stage_label


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str | None:
    return None if value is None else f"{value:,.1f} h"


def trend(weeks: list[dict]) -> str:
    """Weekly deployments, changes and incidents (bars) with failure / success rates (lines, right axis)."""
    x = [w["week"].isoformat() for w in weeks]
    fig = go.Figure()
    for key, name, colour in (
        ("deployments", "Production deployments", c.GREEN),
        ("changes", "Changes finished", c.BLUE),
        ("incidents", "Incidents opened", c.VERMILLION),
    ):
        fig.add_trace(go.Bar(x=x, y=[w[key] for w in weeks], name=name, marker_color=colour))
    for key, name, colour in (
        ("failure_rate", "Deployment failure rate", c.PURPLE),
        ("success_rate", "Change success rate", c.BLACK),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[w[key] for w in weeks],
                name=name,
                yaxis="y2",
                mode="lines+markers",
                line={"color": colour},
                hovertemplate="%{y:.0%}",
            )
        )
    c.style(fig, title="Weekly trend", height=360)
    fig.update_layout(barmode="group")
    c.week_axis(fig, [w["week"] for w in weeks])
    c.count_axis(
        fig, values=[w[k] for w in weeks for k in ("deployments", "changes", "incidents")], title="Count"
    )
    c.percent_axis(fig, "yaxis2", title="Rate")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False})
    total = (
        sum(w["deployments"] for w in weeks),
        sum(w["changes"] for w in weeks),
        sum(w["incidents"] for w in weeks),
    )
    return c.to_html(
        fig,
        summary=f"Over {len(weeks)} weeks: {total[0]:,} production deployments, {total[1]:,} changes finished "
        f"and {total[2]:,} incidents opened, with the weekly deployment failure and change success rates.",
        table=(
            [
                "Week of",
                "Deployments",
                "Changes finished",
                "Incidents",
                "Deployment failure rate",
                "Change success rate",
            ],
            [
                [
                    w["week"].isoformat(),
                    w["deployments"],
                    w["changes"],
                    w["incidents"],
                    _pct(w["failure_rate"]),
                    _pct(w["success_rate"]),
                ]
                for w in weeks
            ],
        ),
    )


def operations(weeks: list[dict]) -> str:
    """Mode 1 operations week by week: change success, emergency changes, SLA attainment, MTTR."""
    x = [w["week"].isoformat() for w in weeks]
    fig = make_subplots(
        rows=2,
        cols=2,
        shared_xaxes=True,
        vertical_spacing=0.2,
        horizontal_spacing=0.1,
        subplot_titles=["Change success rate", "Emergency-change ratio", "SLA attainment", "MTTR (hours)"],
    )
    for (row, col), key, colour in (
        ((1, 1), "success_rate", c.BLUE),
        ((1, 2), "emergency_ratio", c.VERMILLION),
        ((2, 1), "sla_attainment", c.GREEN),
        ((2, 2), "mttr_hours", c.PURPLE),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[w[key] for w in weeks],
                mode="lines+markers",
                line={"color": colour},
                connectgaps=False,
                hovertemplate="%{y:.1f} h<extra></extra>"
                if key == "mttr_hours"
                else "%{y:.0%}<extra></extra>",
            ),
            row=row,
            col=col,
        )
    c.style(fig, height=480, legend=False)
    # Subplot titles sit above each plot: the top row's need room under the figure's edge.
    fig.update_layout(margin={"t": 36})
    for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4"):
        c.week_axis(fig, [w["week"] for w in weeks], axis)
    for axis in ("yaxis", "yaxis2", "yaxis3"):
        c.percent_axis(fig, axis)
    mttr = [w["mttr_hours"] for w in weeks if w["mttr_hours"] is not None]
    fig.update_layout(yaxis4={"rangemode": "tozero", "tickformat": ",.0f", "title": {"text": ""}})
    if mttr:
        fig.update_layout(yaxis4={"dtick": c.nice_step(max(mttr), 4)})
    finished = sum(w["finished"] for w in weeks)
    completed = sum(w["completed"] for w in weeks)
    return c.to_html(
        fig,
        summary=f"Week by week over {len(weeks)} weeks: {completed:,} of {finished:,} finished changes succeeded; "
        "the share of emergency changes, SLA clocks met and the mean time to restore incidents.",
        table=(
            [
                "Week of",
                "Change success rate",
                "Emergency-change ratio",
                "SLA attainment",
                "MTTR",
                "Incidents resolved",
            ],
            [
                [
                    w["week"].isoformat(),
                    _pct(w["success_rate"]),
                    _pct(w["emergency_ratio"]),
                    _pct(w["sla_attainment"]),
                    _hours(w["mttr_hours"]),
                    w["resolved"],
                ]
                for w in weeks
            ],
        ),
    )


def portfolio(modes: list[dict]) -> str:
    """Live services by mode as a ring, in the modes' colours."""
    names = [m["short_name"] or m["name"] for m in modes]
    fig = go.Figure(
        go.Pie(
            labels=names,
            values=[m["live"] for m in modes],
            marker={"colors": [c.mode_colour(m["colour"]) for m in modes]},
            hole=0.5,
            sort=False,
            textinfo="value",
            insidetextfont={"color": "#fff"},
            hovertemplate="%{label}: %{value} live services<extra></extra>",
        )
    )
    c.style(fig, title="Live services by mode", height=300)
    return c.to_html(
        fig,
        summary="Live services: "
        + ", ".join(f"{n} {m['live']}" for n, m in zip(names, modes, strict=True))
        + ".",
    )


def heatmap(steps: list[dict], stages: list[dict], *, business: bool = False) -> str:
    """Median hours of each step (from stage → to stage) as a stage × stage grid with human stage names."""
    key = "p50_business" if business else "p50_wall"
    keys = sorted({s["source"] for s in steps} | {s["target"] for s in steps})
    names = [stage_label(k) for k in keys]
    index = {k: i for i, k in enumerate(keys)}
    z: list[list[float | None]] = [[None] * len(keys) for _ in keys]
    counts: list[list[int | None]] = [[None] * len(keys) for _ in keys]
    for s in steps:
        i, j = index[s["source"]], index[s["target"]]
        z[i][j] = round(s[key] / 3600, 2)
        counts[i][j] = s["count"]
    clock = "business" if business else "wall-clock"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            customdata=counts,
            xgap=1,
            ygap=1,
            colorscale="Cividis",
            reversescale=False,
            hoverongaps=False,
            colorbar={"title": {"text": f"Median<br>{clock}<br>hours", "side": "top"}, "thickness": 14},
            hovertemplate="From %{y}<br>to %{x}<br>median %{z:.1f} h<br>%{customdata} steps<extra></extra>",
        )
    )
    c.style(
        fig, title=f"Median {clock} hours from one stage to the next", height=max(460, 220 + 26 * len(names))
    )
    fig.update_layout(
        xaxis={"title": {"text": "To stage"}, "tickangle": -30, "side": "bottom"},
        yaxis={"title": {"text": "From stage"}, "autorange": "reversed"},
    )
    slowest = max(steps, key=lambda s: s[key], default=None)
    summary = f"{len(steps)} kinds of step between {len(names)} stages."
    if slowest:
        summary += (
            f" The slowest is {stage_label(slowest['source'])} → {stage_label(slowest['target'])}, "
            f"median {slowest[key] / 3600:,.1f} {clock} hours."
        )
    return c.to_html(
        fig,
        wide=True,
        summary=summary,
        table=(
            ["From", "To", "Steps", f"Median ({clock} hours)"],
            [
                [stage_label(s["source"]), stage_label(s["target"]), s["count"], f"{s[key] / 3600:,.1f}"]
                for s in steps
            ],
        ),
    )


def stage_bars(stages: list[dict], bottleneck: str | None) -> str:
    """Median and 90th-percentile time in each stage; the bottleneck's median bar in vermillion."""
    names = [stage_label(s["stage"]) for s in stages]
    colours = [c.VERMILLION if s["stage"] == bottleneck else c.BLUE for s in stages]
    fig = go.Figure()
    # Horizontal bars keep the stage names readable.
    fig.add_trace(
        go.Bar(
            y=names,
            x=[s["p50_wall"] / 3600 for s in stages],
            name="Median",
            orientation="h",
            marker_color=colours,
        )
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[s["p90_wall"] / 3600 for s in stages],
            name="90th percentile",
            orientation="h",
            marker_color=c.SKY,
        )
    )
    c.style(fig, title="Hours in each stage (wall clock)", height=max(340, 140 + 30 * len(names)))
    fig.update_layout(
        barmode="group",
        xaxis={"title": {"text": "Hours"}, "tickformat": ",.0f"},
        yaxis={"autorange": "reversed"},
    )
    summary = f"Time spent in each of {len(names)} stages."
    if bottleneck:
        summary += f" The bottleneck (most time in total) is {stage_label(bottleneck)}."
    return c.to_html(fig, summary=summary)


def _wrap(name: str, width: int = 14) -> str:
    """A long name on two lines (at the space nearest the middle), for labels round a radar."""
    if len(name) <= width or " " not in name:
        return name
    middle = len(name) // 2
    cut = min((i for i, ch in enumerate(name) if ch == " "), key=lambda i: abs(i - middle))
    return name[:cut] + "<br>" + name[cut + 1 :]


def maturity_radar(scores: list, previous: list | None = None) -> str:
    """Score, target and the previous score of each capability area on a 0–5 radar."""
    names = [_wrap(s.area.name) for s in scores]
    fig = go.Figure()
    fig.add_trace(
        go.Scatterpolar(
            r=[s.target for s in scores] + [scores[0].target],
            theta=[*names, names[0]],
            name="Target",
            line={"dash": "dot", "color": c.BLACK},
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            r=[s.score for s in scores] + [scores[0].score],
            theta=[*names, names[0]],
            name="Score",
            fill="toself",
            line={"color": c.BLUE},
        )
    )
    if previous:
        fig.add_trace(
            go.Scatterpolar(
                r=[p.score for p in previous] + [previous[0].score],
                theta=[*[_wrap(p.area.name) for p in previous], _wrap(previous[0].area.name)],
                name="Previous",
                line={"color": c.ORANGE},
            )
        )
    c.style(fig, title="Maturity against target", height=460)
    # The polar domain leaves room at the sides for the area names, which plotly does not auto-fit.
    fig.update_layout(
        polar={
            "radialaxis": {"range": [0, 5], "dtick": 1, "tickformat": ",d", "angle": 90, "tickangle": 90},
            "angularaxis": {"tickfont": {"size": 11}, "direction": "clockwise"},
            "domain": {"x": [0.2, 0.8], "y": [0.1, 0.9]},
        },
    )
    return c.to_html(fig, summary=_maturity_summary(scores))


def _maturity_summary(scores: list) -> str:
    below = [s.area.name for s in scores if s.score < s.target]
    text = f"Scores of {len(scores)} capability areas on a scale of 0 to 5 against their targets."
    return text + (f" Below target: {', '.join(below)}." if below else " Every area meets its target.")


def maturity_bars(scores: list) -> str:
    """Score and target per capability area as grouped bars."""
    names = [s.area.name for s in scores]
    fig = go.Figure()
    # Horizontal bars keep the area names readable however narrow the column.
    fig.add_trace(
        go.Bar(y=names, x=[s.score for s in scores], name="Score", orientation="h", marker_color=c.BLUE)
    )
    fig.add_trace(
        go.Bar(y=names, x=[s.target for s in scores], name="Target", orientation="h", marker_color=c.SKY)
    )
    c.style(fig, title="Score and target by capability area", height=max(360, 140 + 34 * len(names)))
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed"})
    c.scale_axis(fig, "xaxis", low=0, high=5, step=1, title="Score")
    return c.to_html(
        fig,
        summary=_maturity_summary(scores),
        table=(["Capability area", "Score", "Target"], [[s.area.name, s.score, s.target] for s in scores]),
    )

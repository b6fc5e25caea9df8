"""Charts of the portfolio pages, built with plotly in Python and rendered as HTML fragments."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import plotly.graph_objects as go

from bimodal.core import charts as c
from bimodal.portfolio.assessment import quadrant

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


def _layout(fig: go.Figure, title: str, x: str, y: str, quadrants) -> None:
    """The shared look, 0–100 axes and the quadrant lines; quadrant names sit in the corners, clear of points."""
    c.style(fig, title=title, height=520)
    fig.update_layout(
        xaxis={"title": {"text": x}, "range": [-5, 105], "tick0": 0, "dtick": 25, "tickformat": ",d"},
        yaxis={"title": {"text": y}, "range": [-5, 105], "tick0": 0, "dtick": 25, "tickformat": ",d"},
        shapes=[
            {
                "type": "line",
                "x0": 50,
                "x1": 50,
                "y0": 0,
                "y1": 100,
                "line": {"color": c.MUTED, "dash": "dot"},
            },
            {
                "type": "line",
                "x0": 0,
                "x1": 100,
                "y0": 50,
                "y1": 50,
                "line": {"color": c.MUTED, "dash": "dot"},
            },
        ],
        annotations=[
            {
                "x": 105 if qx > 50 else -5,
                "y": 105 if qy > 50 else -5,
                "xanchor": "right" if qx > 50 else "left",
                "yanchor": "top" if qy > 50 else "bottom",
                "text": label,
                "showarrow": False,
                "font": {"size": 12, "color": "#5a6578"},
            }
            for qx, qy, label in quadrants
        ],
    )


def _table(points: list[dict], x: str, y: str, xlabel: str, ylabel: str, extra=()) -> tuple:
    return (
        ["Service", xlabel, ylabel, *[e[1] for e in extra]],
        [[p["name"], f"{p[x]:.0f}", f"{p[y]:.0f}", *[p[e[0]] for e in extra]] for p in points],
    )


def portfolio_map(points: list[dict]) -> str:
    """Cost of change × demand for change, one trace per current mode; a black-ringed diamond marks a service
    whose recommended mode differs.
    Names show on hover (labels on the points would collide) and in the data table.

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
                mode="markers",
                text=[r["name"] for r in rows],
                marker={
                    "size": 13,
                    "color": c.mode_colour(rows[0]["colour"]),
                    "line": {
                        "width": [3 if r["differs"] else 1 for r in rows],
                        "color": [c.BLACK if r["differs"] else "#fff" for r in rows],
                    },
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
                    "line": {"width": 3, "color": c.BLACK},
                },
            )
        )
    _layout(fig, "Portfolio map", "Cost of change", "Demand for change", MAP_QUADRANTS)
    differs = sum(1 for p in points if p["differs"])
    return c.to_html(
        fig,
        summary=f"{len(points)} services placed by cost of change (across) and demand for change (up); "
        f"{differs} sit in a different mode from the one recommended. Point at a service to see its name.",
        table=_table(
            points,
            "x",
            "y",
            "Cost of change",
            "Demand for change",
            [("mode", "Mode now"), ("recommended", "Recommended")],
        ),
    )


def time_map(points: list[dict]) -> str:
    """Technical fit × functional fit with the TIME quadrants."""
    fig = go.Figure(
        go.Scatter(
            x=[p["technical_fit"] for p in points],
            y=[p["functional_fit"] for p in points],
            mode="markers",
            text=[p["name"] for p in points],
            marker={
                "size": 12,
                "color": [c.mode_colour(p["colour"]) for p in points],
                "line": {"width": 1, "color": "#fff"},
            },
            hovertemplate="<b>%{text}</b><br>technical fit %{x:.0f} · functional fit %{y:.0f}<extra></extra>",
            showlegend=False,
        )
    )
    _layout(
        fig, "TIME: tolerate, invest, migrate, eliminate", "Technical fit", "Functional fit", TIME_QUADRANTS
    )
    return c.to_html(
        fig,
        summary=f"{len(points)} services placed by technical fit (across) and functional fit (up) in the "
        "quadrants tolerate, invest, migrate and eliminate. Point at a service to see its name.",
        table=_table(points, "technical_fit", "functional_fit", "Technical fit", "Functional fit"),
    )


# Tier colours run from alarm (tier 0) to calm (tier 3); lifecycle colours from new to old.
TIERS = [
    ("tier0", "Tier 0 · mission critical", c.VERMILLION),
    ("tier1", "Tier 1 · business critical", c.ORANGE),
    ("tier2", "Tier 2 · operational", c.BLUE),
    ("tier3", "Tier 3 · administrative", c.SKY),
]
LIFECYCLES = [
    ("in_development", "Proposed / in build", c.SKY),
    ("live", "Live", c.GREEN),
    ("sunsetting", "Sunsetting / retired", c.MUTED),
]


def stacked_bar(by_mode: list[dict], series: list[tuple[str, str, str]], title: str) -> str:
    """A stacked bar per mode, one segment per series (key, label, colour).

    The chart is a pure function of the counts it shows, and building it through plotly's validated
    figure objects costs ~15 ms of CPU: the home page asks for the same few (one per set of counts a user
    sees), so the rendered HTML is kept per exact input, in this process."""
    keys = ("mode__short_name", "mode__name", *(key for key, _, _ in series))
    return _stacked_bar(tuple(tuple(row[key] for key in keys) for row in by_mode), tuple(series), title)


@functools.lru_cache(maxsize=256)
def _stacked_bar(rows: tuple[tuple, ...], series: tuple[tuple[str, str, str], ...], title: str) -> str:
    keys = ("mode__short_name", "mode__name", *(key for key, _, _ in series))
    by_mode = [dict(zip(keys, row, strict=True)) for row in rows]
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
    c.style(fig, title=title, height=320)
    fig.update_layout(barmode="stack", bargap=0.45, legend={"traceorder": "normal", "font": {"size": 11}})
    totals = [sum(row[key] for key, _, _ in series) for row in by_mode]
    c.count_axis(fig, values=totals, title="Services")
    return c.to_html(
        fig,
        summary=f"{title}, per mode.",
        table=(
            ["Mode", *[label for _, label, _ in series]],
            [[m, *[row[key] for key, _, _ in series]] for m, row in zip(modes, by_mode, strict=True)],
        ),
    )


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def dependency_graph(service, depends_on: list, blast: list[tuple], edges: Iterable) -> str:
    """The service's dependencies and blast radius as a layered graph: what it depends on in the left
    column, the service, then one column per hop of services that depend on it (hop 1 directly, hop 2
    through one service in between…); edges as lines, nodes in their mode's colour, names under them."""
    column: dict[int, int] = {service.pk: 0}
    nodes: dict[int, object] = {service.pk: service}
    for edge in depends_on:
        if edge.target_id not in column:
            column[edge.target_id], nodes[edge.target_id] = -1, edge.target
    for other, hop in blast:
        column[other.pk], nodes[other.pk] = hop, other
    by_column: dict[int, list[int]] = {}
    for pk in nodes:
        by_column.setdefault(column[pk], []).append(pk)
    tallest = max(len(v) for v in by_column.values())
    position: dict[int, tuple[float, float]] = {}
    for col, pks in by_column.items():
        pks.sort(key=lambda pk: nodes[pk].name)  # type: ignore[attr-defined]
        for i, pk in enumerate(pks):
            position[pk] = (col, (len(pks) - 1) / 2 - i)
    lines_x: list[float | None] = []
    lines_y: list[float | None] = []
    pairs = [(service.pk, e.target_id) for e in depends_on] + [(e.source_id, e.target_id) for e in edges]
    for a, b in pairs:
        if a not in position or b not in position:
            continue
        (x0, y0), (x1, y1) = position[a], position[b]
        if x0 == x1:
            # Within one column a straight line would run through the names: bow it out to the right.
            bow = x0 + min(0.35, 0.08 * abs(y1 - y0) + 0.1)
            ts = [i / 12 for i in range(13)]
            lines_x += [(1 - t) ** 2 * x0 + 2 * t * (1 - t) * bow + t**2 * x1 for t in ts] + [None]
            lines_y += [(1 - t) ** 2 * y0 + 2 * t * (1 - t) * (y0 + y1) / 2 + t**2 * y1 for t in ts] + [None]
        else:
            lines_x += [x0, x1, None]
            lines_y += [y0, y1, None]
    fig = go.Figure(
        go.Scatter(
            x=lines_x,
            y=lines_y,
            mode="lines",
            line={"color": "#b8c2d3", "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    modes: dict[str, list[int]] = {}
    for pk, node in nodes.items():
        modes.setdefault(node.mode.short_name, []).append(pk)  # type: ignore[attr-defined]
    hop_text = {-1: "it depends on this", 0: "this service"}
    for mode, pks in sorted(modes.items()):
        first = nodes[pks[0]]
        fig.add_trace(
            go.Scatter(
                name=mode,
                x=[position[pk][0] for pk in pks],
                y=[position[pk][1] for pk in pks],
                mode="markers+text",
                text=[_short(nodes[pk].name) for pk in pks],  # type: ignore[attr-defined]
                textposition="bottom center",
                textfont={"size": 11},
                customdata=[
                    [nodes[pk].name, hop_text.get(column[pk], f"hop {column[pk]}")]  # type: ignore[attr-defined]
                    for pk in pks
                ],
                marker={
                    "opacity": 1,
                    "color": c.mode_colour(first.mode.colour),  # type: ignore[attr-defined]
                    "size": [22 if pk == service.pk else 14 for pk in pks],
                    "line": {"width": [3 if pk == service.pk else 1 for pk in pks], "color": c.BLACK},
                },
                hovertemplate="<b>%{customdata[0]}</b><br>" + mode + " · %{customdata[1]}<extra></extra>",
            )
        )
    columns = sorted(by_column)
    names = {-1: "Depends on", 0: "This service"}
    c.style(
        fig, title=f"Dependencies and blast radius of {service.name}", height=max(260, 150 + 56 * tallest)
    )
    fig.update_layout(
        xaxis={
            "tickvals": columns,
            "ticktext": [names.get(col, f"Hop {col}") for col in columns],
            "side": "top",
            "range": [min(columns) - 0.5, max(columns) + 0.5],
            "showgrid": False,
            "fixedrange": True,
        },
        yaxis={"visible": False, "range": [-tallest / 2 - 0.3, tallest / 2], "fixedrange": True},
        dragmode=False,
    )
    direct = sum(1 for _, hop in blast if hop == 1)
    summary = (
        f"{service.name} depends on {len(depends_on)} service{'s' if len(depends_on) != 1 else ''}; "
        f"{len(blast)} service{'s' if len(blast) != 1 else ''} would be affected if it failed, {direct} of them "
        "directly (hop 1). The lists below name them all."
    )
    return c.to_html(fig, summary=summary, config={"displayModeBar": False})

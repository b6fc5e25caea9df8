"""Every chart's look in one place, and plotly figures as HTML without inline script.

Apps build their figures in their own `charts.py` and finish them with `style()` (fonts, margins that grow
to fit the labels, the colour-blind-safe palette, the legend under the plot) and the axis helpers
(`percent_axis`, `count_axis`, `scale_axis`); nothing else sets layout defaults. `to_html()` wraps the
figure in a `<figure>` with a one-sentence summary and an optional data table, the text alternative of
the chart.

The Content-Security-Policy allows scripts from our own origin only, so a chart is data in the page
(`data-figure`, `data-config`) and one static script (static/bimodal/page.js) draws every chart, also
after an htmx swap."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.utils.html import format_html, format_html_join

from bimodal.core.colours import AA_TEXT_CONTRAST, contrast_ratio

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#2b3445"}
GRID = "#e2e7ef"
MUTED = "#9aa5b8"

# Okabe & Ito's palette (2008), distinguishable with every common colour-vision deficiency; every series
# without a colour of its own takes the next one in this order.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BLACK, YELLOW = OKABE_ITO

# Mode colours of charts and badges, dark enough for white text (WCAG AA, at least 4.5:1 on white); the
# same values as the presets and the stylesheet's --bm-mode1 / --bm-mode2.
MODE1_COLOUR = "#1f4e79"  # 8.7:1
MODE2_COLOUR = "#b45309"  # 5.0:1
# The presets' former colours that fail AA (portfolio 0009 moves stored ones), and what charts draw instead.
_AA_MODE_COLOURS = {"#e07a1f": MODE2_COLOUR, "#2e8b57": "#2a7a4f"}
# Red / amber / green status colours (also readable as text on white).
RAG_COLOURS = {"green": "#2e7d32", "amber": "#a65f00", "red": "#c62828"}

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def contrast_on_white(hex_colour: str) -> float:
    """The WCAG contrast ratio of a #rrggbb colour against white."""
    return contrast_ratio(hex_colour, "#ffffff")


def mode_colour(colour: str | None) -> str:
    """The colour a chart draws a mode in: its stored colour, darkened until white text on it passes AA."""
    colour = (colour or MODE1_COLOUR).lower()
    colour = _AA_MODE_COLOURS.get(colour, colour)
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    while contrast_on_white("#{:02x}{:02x}{:02x}".format(*rgb)) < AA_TEXT_CONTRAST:
        rgb = [int(c * 0.9) for c in rgb]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def style(fig: Any, *, title: str = "", height: int = 320, legend: bool = True) -> Any:
    """Apply the shared look: margins that grow to fit tick labels, titles and legend; the palette; the
    legend in a row under the plot; transparent background; points drawn even on the plot's edge."""
    fig.update_layout(
        template="none",
        title={
            "text": title,
            "font": {"size": 14},
            "x": 0,
            "xanchor": "left",
            "automargin": True,
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 6},
        }
        if title
        else None,
        height=height,
        margin={"l": 8, "r": 8, "t": 12, "b": 8, "pad": 2, "autoexpand": True},
        font=FONT,
        colorway=OKABE_ITO,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=legend,
        # Measured from the bottom of the whole figure, so the legend never lands on rotated tick labels.
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yanchor": "bottom",
            "yref": "container",
        },
        hoverlabel={"font": {"family": FONT["family"]}},
    )
    fig.update_xaxes(automargin=True, gridcolor=GRID, zeroline=False, title_standoff=8)
    fig.update_yaxes(automargin=True, gridcolor=GRID, zeroline=False, title_standoff=8)
    fig.update_traces(cliponaxis=False, selector={"type": "scatter"})
    fig.update_traces(cliponaxis=False, selector={"type": "bar"})
    return fig


def _axis(fig: Any, axis: str, settings: dict[str, Any]) -> None:
    fig.update_layout({axis: {"automargin": True, "gridcolor": GRID, "zeroline": False, **settings}})


def percent_axis(fig: Any, axis: str = "yaxis", *, title: str = "") -> None:
    """A 0–100 % axis for values given as fractions (0.87), ticks every 25 %."""
    _axis(
        fig,
        axis,
        {"title": {"text": title}, "range": [0, 1], "tickformat": ".0%", "tick0": 0, "dtick": 0.25},
    )


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 × 10ⁿ) that puts about `ticks` ticks between 0 and `top`."""
    if top <= 0:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def count_axis(
    fig: Any, axis: str = "yaxis", *, values: Iterable[float | None] = (), title: str = ""
) -> None:
    """An axis of whole numbers from zero: integer ticks at a round step, thousands separated."""
    top = max((v for v in values if v is not None), default=0)
    _axis(
        fig,
        axis,
        {
            "title": {"text": title},
            "rangemode": "tozero",
            "tickformat": ",d",
            "tick0": 0,
            "dtick": max(1, nice_step(top)),
        },
    )


def scale_axis(
    fig: Any, axis: str = "yaxis", *, low: float, high: float, step: float, title: str = ""
) -> None:
    """A fixed scale (scores 0–5, ratings 1–4…) with ticks at every `step`."""
    fmt = ",d" if float(step).is_integer() else ",.1f"
    _axis(
        fig,
        axis,
        {"title": {"text": title}, "range": [low, high], "tick0": low, "dtick": step, "tickformat": fmt},
    )


def week_axis(fig: Any, weeks: Sequence[date], axis: str = "xaxis") -> None:
    """A date axis of weeks: ticks on the weeks themselves (every one, or every second… when there are
    many), day and month, with half a week of room at either end so the first label clears the y axis."""
    if not weeks:
        return
    every = math.ceil(len(weeks) / 8)
    _axis(
        fig,
        axis,
        {
            "type": "date",
            "tickformat": "%-d %b",
            "tick0": weeks[0].isoformat(),
            "dtick": every * 7 * 86_400_000,
            "range": [
                (weeks[0] - timedelta(days=4)).isoformat(),
                (weeks[-1] + timedelta(days=4)).isoformat(),
            ],
            "showgrid": False,
        },
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = format_html_join("", "<th scope='col'>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", (("—" if v is None else v,) for v in row)),) for row in rows),
    )
    return str(
        format_html(
            '<details class="bm-chart-data"><summary>Data table</summary>'
            '<div class="table-responsive"><table class="table table-sm mb-0"><thead><tr>{}</tr></thead>'
            "<tbody>{}</tbody></table></div></details>",
            head,
            body,
        )
    )


def to_html(
    fig: Any,
    *,
    summary: str,
    table: tuple[Sequence[str], Iterable[Sequence[Any]]] | None = None,
    config: dict[str, Any] | None = None,
    include_plotlyjs: bool = False,
    full_html: bool = False,
    wide: bool = False,
) -> str:
    """The figure as a `<figure>`: the plot (drawn by page.js; the page loads plotly.js), a caption that says
    in one sentence what it shows, and optionally the figures behind it as a table (headers, rows).
    A `wide` chart (a big grid) keeps a minimum width and scrolls sideways in a narrow column rather than
    squeezing its labels into each other. The caption names the figure for screen readers; the plot carries
    no role of its own (plotly draws focusable controls into it, which an `img` may not hold)."""
    if include_plotlyjs or full_html:
        raise ValueError("Charts are fragments; the page loads plotly.js from static files.")
    # Axes added after style() (a second y axis, subplots) fit their labels too.
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return str(
        format_html(
            '<figure class="{}"><div class="plotly-graph-div bm-plot" '
            'data-figure="{}" data-config="{}"></div><figcaption class="bm-chart-summary">{}</figcaption>'
            "{}</figure>",
            "bm-chart bm-chart-wide" if wide else "bm-chart",
            fig.to_json(),
            json.dumps({**CONFIG, **(config or {})}),
            summary,
            _table(*table) if table else "",
        )
    )

"""Scorecard trend charts: plotly figures finished with the shared look of `core.charts`."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bimodal.core import charts as c


def _labels(months: list[dict]) -> list[str]:
    return [m["month"].strftime("%b %Y") for m in months]


def _months(fig: go.Figure, months: list[dict]) -> None:
    """A date axis of months: one tick per month (or fewer when crowded), month over year."""
    fig.update_xaxes(type="date", tickformat="%b<br>%Y", dtick="M1")


def _x(months: list[dict]) -> list[str]:
    return [m["month"].strftime("%Y-%m-01") for m in months]


def trend(months: list[dict]) -> str:
    """SLA attainment (response, resolution) and tickets resolved, month by month."""
    labels = _labels(months)

    def rate(figures):
        return figures.attainment

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    resolved = [m["resolved"] for m in months]
    fig.add_trace(
        go.Bar(x=_x(months), y=resolved, name="Tickets resolved", marker_color=c.SKY, opacity=0.6),
        secondary_y=True,
    )
    for key, name, colour in (
        ("response", "Response SLA met", c.BLUE),
        ("resolution", "Resolution SLA met", c.VERMILLION),
    ):
        fig.add_trace(
            go.Scatter(
                x=_x(months),
                y=[rate(m[key]) for m in months],
                name=name,
                mode="lines+markers",
                line={"color": colour},
                hovertemplate="%{y:.0%}",
            ),
            secondary_y=False,
        )
    c.style(fig, height=340)
    _months(fig, months)
    c.percent_axis(fig, "yaxis", title="SLA attained")
    c.count_axis(fig, "yaxis2", values=resolved, title="Tickets resolved")
    fig.update_layout(yaxis2={"showgrid": False})

    def pct(v):
        return None if v is None else f"{v:.0%}"

    return c.to_html(
        fig,
        summary=f"Share of response and resolution SLAs met, and tickets resolved, in each of {len(months)} months.",
        table=(
            ["Month", "Response SLA met", "Resolution SLA met", "Tickets resolved"],
            [
                [label, pct(m["response"].attainment), pct(m["resolution"].attainment), m["resolved"]]
                for label, m in zip(labels, months, strict=True)
            ],
        ),
    )


def resolution_times(months: list[dict]) -> str:
    """Median and 90th-percentile resolution time (business hours), month by month."""
    labels = _labels(months)

    def hours(v):
        return None if v is None else round(v / 3600, 2)

    median = [hours(m["resolution"].median) for m in months]
    p90 = [hours(m["resolution"].p90) for m in months]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=_x(months), y=median, name="Median", mode="lines+markers", line={"color": c.BLUE})
    )
    fig.add_trace(
        go.Scatter(
            x=_x(months),
            y=p90,
            name="90th percentile",
            mode="lines+markers",
            line={"color": c.VERMILLION, "dash": "dot"},
        )
    )
    c.style(fig, height=300)
    _months(fig, months)
    top = max((v for v in [*median, *p90] if v is not None), default=0)
    step = c.nice_step(top, 4)
    # Round ticks: whole hours, or half hours when every value is small.
    step = max(step, 0.5) if step < 1 else step
    fig.update_layout(
        yaxis={
            "title": {"text": "Business hours"},
            "rangemode": "tozero",
            "tick0": 0,
            "dtick": step,
            "tickformat": ",d" if float(step).is_integer() else ",.1f",
        }
    )
    return c.to_html(
        fig,
        summary=f"Median and 90th-percentile time to resolve tickets, in business hours, in each of {len(months)} months.",
        table=(
            ["Month", "Median (h)", "90th percentile (h)"],
            [list(t) for t in zip(labels, median, p90, strict=True)],
        ),
    )

"""Charts of the registers pages: plotly figures finished with the shared look of `core.charts`."""

from __future__ import annotations

import plotly.graph_objects as go

from bimodal.core import charts as c


def cost_bars(labels: list[str], totals: list[float], *, title: str, colours: list[str] | None = None) -> str:
    """Cost per label (mode or month) as bars, amounts with thousands separators."""
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=totals,
            marker_color=[c.mode_colour(col) for col in colours] if colours else c.BLUE,
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    c.style(fig, title=title, height=300, legend=False)
    fig.update_layout(yaxis={"title": {"text": "Cost"}, "rangemode": "tozero", "tickformat": ",.0f"})
    return c.to_html(
        fig,
        summary=f"{title}: {sum(totals):,.0f} in total; the largest is {labels[totals.index(max(totals))]}.",
        table=(["", "Cost"], [[label, f"{total:,.0f}"] for label, total in zip(labels, totals, strict=True)]),
    )

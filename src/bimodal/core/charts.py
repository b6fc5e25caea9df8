"""Plotly figures as HTML without inline script: a div carrying the figure, drawn by static/bimodal/page.js.

The Content-Security-Policy allows scripts from our own origin only, so a chart is data in the page
(`data-figure`, `data-config`) and one static script draws every chart, also after an htmx swap."""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html


def to_html(fig: Any, *, include_plotlyjs: bool = False, full_html: bool = False, config: Any = None) -> str:
    """The figure as a `<div class="plotly-graph-div bm-plot">` that page.js draws (the page loads plotly.js)."""
    if include_plotlyjs or full_html:
        raise ValueError("Charts are fragments; the page loads plotly.js from static files.")
    return str(
        format_html(
            '<div class="plotly-graph-div bm-plot" data-figure="{}" data-config="{}"></div>',
            fig.to_json(),
            json.dumps(config or {}),
        )
    )

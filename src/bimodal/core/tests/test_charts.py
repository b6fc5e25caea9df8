"""The shared chart look (core/charts.py) and that the apps' charts use it: axes, palette, labels, text alternative."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from types import SimpleNamespace

import plotly.graph_objects as go
import pytest

from bimodal.core import charts as c


def _figure(rendered: str) -> dict:
    """The figure JSON inside a rendered chart."""
    match = re.search(r'data-figure="([^"]*)"', rendered)
    assert match, rendered[:200]
    return json.loads(html.unescape(match.group(1)))


def test_percent_axis_runs_from_0_to_100_percent_in_round_steps():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[0.5, 1.0]))
    c.percent_axis(fig, title="Rate")
    axis = fig.layout.yaxis
    assert list(axis.range) == [0, 1]
    assert axis.tickformat == ".0%"
    assert (axis.tick0, axis.dtick) == (0, 0.25)


@pytest.mark.parametrize(("top", "step"), [(0, 1), (3, 1), (8, 2), (40, 10), (230, 50), (1800, 500)])
def test_count_axis_has_integer_ticks_at_a_round_step(top, step):
    fig = go.Figure(go.Bar(x=["a", "b"], y=[0, top]))
    c.count_axis(fig, values=[0, top, None])
    axis = fig.layout.yaxis
    assert axis.tickformat == ",d"
    assert axis.dtick == step
    assert axis.rangemode == "tozero"


def test_scale_axis_ticks_are_whole_or_half_steps():
    fig = go.Figure()
    c.scale_axis(fig, low=0, high=5, step=1)
    assert (fig.layout.yaxis.dtick, fig.layout.yaxis.tickformat) == (1, ",d")
    c.scale_axis(fig, low=0, high=2, step=0.5)
    assert fig.layout.yaxis.tickformat == ",.1f"


def test_style_grows_margins_to_fit_labels_and_uses_the_palette():
    fig = c.style(go.Figure(go.Bar(x=["a"], y=[1])), title="T")
    assert fig.layout.xaxis.automargin is True and fig.layout.yaxis.automargin is True
    assert fig.layout.title.automargin is True
    assert list(fig.layout.colorway) == c.OKABE_ITO
    assert fig.layout.margin.autoexpand is True
    # The legend is placed from the figure's bottom edge, below any tick labels.
    assert fig.layout.legend.yref == "container"


def test_mode_colours_pass_aa_contrast_for_white_text():
    assert c.mode_colour("#1f4e79") == c.MODE1_COLOUR
    assert c.mode_colour("#E07A1F") == c.MODE2_COLOUR
    for colour in ("#e07a1f", "#ffcc00", "#2e8b57", "#c0392b", None):
        assert c.contrast_on_white(c.mode_colour(colour)) >= 4.5
    assert c.contrast_on_white(c.MODE2_COLOUR) >= 4.5 > c.contrast_on_white("#e07a1f")


def test_to_html_is_a_figure_with_summary_and_data_table():
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    rendered = c.to_html(fig, summary="One bar <b>", table=(["Name", "Value"], [["a", 1], ["b", None]]))
    assert rendered.startswith('<figure class="bm-chart">')
    assert 'role="img"' not in rendered  # plotly's focusable controls may not sit inside an image
    assert '<figcaption class="bm-chart-summary">One bar &lt;b&gt;</figcaption>' in rendered
    assert "<summary>Data table</summary>" in rendered
    assert "<td>—</td>" in rendered  # a missing value reads as a dash
    config = json.loads(html.unescape(re.search(r'data-config="([^"]*)"', rendered).group(1)))
    assert config["displaylogo"] is False
    with pytest.raises(ValueError):
        c.to_html(fig, summary="x", include_plotlyjs=True)


def test_heat_map_names_stages_by_their_display_names_with_a_colour_bar():
    from bimodal.insights import charts

    steps = [
        {"source": "change:awaiting_approval", "target": "change:approved", "count": 3, "p50_wall": 7200},
        {"source": "incident:in_progress", "target": "incident:resolved", "count": 5, "p50_wall": 3600},
    ]
    rendered = charts.heatmap(steps, [])
    figure = _figure(rendered)
    trace = figure["data"][0]
    assert "Change: awaiting approval" in trace["y"] and "Incident: in progress" in trace["y"]
    assert not any(":" in name and "_" in name for name in trace["x"] + trace["y"])
    assert "awaiting_approval" not in json.dumps(figure)
    assert "hours" in trace["colorbar"]["title"]["text"]
    assert abs(figure["layout"]["xaxis"]["tickangle"]) <= 30
    assert "Change: awaiting approval" in rendered.split("<figcaption")[1]


def test_scatter_maps_name_points_on_hover_not_as_overlapping_text():
    from bimodal.portfolio import charts

    points = [
        {"name": f"Service {i}", "slug": f"s{i}", "mode": "Mode 1", "colour": "#e07a1f", "x": 40 + i, "y": 40}
        | {"recommended": "Mode 1", "differs": False, "technical_fit": 50, "functional_fit": 50 + i}
        for i in range(3)
    ]
    for rendered in (charts.portfolio_map(points), charts.time_map(points)):
        figure = _figure(rendered)
        for trace in figure["data"]:
            assert "text" not in trace.get("mode", "")
        assert figure["data"][0]["marker"]["color"] in (c.MODE2_COLOUR, [c.MODE2_COLOUR] * 3)
        assert "Service 2" in rendered.split("<details")[1]  # every name in the data table


def test_operations_chart_has_percentage_axes_and_round_mttr_ticks():
    from bimodal.insights import charts

    weeks = [
        {
            "week": date(2026, 1, 5) + (date(2026, 1, 12) - date(2026, 1, 5)) * i,
            "finished": 4,
            "completed": 3,
            "raised": 5,
            "emergency": 1,
            "stopped": 10,
            "met": 9,
            "resolved": 2,
            "success_rate": 0.75,
            "emergency_ratio": 0.2,
            "sla_attainment": 0.9,
            "mttr_hours": 3.7 * (i + 1),
        }
        for i in range(4)
    ]
    layout = _figure(charts.operations(weeks))["layout"]
    for axis in ("yaxis", "yaxis2", "yaxis3"):
        assert layout[axis]["range"] == [0, 1] and layout[axis]["tickformat"] == ".0%"
    assert layout["yaxis4"]["dtick"] == 5


def test_supplier_resolution_ticks_are_round():
    from bimodal.suppliers import charts

    figures = SimpleNamespace(median=3600 * 2.01, p90=3600 * 4.02, attainment=0.9)
    months = [
        {"month": date(2026, m, 1), "resolution": figures, "response": figures, "resolved": 3} for m in (1, 2)
    ]
    layout = _figure(charts.resolution_times(months))["layout"]
    assert float(layout["yaxis"]["dtick"]) * 2 == int(float(layout["yaxis"]["dtick"]) * 2)
    trend = _figure(charts.trend(months))["layout"]
    assert trend["yaxis"]["tickformat"] == ".0%" and trend["yaxis2"]["tickformat"] == ",d"


def test_no_app_sets_its_own_chart_margins_or_fonts():
    from pathlib import Path

    root = Path(c.__file__).resolve().parent.parent
    for path in root.glob("*/charts.py"):
        if path.parent.name == "core":
            continue
        text = path.read_text()
        assert 'template="none"' not in text and "_FONT" not in text and "paper_bgcolor" not in text, path
        assert '"margin": {"l"' not in text and 'margin={"l"' not in text, path
    for path in root.glob("*/views*.py"):
        assert "plotly" not in path.read_text(), path
    for path in root.glob("*/views/*.py"):
        assert "plotly" not in path.read_text(), path


def test_dependency_graph_lays_services_out_in_columns_by_hop():
    from bimodal.portfolio import charts

    def svc(pk, name, colour="#1f4e79", short="Mode 1"):
        return SimpleNamespace(pk=pk, name=name, mode=SimpleNamespace(short_name=short, colour=colour))

    core, hosting, app, bot = (
        svc(1, "Core"),
        svc(2, "Hosting"),
        svc(3, "App", "#e07a1f", "Mode 2"),
        svc(4, "Bot"),
    )
    depends_on = [SimpleNamespace(target_id=2, target=hosting)]
    blast = [(app, 1), (bot, 2)]
    edges = [SimpleNamespace(source_id=4, target_id=3), SimpleNamespace(source_id=3, target_id=1)]
    rendered = charts.dependency_graph(core, depends_on, blast, edges)
    figure = _figure(rendered)
    nodes = {name: x for t in figure["data"][1:] for name, x in zip(t["text"], t["x"], strict=True)}
    assert nodes == {"Hosting": -1, "Core": 0, "App": 1, "Bot": 2}
    assert figure["layout"]["xaxis"]["ticktext"] == ["Depends on", "This service", "Hop 1", "Hop 2"]
    colours = {t["name"]: t["marker"]["color"] for t in figure["data"][1:]}
    assert colours == {"Mode 1": c.MODE1_COLOUR, "Mode 2": c.MODE2_COLOUR}
    assert len([v for v in figure["data"][0]["x"] if v is None]) == 3  # three edges drawn
    assert "2 services would be affected if it failed, 1 of them directly" in rendered

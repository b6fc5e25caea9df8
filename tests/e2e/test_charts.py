"""Every chart page of the demo organisation, drawn by plotly in Chromium: no label of a chart lies outside
the chart or on top of another label. A screenshot of each chart goes to var/screenshots/charts/."""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "charts"

# (name, address) of every page that draws charts, with the demo's data behind them.
PAGES = [
    ("home", "/"),
    ("portfolio-map", "/portfolio/map/"),
    ("service-graph", "/portfolio/services/core-banking/"),
    ("insights-cio", "/insights/"),
    ("insights-operations", "/insights/operations/"),
    ("insights-delivery", "/insights/delivery/"),
    ("detect-to-correct", "/insights/value-streams/detect-to-correct/"),
    ("maturity", "maturity"),
    ("delivery-portfolio", "/delivery/"),
    ("governance-report", "/governance/report/"),
    ("cloud", "/registers/cloud/"),
    ("skills", "/people/"),
    ("supplier-scorecard", "/suppliers/atlas-managed-services/scorecard/"),
]

# The labels a reader has to read: ticks (cartesian, polar, colour bar), point and slice labels, titles,
# legend entries, annotations (subplot titles, quadrant names).
LABELS = (
    'g[class$="tick"] > text, g[class$="tick2"] > text, .textpoint text, text.slicetext, .g-gtitle text, '
    ".g-xtitle text, .g-ytitle text, .g-x2title text, .g-y2title text, .legendtext, .annotation-text, "
    ".cbtitle text"
)

# For each chart: labels outside the chart's box, and pairs of labels whose (rotated) outlines intersect.
CHECK = """
([figure, selector]) => {
  const plot = figure.querySelector('.js-plotly-plot');
  const box = plot.getBoundingClientRect();
  const corners = (el) => {
    const b = el.getBBox(), m = el.getScreenCTM();
    const pt = (x, y) => ({x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f});
    // One pixel in from each side: glyphs that touch are not a collision.
    return [pt(b.x + 1, b.y + 1), pt(b.x + b.width - 1, b.y + 1),
            pt(b.x + b.width - 1, b.y + b.height - 1), pt(b.x + 1, b.y + b.height - 1)];
  };
  const separated = (p, q) => {
    for (const poly of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const a = poly[i], b = poly[(i + 1) % 4];
        const nx = b.y - a.y, ny = a.x - b.x;
        const proj = (pts) => pts.map((v) => v.x * nx + v.y * ny);
        const pp = proj(p), qq = proj(q);
        if (Math.max(...pp) <= Math.min(...qq) || Math.max(...qq) <= Math.min(...pp)) return true;
      }
    }
    return false;
  };
  const labels = [...plot.querySelectorAll(selector)].filter((el) => {
    const r = el.getBoundingClientRect();
    return el.textContent.trim() && r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  });
  const outside = [], overlaps = [];
  const shapes = labels.map(corners);
  labels.forEach((el, i) => {
    const r = el.getBoundingClientRect();
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
      outside.push(el.textContent);
    }
    for (let j = i + 1; j < labels.length; j++) {
      if (!separated(shapes[i], shapes[j])) overlaps.push([el.textContent, labels[j].textContent]);
    }
  });
  return {count: labels.length, outside, overlaps};
}
"""


@pytest.fixture
def demo(transactional_db):
    """The demo organisation, loaded into the test database."""
    from bimodal.demo.loader import load_demo

    load_demo()


def test_every_chart_fits_its_box_and_no_labels_collide(page, login, demo):
    from bimodal.core.models import User
    from bimodal.insights.models import MaturityAssessment

    admin = User.objects.get(username="admin")
    admin.set_password("pw")
    admin.save()
    login(admin)
    # The sticky top bar would sit over the charts in the screenshots.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    maturity = MaturityAssessment.objects.order_by("-pk").first()
    problems: dict[str, dict] = {}
    seen = 0
    for name, address in PAGES:
        if address == "maturity":
            address = f"/insights/maturity/{maturity.pk}/"
        page.goto(address)
        page.add_style_tag(content=".bm-topbar { position: static !important; }")
        figures = page.locator("figure.bm-chart")
        count = figures.count()
        assert count, f"{name}: no chart at {address}"
        for i in range(count):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()
            # plotly has drawn the chart once its SVG holds the plot layers.
            figure.locator(".js-plotly-plot .main-svg").first.wait_for(state="attached")
            figure.locator(".js-plotly-plot .main-svg").first.wait_for(state="visible")
            result = page.evaluate(CHECK, [figure.element_handle(), LABELS])
            assert result["count"], f"{name} #{i}: no labels found (not drawn?)"
            figure.screenshot(path=str(SCREENSHOTS / f"{name}-{i}.png"))
            seen += 1
            if result["outside"] or result["overlaps"]:
                problems[f"{name} #{i}"] = {"outside": result["outside"], "overlaps": result["overlaps"][:5]}
    assert seen >= len(PAGES)
    assert problems == {}

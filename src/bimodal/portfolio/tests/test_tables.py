"""The list pages' rendering shortcuts: the service table's one-pass rows are the markup django-tables2
renders cell by cell; the home charts are kept per exact counts."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_tables2 import RequestConfig

from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio.models import BusinessCapability, Service
from bimodal.portfolio.tables import ServiceTable
from bimodal.portfolio.tests.factories import ServiceFactory, mode


def _tbody(table: ServiceTable, template: str) -> str:
    html = render_to_string(template, {"table": table, "request": table.context_request})
    body = re.search(r"<tbody[^>]*>(.*)</tbody>", html, re.S)
    assert body is not None
    return re.sub(r">\s+<", "><", body.group(1).strip())


def _table(query: str = "", **kwargs) -> ServiceTable:
    request = RequestFactory().get("/portfolio/services/" + query)
    table = ServiceTable(Service.objects.select_related("mode", "owner_team", "capability"), **kwargs)
    RequestConfig(request, paginate={"per_page": 3}).configure(table)
    table.context_request = request
    return table


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "kwargs"),
    [("", {}), ("?page=2", {}), ("?sort=-owner_team", {}), ("", {"exclude": ("mode",)})],
)
def test_rows_match_django_tables2(query, kwargs):
    team = TeamFactory(name="Ops <&> Run")
    capability = BusinessCapability.objects.create(name="Payments & <Cards>")
    ServiceFactory(name="A <b>bold</b> & co", owner_team=team, capability=capability, criticality=0)
    ServiceFactory(name="Plain", mode=mode("mode-2"), lifecycle="retired", hosting="saas")
    ServiceFactory(name="Third", support_coverage="24x7", criticality=3)
    ServiceFactory(name="Fourth", owner_team=team)
    fast = _tbody(_table(query, **kwargs), "portfolio/_service_table.html")
    generic = _tbody(_table(query, **kwargs), "portfolio/_table.html")
    assert fast == generic
    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; co" in fast or "?page=2" in query


@pytest.mark.django_db
def test_empty_text_matches():
    fast = _tbody(_table(), "portfolio/_service_table.html")
    assert fast == _tbody(_table(), "portfolio/_table.html") == '<tr><td colspan="8">No services.</td></tr>'


def test_home_chart_is_kept_per_exact_counts():
    from bimodal.portfolio import charts

    row = {"mode__short_name": "M1", "mode__name": "Mode 1", "live": 3, "in_development": 1, "sunsetting": 0}
    first = charts.stacked_bar([row], charts.LIFECYCLES, "Services by lifecycle")
    assert charts.stacked_bar([dict(row)], charts.LIFECYCLES, "Services by lifecycle") is first
    changed = charts.stacked_bar([{**row, "live": 4}], charts.LIFECYCLES, "Services by lifecycle")
    assert changed != first

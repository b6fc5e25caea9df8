"""Dashboards, drill-downs, CSV export, heat maps, maturity pages and the API: permissions and flat
query counts."""

from __future__ import annotations

import pytest

from bimodal.core.tests.factories import OrgUnitFactory
from bimodal.insights import services
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory

PARAMS = "?start=2026-01-01&end=2026-01-31"
PAGES = [
    "/insights/",
    "/insights/operations/",
    "/insights/delivery/",
    "/insights/value-streams/detect-to-correct/",
    "/insights/value-streams/request-to-fulfil/",
]
API = ["/api/insights/dora/", "/api/insights/kpis/", "/api/insights/heatmaps/detect-to-correct/"]


def _data(n: int):
    for _ in range(n):
        service = ServiceFactory()
        for day in (5, 6, 7):
            DeploymentFactory(service=service, finished_at=at(day, 10))
        TicketFactory(
            service=service,
            opened_at=at(6, 12),
            resolved_at=at(6, 15),
            status="resolved",
            major_incident=True,
        )
        services.transition_record_bulk(
            [
                {
                    "stream": "ticket",
                    "kind": "incident",
                    "object_id": service.pk,
                    "reference": "INC",
                    "service": service,
                    "from_state": a,
                    "to_state": b,
                    "at": t,
                    "party": p,
                }
                for a, b, t, p in (("", "new", at(5, 9), "Desk"), ("new", "in_progress", at(5, 10), "Net"))
            ]
        )


@pytest.mark.parametrize("url", PAGES + API)
def test_pages_and_api_keep_a_flat_query_count(url, make_user, client_for, django_assert_max_num_queries):
    client = client_for(make_user("change_manager"))
    _data(1)
    with django_assert_max_num_queries(60) as few:
        assert client.get(url + PARAMS + "&by=service").status_code == 200
    _data(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url + PARAMS + "&by=service").status_code == 200


def test_dashboard_figures_link_to_their_records_and_export_csv(make_user, client_for):
    _data(2)
    client = client_for(make_user("auditor"))
    page = client.get("/insights/delivery/" + PARAMS).content.decode()
    assert "/insights/records/deployments/" in page and 'data-level="' in page
    records = client.get("/insights/records/deployments/" + PARAMS)
    assert records.status_code == 200 and records.content.decode().count("<tr>") == 7  # header + 6
    csv = client.get("/insights/records/failures/" + PARAMS + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv") and csv.content.decode().count("\n") == 7
    for export in (
        "dora",
        "trend",
        "portfolio",
        "availability",
        "mttr",
        "sla_attainment",
        "backlog",
        "change_success",
    ):
        response = client.get("/insights/" + PARAMS + f"&export={export}")
        assert response["Content-Type"].startswith("text/csv"), export
    heat = client.get(
        "/insights/value-streams/detect-to-correct/" + PARAMS + "&export=stages"
    ).content.decode()
    assert heat.splitlines()[1].startswith("incident:new,2,")


@pytest.mark.parametrize("role", ["requester", "supplier_agent"])
def test_people_without_insights_are_refused(role, make_user, client_for):
    client = client_for(make_user(role))
    for url in [*PAGES, "/insights/records/deployments/", *API]:
        assert client.get(url).status_code == 403, url


def test_unknown_stream_or_figure_is_404(make_user, client_for):
    client = client_for(make_user("auditor"))
    assert client.get("/insights/value-streams/nope/").status_code == 404
    assert client.get("/insights/records/nope/").status_code == 404
    assert client.get("/api/insights/heatmaps/nope/").status_code == 404


def test_dora_api_shape(make_user, client_for):
    _data(1)
    body = client_for(make_user("auditor")).get("/api/insights/dora/" + PARAMS).json()
    group = body["groups"][0]
    assert group["deployment_frequency"]["extra"]["deployment_days"] == 3
    assert group["change_failure_rate"]["value"] == pytest.approx(1 / 3)


def test_maturity_pages_and_api(make_user, client_for):
    services.capability_areas_seed()
    unit = OrgUnitFactory(slug="retail")
    lead = make_user("governance_lead")
    client = client_for(lead)
    assert client.get("/insights/maturity/new/").status_code == 200
    from bimodal.insights.models import CapabilityArea

    area = CapabilityArea.objects.get(name="Change enablement")
    bad = client.post("/insights/maturity/new/", {"org_unit": "retail", "assessed_on": "2026-01-05"})
    assert bad.status_code == 400  # no scores
    response = client.post(
        "/insights/maturity/new/",
        {
            "org_unit": "retail",
            "assessed_on": "2026-01-05",
            f"score_{area.pk}": "2",
            f"target_{area.pk}": "4",
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Change enablement" in detail and 'data-testid="radar"' in detail
    api = client.post(
        "/api/insights/maturity-assessments/",
        {"org_unit": "retail", "assessed_on": "2026-04-05", "scores": [{"area": area.slug, "score": 3}]},
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["scores"][0]["gap"] == 1
    assert (
        client.post(
            "/api/insights/maturity-assessments/",
            {"org_unit": "retail", "scores": [{"area": area.slug, "score": 9}]},
            content_type="application/json",
        ).status_code
        == 400
    )
    listing = client.get("/insights/maturity/").content.decode()
    assert "2026-04-05" in listing or "April" in listing or "Apr" in listing
    auditor = client_for(make_user("auditor"))
    assert auditor.get("/insights/maturity/").status_code == 200
    assert auditor.get("/insights/maturity/new/").status_code == 403
    assert (
        auditor.post("/api/insights/maturity-assessments/", {}, content_type="application/json").status_code
        == 403
    )
    assert unit.maturity_assessments.count() == 2


def test_cio_dashboard_judges_each_mode_by_its_kpi_set(make_user, client_for):
    """The KPI set drives the CIO dashboard: DORA covers the modes judged by flow, the stability KPIs those
    judged by stability; flipping a mode's KPI set moves its services between the two."""
    from bimodal.portfolio.models import Mode
    from bimodal.portfolio.tests.factories import mode

    stable, agile = mode("mode-1"), mode("mode-2")
    Mode.objects.filter(pk=stable.pk).update(kpi_set="stability")
    Mode.objects.filter(pk=agile.pk).update(kpi_set="flow")
    core = ServiceFactory(name="Core ledger", mode=stable)
    app = ServiceFactory(name="Mobile app", mode=agile)
    for service in (core, app):
        DeploymentFactory(service=service, finished_at=at(5, 10))
        TicketFactory(
            service=service,
            opened_at=at(6, 12),
            resolved_at=at(6, 15),
            status="resolved",
            major_incident=True,
        )
    client = client_for(make_user("governance_lead"))

    def exports() -> tuple[str, str]:
        query = "/insights/" + PARAMS + "&by=service&export="
        return client.get(query + "dora").content.decode(), client.get(
            query + "availability"
        ).content.decode()

    dora, availability = exports()
    assert "Mobile app" in dora and "Core ledger" not in dora
    assert "Core ledger" in availability and "Mobile app" not in availability
    page = client.get("/insights/" + PARAMS).content.decode()
    assert 'href="/portfolio/modes/mode-2/"' in page.split('data-testid="flow-kpis"')[1].split("</span>")[0]

    Mode.objects.filter(pk=agile.pk).update(kpi_set="both")
    dora, availability = exports()
    assert "Mobile app" in dora and "Mobile app" in availability

    # The period picker shows the period the figures cover (90 days unless chosen).
    assert client.get("/insights/").context["form"]["days"].value() == "90"

    Mode.objects.filter(pk__in=[stable.pk, agile.pk]).update(kpi_set="stability")
    assert "No mode is judged by flow KPIs" in client.get("/insights/" + PARAMS).content.decode()


def test_cio_dashboard_shows_customer_satisfaction_per_mode_beside_sla(make_user, client_for):
    """CSAT covers every mode (whatever its KPI set), beside SLA attainment, and exports as CSV."""
    from bimodal.portfolio.tests.factories import mode
    from bimodal.servicedesk.models import SatisfactionRating

    stable, agile = mode("mode-1"), mode("mode-2")
    for service, rating in ((ServiceFactory(mode=stable), 5), (ServiceFactory(mode=agile), 2)):
        ticket = TicketFactory(service=service, opened_at=at(6, 12), resolved_at=at(6, 15), status="resolved")
        SatisfactionRating.objects.create(
            ticket=ticket, rating=rating, answered_by=ticket.requester, answered_at=at(7, 9)
        )
    client = client_for(make_user("governance_lead"))
    page = client.get("/insights/" + PARAMS).content.decode()
    assert page.index('data-testid="sla-kpis"') < page.index('data-testid="csat-kpis"')
    table = page.split('data-testid="csat-kpis"')[1].split("</table>")[0]
    assert "Customer satisfaction (CSAT)" in page
    assert "100.0 %" in table and "0.0 %" in table and "5.00" in table and "2.00" in table
    export = client.get("/insights/" + PARAMS + "&export=csat").content.decode()
    assert export.splitlines()[0] == "label,responses,average,csat,resolved,answered,response_rate"
    assert len(export.splitlines()) == 3


def test_operations_charts_the_kpis_week_by_week_and_exports_them(make_user, client_for):
    _data(2)  # two incidents opened and resolved three hours later on Tuesday 6 January
    client = client_for(make_user("change_manager"))
    page = client.get("/insights/operations/" + PARAMS).content.decode()
    assert 'data-testid="operations-trend"' in page and "<figcaption" in page and "MTTR (hours)" in page
    rows = client.get("/insights/operations/" + PARAMS + "&export=weekly").content.decode().splitlines()
    assert rows[0].startswith("week,finished,completed,success_rate,raised,emergency")
    week = next(row.split(",") for row in rows[1:] if row.startswith("2026-01-05"))
    header = rows[0].split(",")
    assert week[header.index("resolved")] == "2"
    assert float(week[header.index("mttr_hours")]) == pytest.approx(3.0)
    assert week[header.index("success_rate")] == ""  # no change finished: no rate, not 0 %


def test_heat_map_names_stages_for_people_and_shows_its_period(make_user, client_for):
    _data(1)
    page = (
        client_for(make_user("change_manager"))
        .get("/insights/value-streams/detect-to-correct/" + PARAMS)
        .content.decode()
    )
    assert "Incident: new" in page and "1 Jan 2026 – 1 Feb 2026" in page  # the period line, once "–"
    assert "incident:new" not in page.split('data-testid="heatmap"')[1].split("</figure>")[0]


def test_cio_dashboard_says_why_change_success_and_change_failure_rate_differ(make_user, client_for):
    """The two rates sit on one page but count different things; the note says which, under the
    definitions in use (the metric settings), and follows a `?definitions=` override."""
    client = client_for(make_user("governance_lead"))
    note = (
        client.get("/insights/" + PARAMS)
        .content.decode()
        .split('data-testid="rate-note"')[1]
        .split("</p>")[0]
    )
    assert "counts <em>changes</em>" in note and "counts <em>production deployments</em>" in note
    assert "Bimodal definitions" in note and "failed, were rolled back or led to an incident" in note
    devlake = client.get("/insights/" + PARAMS + "&definitions=devlake").content.decode()
    note = devlake.split('data-testid="rate-note"')[1].split("</p>")[0]
    assert "Apache DevLake compatible definitions" in note and "successful production deployments" in note

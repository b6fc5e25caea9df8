"""Pages and API: the vendor manager's flows, bad input (400, nothing written), CSV export, flat queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bimodal.suppliers.models import Contract, MspEvaluation
from bimodal.suppliers.tests.factories import two_suppliers
from bimodal.suppliers.tests.test_scorecards import _clock, _hand_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    return two_suppliers(make_user)


def test_pages_render_for_the_governance_lead(w, client_for):
    start, end = _hand_example(w)
    client = client_for(w["gov"])
    for url in (
        "/suppliers/",
        "/suppliers/alpha/",
        "/suppliers/contracts/",
        f"/suppliers/contracts/{w['ca'].reference}/",
        "/suppliers/siam/",
        "/suppliers/evaluations/",
        "/suppliers/new/",
        "/suppliers/alpha/contracts/new/",
        "/suppliers/evaluations/new/",
        "/suppliers/alpha/edit/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/suppliers/alpha/scorecard/?start={start}&end={end}").content.decode()
    assert 'data-testid="kpi-breaches">3<' in page and "plotly" in page


def test_scorecard_csv_export(w, client_for):
    start, end = _hand_example(w)
    response = client_for(w["gov"]).get(f"/suppliers/alpha/scorecard/?start={start}&end={end}&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "P4,response,4,3,1,75.0" in text and "credits_after_cap,610.00" in text


def test_scorecard_export_link_of_the_default_period_downloads_csv(w, client_for):
    """The page's "Export CSV" link without a chosen period (`?format=csv`) exports the default period:
    it answered 400 when any query parameter bound the period form."""
    client = client_for(w["gov"])
    page = client.get("/suppliers/alpha/scorecard/").content.decode()
    assert 'data-testid="export-csv" href="?format=csv"' in page
    response = client.get("/suppliers/alpha/scorecard/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="scorecard-alpha-' in response["Content-Disposition"]
    # A chosen period is kept in the link and still validated.
    start, end = _hand_example(w)
    page = client.get(f"/suppliers/alpha/scorecard/?start={start}&end={end}").content.decode()
    assert f'href="?start={start}&amp;end={end}&amp;format=csv"' in page
    assert client.get("/suppliers/alpha/scorecard/?start=bad&format=csv").status_code == 400


def test_scorecard_bad_period_is_400(w, client_for):
    client = client_for(w["gov"])
    assert client.get("/suppliers/alpha/scorecard/?start=2026-05-01&end=2026-04-01").status_code == 400
    assert client.get("/suppliers/alpha/scorecard/?start=nonsense&end=2026-04-01").status_code == 400
    assert client.get("/api/suppliers/alpha/scorecard/?start=2026-05-01&end=2026-04-01").status_code == 400
    assert client.get("/api/suppliers/alpha/scorecard/?start=bad").status_code == 400


def test_scorecard_page_and_api_query_count_flat(w, client_for):
    start, end = _hand_example(w)
    client = client_for(w["gov"])
    urls = [
        f"/suppliers/alpha/scorecard/?start={start}&end={end}",
        f"/api/suppliers/alpha/scorecard/?start={start}&end={end}",
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    t = timezone.make_aware(
        timezone.datetime.combine(start + timedelta(days=3), timezone.datetime.min.time())
    )
    for i in range(10):
        _clock(w, w["a"], w["ca"], "P4", "resolution", 20000 + i, "breached", t)
    for url, before in zip(urls, counts, strict=True):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx) == before, url
    body = client.get(urls[1]).json()
    assert body["priorities"][3]["resolution"]["breached"] == 11 and body["breaches"] == 13


def test_contract_api_create_target_and_bad_input(w, client_for):
    client = client_for(w["gov"])
    today = timezone.localdate()
    payload = {
        "supplier": "alpha",
        "reference": "CT-NEW",
        "title": "Network",
        "start_date": str(today),
        "end_date": str(today + timedelta(days=364)),
        "value": "1000",
        "schedule": w["ca"].schedule.slug,
        "services": ["svc-a"],
    }
    bad = client.post(
        "/api/contracts/",
        {**payload, "end_date": str(today - timedelta(days=1))},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "end_date" in bad.json()
    assert (
        client.post(
            "/api/contracts/", {**payload, "services": ["nope"]}, content_type="application/json"
        ).status_code
        == 400
    )
    assert not Contract.objects.filter(reference="CT-NEW").exists()
    created = client.post("/api/contracts/", payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    target = client.post(
        "/api/contracts/CT-NEW/targets/",
        {"priority": "P2", "target": "response", "minutes": 30, "credit": "25"},
        content_type="application/json",
    )
    assert target.status_code == 200 and target.json()["targets"] == [
        {"priority": "P2", "target": "response", "minutes": 30, "credit": "25.00"}
    ]
    assert (
        client.post(
            "/api/contracts/CT-NEW/targets/",
            {"priority": "P2", "target": "response", "minutes": 0},
            content_type="application/json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/contracts/CT-NEW/transition/", {"status": "active"}, content_type="application/json"
        ).json()["status"]
        == "active"
    )
    assert (
        client.post(
            "/api/contracts/CT-NEW/renew/", {"end_date": str(today)}, content_type="application/json"
        ).status_code
        == 400
    )


def test_contract_list_api_query_count_flat(w, client_for):
    client = client_for(w["gov"])
    with CaptureQueriesContext(connection) as small:
        client.get("/api/contracts/")
    from bimodal.suppliers.tests.factories import active_contract

    for i in range(5):
        active_contract(
            w["admin"], w["b"], [w["sb"]], reference=f"CT-X{i}", targets={("P1", "response"): (10, "1")}
        )
    with CaptureQueriesContext(connection) as big:
        assert client.get("/api/contracts/").json()["count"] == 7
    assert len(big) == len(small)


def test_evaluation_api_flow(w, client_for):
    client = client_for(w["gov"])
    made = client.post(
        "/api/msp-evaluations/",
        {"name": "Ops", "services": ["svc-a"], "required_response": {"P1": 15}},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    slug = made.json()["slug"]
    assert (
        client.post(
            f"/api/msp-evaluations/{slug}/candidates/", {"supplier": "alpha"}, content_type="application/json"
        ).status_code
        == 400
    )
    added = client.post(
        f"/api/msp-evaluations/{slug}/candidates/",
        {"supplier": "alpha", "annual_cost": "1000", "demonstrated_response": {"P1": 10}},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["scores"][0]["supplier"] == "alpha"
    decided = client.post(
        f"/api/msp-evaluations/{slug}/decide/",
        {"supplier": "alpha", "rationale": "Only one"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["chosen"] == "alpha"
    assert MspEvaluation.objects.get(slug=slug).status == "decided"


def test_siam_pages(w, client_for, make_user):
    from bimodal.servicedesk import services as sd

    ticket = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="x", service=w["sa"], assignment_group=w["desk"]
    )
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"])
    client = client_for(make_user("change_manager", username="cm"))  # sees every ticket
    page = client.get(f"/suppliers/siam/tickets/{ticket.number}/").content.decode()
    assert "Alpha" in page and "Desk" in page
    overview = client.get("/suppliers/siam/?service=svc-a").content.decode()
    assert 'data-testid="siam-handoffs">1<' in overview


def test_governance_lead_oversees_every_ticket_in_siam(w, client_for, make_user):
    """Governance leads run SLAs and supplier contracts: the SIAM views show them tickets of teams they
    are not in (a service-desk agent of another team would not see them)."""
    from bimodal.servicedesk import services as sd

    ticket = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="x", service=w["sa"], assignment_group=w["desk"]
    )
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"])
    lead = make_user("governance_lead", username="lead-siam")
    client = client_for(lead)
    assert client.get(f"/suppliers/siam/tickets/{ticket.number}/").status_code == 200
    overview = client.get("/suppliers/siam/?service=svc-a").content.decode()
    assert 'data-testid="siam-handoffs">1<' in overview
    assert client.get(f"/api/servicedesk/tickets/{ticket.number}/").status_code == 200

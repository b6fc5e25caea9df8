"""Supplier isolation: an agent of supplier A never sees supplier B's tickets, contracts, scorecards or
hand-offs (UI and API), sees only the services A is contracted for, and never sees MSP evaluations."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bimodal.servicedesk import services as sd
from bimodal.suppliers import services
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    w = two_suppliers(make_user)
    w["ta"] = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="A's", service=w["sa"], assignment_group=w["qa"]
    )
    w["tb"] = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="B's", service=w["sb"], assignment_group=w["qb"]
    )
    w["evaluation"] = services.evaluation_create(actor=w["gov"], name="Outsource ops", services=[w["sa"]])
    return w


def test_ui_denials_for_another_suppliers_data(w, client_for):
    client = client_for(w["agent_a"])
    tb, cb = w["tb"], w["cb"]
    assert client.get(f"/servicedesk/tickets/{tb.number}/").status_code == 404
    assert client.get(f"/suppliers/contracts/{cb.reference}/").status_code == 404
    assert client.get("/suppliers/beta/").status_code == 404
    assert client.get("/suppliers/beta/scorecard/").status_code == 404
    assert client.get(f"/suppliers/siam/tickets/{tb.number}/").status_code == 404
    assert client.get(f"/suppliers/evaluations/{w['evaluation'].slug}/").status_code == 404
    assert client.get("/suppliers/evaluations/").status_code == 403
    assert client.post(
        f"/suppliers/contracts/{w['ca'].reference}/targets/", {"priority": "P1"}
    ).status_code in {403, 404}
    # Their own supplier's pages work and do not mention the other supplier.
    for url in (
        "/suppliers/",
        "/suppliers/alpha/",
        "/suppliers/alpha/scorecard/",
        "/suppliers/contracts/",
        f"/suppliers/contracts/{w['ca'].reference}/",
        f"/suppliers/siam/tickets/{w['ta'].number}/",
        "/suppliers/siam/",
        "/servicedesk/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Beta" not in body and cb.reference not in body and tb.number not in body, url


def test_csv_exports_hold_only_the_agents_own_supplier(w, client_for):
    agent = client_for(w["agent_a"])
    suppliers = agent.get("/suppliers/", {"export": "csv"}).content.decode()
    contracts = agent.get("/suppliers/contracts/", {"export": "csv"}).content.decode()
    assert "Alpha" in suppliers and "Beta" not in suppliers
    assert w["ca"].reference in contracts and w["cb"].reference not in contracts
    # A governance lead's exports hold both.
    lead = client_for(w["gov"])
    assert "Beta" in lead.get("/suppliers/", {"export": "csv"}).content.decode()
    assert w["cb"].reference in lead.get("/suppliers/contracts/", {"export": "csv"}).content.decode()


def test_api_denials_for_another_suppliers_data(w, client_for):
    client = client_for(w["agent_a"])
    tb, cb = w["tb"], w["cb"]
    assert client.get(f"/api/servicedesk/tickets/{tb.number}/").status_code == 404
    assert client.get(f"/api/contracts/{cb.reference}/").status_code == 404
    assert client.get("/api/suppliers/beta/").status_code == 404
    assert client.get("/api/suppliers/beta/scorecard/").status_code == 404
    assert client.get(f"/api/msp-evaluations/{w['evaluation'].slug}/").status_code == 403
    assert [c["reference"] for c in client.get("/api/contracts/").json()["results"]] == [w["ca"].reference]
    handoffs = client.get("/api/handoffs/").json()["results"]
    assert handoffs and {h["ticket"] for h in handoffs} == {w["ta"].number}
    assert client.get(f"/api/handoffs/?ticket__number={tb.number}").json()["results"] == []
    assert client.get("/api/suppliers/alpha/scorecard/").status_code == 200
    assert (
        client.post(
            f"/api/contracts/{w['ca'].reference}/transition/",
            {"status": "terminated", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_supplier_agent_sees_only_contracted_services(w, client_for):
    from bimodal.portfolio.models import Service

    visible = set(Service.objects.restrict(w["agent_a"], "view").values_list("slug", flat=True))
    assert visible == {"svc-a"}  # not svc-a-old, which names Alpha but no contract covers
    client = client_for(w["agent_a"])
    slugs = [s["slug"] for s in client.get("/api/portfolio/services/").json()["results"]]
    assert slugs == ["svc-a"]
    assert client.get("/portfolio/services/svc-a/").status_code == 200
    assert client.get("/portfolio/services/svc-a-old/").status_code == 404
    # Once the contract ends, nothing is contracted any more.
    ca = w["ca"]
    ca.end_date = timezone.localdate() - timezone.timedelta(days=1)
    ca.save()
    assert not Service.objects.restrict(w["agent_a"], "view").exists()


def test_supplier_agent_cannot_hand_ticket_to_another_supplier(w, client_for):
    client = client_for(w["agent_a"])
    response = client.post(
        f"/api/servicedesk/tickets/{w['ta'].number}/assign/",
        {"group": "beta-ops"},
        content_type="application/json",
    )
    assert response.status_code == 400  # beta-ops is not a team Alpha's agent can even see
    assert w["ta"].handoffs.count() == 1


def test_sla_definitions_of_another_suppliers_contract_are_hidden(w, client_for):
    # Regression: the API listed every supplier's contracted targets to any agent.
    own = set(w["ca"].targets.values_list("definition__name", flat=True))
    other = set(w["cb"].targets.values_list("definition__name", flat=True))
    assert own and other
    response = client_for(w["agent_a"]).get("/api/servicedesk/sla-definitions/?limit=500")
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert own <= names
    assert not names & other
    hidden = w["cb"].targets.first().definition
    assert client_for(w["agent_a"]).get(f"/api/servicedesk/sla-definitions/{hidden.pk}/").status_code == 404
    # Staff still see every definition.
    staff = client_for(w["admin"]).get("/api/servicedesk/sla-definitions/?limit=500").json()["results"]
    assert other <= {row["name"] for row in staff}


def test_service_page_shows_no_edge_to_a_service_outside_the_contract(w, client_for, make_user):
    from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory

    outside = ServiceFactory(slug="outside-contract", name="Outside contract", supplier=w["sa"].supplier)
    DependencyFactory(source=w["sa"], target=outside)
    DependencyFactory(source=w["sa"], target=w["sb"])
    client = client_for(w["agent_a"])
    for url in (
        f"/portfolio/services/{w['sa'].slug}/",
        f"/api/portfolio/services/{w['sa'].slug}/dependencies/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "outside-contract" not in body and "Outside contract" not in body, url
        assert w["sb"].slug not in body, url

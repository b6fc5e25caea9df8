"""Pages: portfolio (filters, CSV, flat queries), demand, initiative pages, kanban moves with htmx,
budgets, capacity and what-if; denials."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.delivery import services
from bimodal.delivery.models import Demand, Story, TeamCapacity
from bimodal.delivery.tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def test_portfolio_page_filters_and_keeps_a_flat_query_count(estate, client_for):
    client = client_for(estate.audrey)
    InitiativeFactory(team=estate.squad, baseline_start=date(2026, 1, 1), baseline_end=date(2026, 6, 1))
    client.get("/delivery/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/delivery/").status_code == 200
    for n in range(6):
        initiative = InitiativeFactory(
            team=estate.squad,
            baseline_start=date(2026, 1, 1),
            baseline_end=date(2026, 6, 1),
            approach="waterfall" if n % 2 else "agile",
            mode=estate.mode1 if n % 2 else estate.mode2,
        )
        services.risk_create(actor=estate.gloria, initiative=initiative, title="R", probability=5, impact=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/delivery/")
    assert response.content.decode().count('data-testid="portfolio-row"') == 7
    assert len(many) == len(few)
    filtered = client.get("/delivery/?approach=waterfall&mode=mode-1").content.decode()
    assert filtered.count('data-testid="portfolio-row"') == 3
    partial = client.get("/delivery/?approach=agile", HTTP_HX_REQUEST="true").content.decode()
    assert (
        partial.startswith('<div id="portfolio-results">')
        and partial.count('data-testid="portfolio-row"') == 4
    )


def test_portfolio_csv_export_follows_the_filters(estate, client_for):
    initiative = InitiativeFactory(team=estate.squad, name="Mobile onboarding")
    services.budget_set(actor=estate.gloria, fiscal_year=2026, initiative=initiative, amount=Decimal(1000))
    InitiativeFactory(approach="waterfall", mode=estate.mode1)
    response = client_for(estate.gloria).get("/delivery/portfolio.csv?approach=agile")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("reference,name,approach,mode")
    assert len(lines) == 2 and "Mobile onboarding" in lines[1] and ",1000.00," in lines[1]


def test_requesters_do_not_see_the_portfolio_but_raise_demand(estate, client_for):
    client = client_for(estate.rita)
    assert client.get("/delivery/")["Location"] == "/delivery/demand/"  # their demand instead
    assert client.get("/delivery/portfolio.csv").status_code == 403
    assert client.get("/delivery/budgets/").status_code == 403
    assert client.get("/delivery/capacity/").status_code == 403
    response = client.post(
        "/delivery/demand/new/",
        {
            "title": "Branch queue app",
            "org_unit": estate.central.pk,
            "mode": estate.mode2.pk,
            "investment_class": "grow",
            "value": 4,
            "urgency": 3,
            "risk": 2,
            "strategic_fit": 5,
            "cost_estimate": "500000",
            "fte_estimate": "2",
        },
    )
    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.score == Decimal("76.25")
    page = client.get(demand.get_absolute_url()).content.decode()
    assert 'data-testid="demand-score">76.25' in page
    client.post(f"/delivery/demand/{demand.reference}/submit/")
    assert Demand.objects.get().status == "submitted"
    assert client_for(estate.audrey).post(f"/delivery/demand/{demand.reference}/withdraw/").status_code == 403


def test_scoring_page_edit_is_for_portfolio_managers(estate, client_for):
    assert client_for(estate.owen).post("/delivery/scoring/", {"weight_value": 1}).status_code == 403
    response = client_for(estate.gloria).post(
        "/delivery/scoring/",
        {
            "weight_value": "40",
            "weight_urgency": "20",
            "weight_fit": "20",
            "weight_risk": "10",
            "weight_cost": "10",
            "cost_ceiling": "1000000",
            "note": "More value",
        },
    )
    assert response.status_code == 302
    assert "v2" in client_for(estate.gloria).get("/delivery/scoring/").content.decode()


def test_board_moves_with_htmx_and_shows_the_wip_refusal(estate, client_for):
    initiative = InitiativeFactory(team=estate.squad, wip_limits={"in_progress": 1})
    a = services.story_create(actor=estate.pat, initiative=initiative, title="A", points=3)
    b = services.story_create(actor=estate.pat, initiative=initiative, title="B", points=3)
    client = client_for(estate.pat)
    page = client.get(f"/delivery/initiatives/{initiative.reference}/board/").content.decode()
    assert 'data-testid="move-right"' in page
    response = client.post(
        f"/delivery/stories/{a.pk}/move/", {"status": "in_progress"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response.content.decode().startswith('<div id="board"')
    response = client.post(
        f"/delivery/stories/{b.pk}/move/", {"status": "in_progress"}, HTTP_HX_REQUEST="true"
    )
    assert "WIP limit reached" in response.content.decode()
    assert Story.objects.get(pk=b.pk).status == "backlog"
    assert (
        client_for(estate.pia).post(f"/delivery/stories/{b.pk}/move/", {"status": "ready"}).status_code == 403
    )
    auditor_page = client_for(estate.audrey).get(f"/delivery/initiatives/{initiative.reference}/board/")
    assert 'data-testid="move-right"' not in auditor_page.content.decode()


def test_waterfall_page_shows_phases_and_refuses_an_unready_gate(estate, client_for):
    initiative = services.initiative_create(
        actor=estate.owen,
        name="Ledger",
        approach="waterfall",
        mode=estate.mode1,
        org_unit=estate.central,
        baseline_start=date(2026, 1, 1),
        baseline_end=date(2026, 12, 31),
    )
    client = client_for(estate.owen)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert 'data-testid="phase-deploy"' in page and "Business case signed off" in page
    gate = initiative.phases.get(kind="initiation").gate
    response = client.post(f"/delivery/gates/{gate.pk}/submit/", follow=True)
    assert "Criteria not met" in response.content.decode()
    assert client_for(estate.pat).post(f"/delivery/gates/{gate.pk}/submit/").status_code == 403


def test_capacity_what_if_preview_saves_nothing(estate, client_for):
    capacity = services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(4)
    )
    client = client_for(estate.gloria)
    page = client.get("/delivery/capacity/?fiscal_year=2026").content.decode()
    assert "App squad" in page
    response = client.post(
        "/delivery/capacity/what-if/",
        {
            "fiscal_year": 2026,
            "source": f"capacity:{capacity.pk}",
            "target": f"mode:{estate.mode1.pk}",
            "quantity": "1",
            "apply": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="whatif-result"' in response.content.decode()
    assert TeamCapacity.objects.get(pk=capacity.pk).fte == 4
    response = client.post(
        "/delivery/capacity/what-if/",
        {
            "fiscal_year": 2026,
            "source": f"capacity:{capacity.pk}",
            "target": f"mode:{estate.mode1.pk}",
            "quantity": "1",
            "apply": "1",
            "reason": "Shift",
        },
    )
    assert response.status_code == 302 and TeamCapacity.objects.get(pk=capacity.pk).fte == 3
    denied = client_for(estate.audrey).post(
        "/delivery/capacity/what-if/",
        {
            "fiscal_year": 2026,
            "source": f"capacity:{capacity.pk}",
            "target": f"mode:{estate.mode1.pk}",
            "quantity": "1",
            "apply": "1",
            "reason": "x",
        },
    )
    assert denied.status_code == 403


def test_budgets_page_shows_the_rollup(estate, client_for):
    initiative = InitiativeFactory(team=estate.squad)
    services.budget_set(
        actor=estate.gloria, fiscal_year=2026, mode=estate.mode2, investment_class="grow", amount=Decimal(900)
    )
    services.budget_set(actor=estate.gloria, fiscal_year=2026, initiative=initiative, amount=Decimal(300))
    page = client_for(estate.audrey).get("/delivery/budgets/?fiscal_year=2026").content.decode()
    assert 'data-mode="mode-2" data-class="grow"' in page and "900" in page
    assert client_for(estate.audrey).post("/delivery/budgets/", {"form": "budget"}).status_code == 403


def test_budgets_and_capacity_export_csv_for_those_who_may_see_them(estate, client_for, make_user):
    initiative = InitiativeFactory(team=estate.squad)
    services.budget_set(
        actor=estate.gloria, fiscal_year=2026, mode=estate.mode2, investment_class="grow", amount=Decimal(900)
    )
    services.budget_set(actor=estate.gloria, fiscal_year=2026, initiative=initiative, amount=Decimal(300))
    services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(4)
    )
    client = client_for(estate.audrey)
    money = client.get("/delivery/budgets/?fiscal_year=2026&export=csv")
    assert money["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(money.content.decode())))
    assert rows[0][:4] == ["fiscal_year", "mode", "investment_class", "envelope"]
    grow = next(r for r in rows[1:] if r[1] == "mode-2" and r[2] == "grow")
    assert Decimal(grow[3]) == 900 and Decimal(grow[4]) == 300
    assert Decimal(grow[5]) == 600  # unallocated: 900 − 300
    people = client.get("/delivery/capacity/?fiscal_year=2026&export=csv")
    rows = list(csv.reader(io.StringIO(people.content.decode())))
    assert rows[0] == ["fiscal_year", "team", "mode", "supply_fte", "demand_fte", "gap_fte"]
    squad = next(r for r in rows[1:] if r[1] == estate.squad.slug and r[2] == "mode-2")
    assert Decimal(squad[3]) == 4 and Decimal(squad[5]) == Decimal(squad[3]) - Decimal(squad[4])
    requester = client_for(make_user("requester"))
    assert requester.get("/delivery/budgets/?fiscal_year=2026&export=csv").status_code == 403
    assert requester.get("/delivery/capacity/?fiscal_year=2026&export=csv").status_code == 403

"""API: demand and its workflow, initiatives, gates, board moves, budgets, contention and what-if;
field errors with nothing written; permissions; flat query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.core.models import AuditEntry
from bimodal.delivery import services
from bimodal.delivery.models import Demand, Initiative
from bimodal.delivery.tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db
API = "/api/delivery/"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_raise_score_and_submit_demand(estate, client_for):
    client = client_for(estate.rita)
    response = _post(
        client,
        f"{API}demands/",
        {
            "title": "Instant payments",
            "org_unit": "technology",
            "mode": "mode-2",
            "value": 4,
            "urgency": 3,
            "strategic_fit": 5,
            "risk": 2,
            "cost_estimate": "500000",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["score"] == "76.25" and body["status"] == "draft" and body["requester"] == "rita"
    ref = body["reference"]
    assert _post(client, f"{API}demands/{ref}/score/", {}).status_code == 200
    response = _post(client, f"{API}demands/{ref}/submit/", {})
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert _post(client, f"{API}demands/{ref}/submit/", {}).status_code == 400  # already submitted


def test_bad_demand_is_400_with_field_errors_and_nothing_written(estate, client_for):
    before = (Demand.objects.count(), AuditEntry.objects.count())
    response = _post(
        client_for(estate.rita),
        f"{API}demands/",
        {"title": "", "org_unit": "nowhere", "mode": "mode-9", "value": 9, "cost_estimate": "-1"},
    )
    assert response.status_code == 400
    assert {"title", "org_unit", "mode", "value", "cost_estimate"} <= set(response.json())
    assert (Demand.objects.count(), AuditEntry.objects.count()) == before


def test_requesters_see_only_their_own_demand_and_auditors_read_only(estate, client_for, make_user):
    services.demand_create(actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2)
    other = make_user("requester")
    assert client_for(other).get(f"{API}demands/").json()["count"] == 0
    assert client_for(estate.audrey).get(f"{API}demands/").json()["count"] == 1
    response = _post(
        client_for(estate.audrey),
        f"{API}demands/",
        {"title": "x", "org_unit": "technology", "mode": "mode-2"},
    )
    assert response.status_code == 403
    assert client_for(estate.rita).get(f"{API}initiatives/").status_code == 403
    ref = Demand.objects.get().reference
    assert client_for(other).get(f"{API}demands/{ref}/").status_code == 404
    assert _post(client_for(other), f"{API}demands/{ref}/submit/", {}).status_code == 404


def test_scoring_model_versions(estate, client_for):
    response = _post(
        client_for(estate.gloria), f"{API}scoring-models/", {"weight_value": "50", "note": "More value"}
    )
    assert response.status_code == 201 and response.json()["version"] == 2
    assert _post(client_for(estate.owen), f"{API}scoring-models/", {"weight_value": "1"}).status_code == 403
    assert client_for(estate.rita).get(f"{API}scoring-models/").json()["count"] == 2


def test_gate_pass_is_refused_until_criteria_are_met_and_approved(estate, client_for):
    initiative = services.initiative_create(
        actor=estate.owen,
        name="Ledger",
        approach="waterfall",
        mode=estate.mode1,
        org_unit=estate.central,
        baseline_start=date(2026, 1, 1),
        baseline_end=date(2026, 12, 31),
    )
    gate = initiative.phases.get(kind="initiation").gate
    client = client_for(estate.owen)
    response = _post(client, f"{API}gates/{gate.pk}/pass/", {})
    assert response.status_code == 400 and "Criteria not met" in str(response.json())
    for criterion in gate.criteria.all():
        response = client.patch(
            f"{API}gate-criteria/{criterion.pk}/",
            {"met": True, "evidence": "signed"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    assert "not been approved" in str(_post(client, f"{API}gates/{gate.pk}/pass/", {}).json())
    response = _post(client, f"{API}gates/{gate.pk}/submit/", {})
    assert response.status_code == 200 and response.json()["status"] == "awaiting_approval"
    assert _post(client_for(estate.pat), f"{API}gates/{gate.pk}/submit/", {}).status_code in {400, 403}


def test_kanban_move_and_wip_refusal(estate, client_for):
    initiative = InitiativeFactory(team=estate.squad, wip_limits={"in_progress": 1})
    client = client_for(estate.pat)
    ids = []
    for title in ("A", "B"):
        response = _post(
            client, f"{API}stories/", {"initiative": initiative.reference, "title": title, "points": 3}
        )
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    assert _post(client, f"{API}stories/{ids[0]}/move/", {"status": "in_progress"}).status_code == 200
    response = _post(client, f"{API}stories/{ids[1]}/move/", {"status": "in_progress"})
    assert response.status_code == 400 and "WIP limit reached" in response.json()["status"][0]
    assert (
        _post(client_for(estate.pia), f"{API}stories/{ids[1]}/move/", {"status": "ready"}).status_code == 403
    )
    assert (
        _post(client_for(estate.audrey), f"{API}stories/{ids[1]}/move/", {"status": "ready"}).status_code
        == 403
    )


def test_budgets_contention_and_what_if(estate, client_for):
    gloria = client_for(estate.gloria)
    initiative = InitiativeFactory(team=estate.squad)
    assert (
        _post(
            gloria,
            f"{API}budgets/",
            {"fiscal_year": 2026, "mode": "mode-2", "investment_class": "grow", "amount": "100"},
        ).status_code
        == 201
    )
    assert (
        _post(
            gloria,
            f"{API}budgets/",
            {"fiscal_year": 2026, "initiative": initiative.reference, "amount": "150"},
        ).status_code
        == 201
    )
    assert (
        _post(
            gloria,
            f"{API}actuals/",
            {"period": "2026-03-10", "initiative": initiative.reference, "amount": "40"},
        ).status_code
        == 201
    )
    assert (
        _post(
            gloria, f"{API}capacities/", {"team": "squad", "fiscal_year": 2026, "mode": "mode-2", "fte": "4"}
        ).status_code
        == 201
    )
    response = _post(
        gloria,
        f"{API}allocations/",
        {"team": "squad", "fiscal_year": 2026, "initiative": initiative.reference, "fte": "5"},
    )
    assert response.status_code == 201, response.content
    allocation = response.json()["id"]
    body = client_for(estate.audrey).get(f"{API}contention/?fiscal_year=2026").json()
    assert [(x["team"], x["mode"], x["gap"]) for x in body["people_contention"]] == [
        ("squad", "mode-2", "-1.00")
    ]
    assert [x["mode"] for x in body["money_contention"]] == ["mode-2"]
    gloria = client_for(estate.gloria)  # the test client is shared: sign Gloria back in
    assert (
        _post(
            gloria, f"{API}capacities/", {"team": "squad", "fiscal_year": 2026, "mode": "mode-1", "fte": "2"}
        ).status_code
        == 201
    )
    other = InitiativeFactory(team=estate.squad, mode=estate.mode1)
    plan = {"source": f"allocation:{allocation}", "target": f"initiative:{other.pk}", "quantity": "1"}
    preview = _post(gloria, f"{API}contention/what-if/", plan).json()
    assert preview["applied"] is False and preview["after"]["people_contention"] == []
    assert preview["before"]["people_contention"]
    assert _post(gloria, f"{API}contention/reallocate/", plan).status_code == 400  # reason required
    assert (
        _post(client_for(estate.audrey), f"{API}contention/reallocate/", plan | {"reason": "x"}).status_code
        == 403
    )
    gloria = client_for(estate.gloria)
    applied = _post(gloria, f"{API}contention/reallocate/", plan | {"reason": "Rebalance"}).json()
    assert applied["applied"] is True and applied["after"]["people_contention"] == []
    assert (
        _post(
            client_for(estate.owen),
            f"{API}budgets/",
            {"fiscal_year": 2026, "initiative": initiative.reference, "amount": "1"},
        ).status_code
        == 403
    )


def test_initiative_list_query_count_is_flat(estate, client_for):
    client = client_for(estate.audrey)
    InitiativeFactory(team=estate.squad).services.add(estate.app)
    client.get(f"{API}initiatives/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{API}initiatives/").status_code == 200
    for n in range(8):
        initiative = InitiativeFactory(team=estate.squad)
        initiative.services.add(estate.app)
        services.risk_create(
            actor=estate.gloria, initiative=initiative, title=f"R{n}", probability=5, impact=4
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{API}initiatives/").json()
    assert body["count"] == 9 and body["results"][-1]["rag"] == "amber"
    assert len(many) == len(few)


def test_demand_list_query_count_is_flat(estate, client_for):
    client = client_for(estate.gloria)
    services.demand_create(actor=estate.rita, title="One", org_unit=estate.central, mode=estate.mode2)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}demands/")
    for n in range(6):
        services.demand_create(
            actor=estate.rita, title=f"D{n}", org_unit=estate.central, mode=estate.mode2, team=estate.squad
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"{API}demands/").json()["count"] == 7
    assert len(many) == len(few)


def test_initiative_update_and_rebaseline(estate, client_for):
    initiative = InitiativeFactory(team=estate.squad, owner=estate.owen, baseline_end=date(2026, 6, 1))
    client = client_for(estate.owen)
    response = client.patch(
        f"{API}initiatives/{initiative.reference}/",
        {"rag_override": "amber", "rag_note": "Vendor late"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["rag"] == "amber"
    assert (
        _post(
            client,
            f"{API}initiatives/{initiative.reference}/rebaseline/",
            {"baseline_start": "2026-01-01", "baseline_end": "2026-09-01", "reason": "x"},
        ).status_code
        == 403
    )
    response = _post(
        client_for(estate.gloria),
        f"{API}initiatives/{initiative.reference}/rebaseline/",
        {"baseline_start": "2026-01-01", "baseline_end": "2026-09-01", "reason": "Scope added"},
    )
    assert response.status_code == 200 and response.json()["baseline_end"] == "2026-09-01"
    assert Initiative.objects.get(pk=initiative.pk).baseline_end == date(2026, 9, 1)


def test_a_milestone_is_created_as_the_api_shows_it_with_its_actual_date(estate, client_for):
    initiative = services.initiative_create(
        actor=estate.gloria,
        name="Core upgrade",
        approach="waterfall",
        mode=estate.mode1,
        org_unit=estate.central,
        baseline_start=date(2026, 1, 5),
        baseline_end=date(2026, 12, 18),
    )
    response = _post(
        client_for(estate.gloria),
        f"{API}milestones/",
        {
            "initiative": initiative.reference,
            "name": "Go-live",
            "baseline_date": "2026-06-01",
            "actual_date": "2026-06-03",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["forecast_date"] == "2026-06-01" and body["actual_date"] == "2026-06-03"
    entry = AuditEntry.objects.get(verb="milestone_create")
    assert entry.after["actual_date"] == "2026-06-03"

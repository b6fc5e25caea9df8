"""Pages of initiatives and demand: the initiative page and its forms (risk, milestone, edit, sprint, epic),
phase and milestone forms, gates, starting an initiative, editing demand; refusals and denials."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bimodal.core.models import AuditEntry
from bimodal.delivery import services
from bimodal.delivery.models import Demand, GateCriterion, Initiative, InitiativeRisk, Milestone

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC"))


def _step(client, initiative, step, data):
    return client.post(f"/delivery/initiatives/{initiative.reference}/{step}/", data)


def test_the_initiative_page_shows_the_plan_and_the_forms_to_its_owner(estate, client_for, waterfall):
    page = client_for(estate.owen).get(f"/delivery/initiatives/{waterfall.reference}/").content.decode()
    assert "Core banking upgrade" in page and "Initiation gate" in page
    assert 'name="risk-title"' in page and 'name="ms-name"' in page


def test_an_auditor_reads_the_initiative_page_without_forms(estate, client_for, waterfall):
    response = client_for(estate.audrey).get(f"/delivery/initiatives/{waterfall.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Core banking upgrade" in page and 'name="risk-title"' not in page


def test_an_unknown_initiative_is_404(estate, client_for):
    assert client_for(estate.gloria).get("/delivery/initiatives/INI-404/").status_code == 404


def test_a_requester_may_not_open_an_initiative(estate, client_for, agile):
    assert client_for(estate.rita).get(f"/delivery/initiatives/{agile.reference}/").status_code == 404


def test_a_waterfall_initiative_has_no_board(estate, client_for, waterfall):
    assert (
        client_for(estate.owen).get(f"/delivery/initiatives/{waterfall.reference}/board/").status_code == 404
    )


def test_the_risk_form_logs_a_risk(estate, client_for, agile):
    data = {"risk-title": "Vendor late", "risk-probability": 4, "risk-impact": 5, "risk-status": "open"}
    response = _step(client_for(estate.pat), agile, "risk", data)
    assert response.status_code == 302
    risk = InitiativeRisk.objects.get()
    assert (risk.title, risk.exposure, risk.initiative) == ("Vendor late", 20, agile)


def test_a_bad_risk_writes_nothing_and_says_why(estate, client_for, agile):
    client = client_for(estate.pat)
    data = {"risk-title": "Bad", "risk-probability": 9, "risk-impact": 5, "risk-status": "open"}
    response = _step(client, agile, "risk", data)
    assert response.status_code == 302 and not InitiativeRisk.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "probability" in page.lower() or "less than or equal to 5" in page


def test_an_outsider_s_risk_is_refused(estate, client_for, waterfall):
    data = {"risk-title": "R", "risk-probability": 1, "risk-impact": 1, "risk-status": "open"}
    response = _step(client_for(estate.pat), waterfall, "risk", data)
    assert response.status_code == 403
    assert not InitiativeRisk.objects.exists()


def test_an_unknown_step_is_404(estate, client_for, agile):
    assert _step(client_for(estate.gloria), agile, "teleport", {}).status_code == 404


def test_the_milestone_form_adds_a_milestone(estate, client_for, waterfall):
    data = {"ms-name": "Go-live", "ms-baseline_date": "2026-11-30"}
    assert _step(client_for(estate.owen), waterfall, "milestone", data).status_code == 302
    milestone = Milestone.objects.get()
    assert milestone.forecast_date == date(2026, 11, 30) and milestone.name == "Go-live"


def test_the_edit_form_sets_a_rag_override_and_wip_limits(estate, client_for, agile):
    data = {
        "owner": estate.gloria.pk,
        "team": estate.squad.pk,
        "rag_override": "red",
        "rag_note": "Blocked",
        "wip_in_progress": 3,
    }
    assert _step(client_for(estate.gloria), agile, "edit", data).status_code == 302
    agile.refresh_from_db()
    assert (agile.rag_override, agile.rag_note, agile.wip_limits) == ("red", "Blocked", {"in_progress": 3})


def test_the_status_form_puts_an_initiative_on_hold(estate, client_for, agile):
    _step(client_for(estate.gloria), agile, "status", {"status": "on_hold", "reason": "Funding"})
    agile.refresh_from_db()
    assert agile.status == "on_hold"
    assert AuditEntry.objects.get(verb="initiative_on_hold").reason == "Funding"


def test_the_epic_story_and_sprint_forms_plan_agile_work(estate, client_for, agile):
    client = client_for(estate.pat)
    with time_machine.travel(NOON, tick=False):
        _step(client, agile, "epic", {"epic-title": "Sign-up"})
        _step(client, agile, "story", {"story-title": "Email check", "story-points": 3})
        _step(client, agile, "sprint", {"sprint-name": "S1", "sprint-start": "2026-03-02"})
    assert [e.title for e in agile.epics.all()] == ["Sign-up"]
    assert [(s.title, s.points) for s in agile.stories.all()] == [("Email check", 3)]
    assert agile.sprints.get().end == date(2026, 3, 15)


def test_the_phase_form_re_forecasts(estate, client_for, waterfall):
    phase = waterfall.phases.get(kind="test")
    response = client_for(estate.owen).post(
        f"/delivery/phases/{phase.pk}/forecast/", {"forecast_end": "2026-11-20"}
    )
    assert response.status_code == 302
    phase.refresh_from_db()
    assert phase.forecast_end == date(2026, 11, 20)


def test_the_milestone_form_records_it_reached(estate, client_for, waterfall):
    milestone = services.milestone_create(
        actor=estate.owen, initiative=waterfall, name="UAT", baseline_date=date(2026, 9, 1)
    )
    client_for(estate.owen).post(
        f"/delivery/milestones/{milestone.pk}/", {"forecast_date": "2026-09-01", "actual_date": "2026-09-05"}
    )
    milestone.refresh_from_db()
    assert milestone.actual_date == date(2026, 9, 5)


def test_the_gate_form_adds_a_criterion(estate, client_for, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    client_for(estate.owen).post(f"/delivery/gates/{gate.pk}/criterion/", {"name": "Risk log reviewed"})
    assert GateCriterion.objects.filter(gate=gate, name="Risk log reviewed").exists()


def test_starting_an_initiative_from_the_page(estate, client_for):
    client = client_for(estate.gloria)
    assert client.get("/delivery/initiatives/new/").status_code == 200
    response = client.post(
        "/delivery/initiatives/new/",
        {
            "name": "Payments hub",
            "approach": "waterfall",
            "mode": estate.mode1.pk,
            "org_unit": estate.central.pk,
            "investment_class": "transform",
            "baseline_start": "2026-01-05",
            "baseline_end": "2026-12-18",
        },
    )
    initiative = Initiative.objects.get(name="Payments hub")
    assert response.status_code == 302 and response["Location"] == initiative.get_absolute_url()
    assert initiative.owner == estate.gloria and initiative.phases.count() == 6


def test_starting_an_initiative_is_refused_to_requesters(estate, client_for):
    assert client_for(estate.rita).get("/delivery/initiatives/new/").status_code == 403


def test_a_requester_edits_their_draft_demand(estate, client_for):
    demand = services.demand_create(
        actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2
    )
    client = client_for(estate.rita)
    assert client.get(f"/delivery/demand/{demand.reference}/edit/").status_code == 200
    data = {
        "title": "Mine, sharper",
        "org_unit": estate.central.pk,
        "mode": estate.mode2.pk,
        "investment_class": "grow",
        "value": 5,
        "urgency": 3,
        "risk": 3,
        "strategic_fit": 3,
        "cost_estimate": "1000",
        "fte_estimate": "1",
    }
    assert client.post(f"/delivery/demand/{demand.reference}/edit/", data).status_code == 302
    demand.refresh_from_db()
    assert demand.title == "Mine, sharper" and demand.value == 5


def test_another_requester_cannot_open_the_demand(estate, client_for, make_user):
    demand = services.demand_create(
        actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2
    )
    client = client_for(make_user("requester"))
    assert client.get(f"/delivery/demand/{demand.reference}/").status_code == 404
    assert client.get(f"/delivery/demand/{demand.reference}/edit/").status_code == 404


def test_the_demand_list_shows_a_requester_only_their_own(estate, client_for, make_user):
    services.demand_create(actor=estate.rita, title="Rita's", org_unit=estate.central, mode=estate.mode2)
    other = make_user("requester")
    services.demand_create(actor=other, title="Other's", org_unit=estate.central, mode=estate.mode2)
    page = client_for(estate.rita).get("/delivery/demand/").content.decode()
    assert "Rita&#x27;s" in page and "Other&#x27;s" not in page
    assert Demand.objects.count() == 2


def test_a_bad_demand_form_is_a_400_and_writes_nothing(estate, client_for):
    before = (Demand.objects.count(), AuditEntry.objects.count())
    response = client_for(estate.rita).post(
        "/delivery/demand/new/", {"title": "", "org_unit": estate.central.pk, "value": 9}
    )
    assert response.status_code == 400
    assert {"title", "mode", "cost_estimate"} <= set(response.context["form"].errors)
    assert (Demand.objects.count(), AuditEntry.objects.count()) == before


def test_editing_a_submitted_demand_shows_the_refusal_on_the_form(estate, client_for):
    demand = services.demand_create(
        actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2, cost_estimate=1
    )
    services.demand_submit(actor=estate.rita, demand=demand)
    data = {
        "title": "Too late",
        "org_unit": estate.central.pk,
        "mode": estate.mode2.pk,
        "investment_class": "grow",
        "value": 3,
        "urgency": 3,
        "risk": 3,
        "strategic_fit": 3,
        "cost_estimate": "1",
        "fte_estimate": "0",
    }
    response = client_for(estate.rita).post(f"/delivery/demand/{demand.reference}/edit/", data)
    assert response.status_code == 400
    assert "Only a draft or rejected demand can be edited." in response.content.decode()
    demand.refresh_from_db()
    assert demand.title == "Mine"


def test_a_bad_initiative_form_is_a_400_and_writes_nothing(estate, client_for):
    response = client_for(estate.gloria).post(
        "/delivery/initiatives/new/", {"name": "", "approach": "spiral", "mode": estate.mode1.pk}
    )
    assert response.status_code == 400
    assert {"name", "approach", "org_unit"} <= set(response.context["form"].errors)
    assert not Initiative.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/delivery/demand/new/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_demand_list_filters_by_status_newest_first(estate, client_for):
    first = services.demand_create(
        actor=estate.rita, title="First", org_unit=estate.central, mode=estate.mode2
    )
    services.demand_create(actor=estate.rita, title="Second", org_unit=estate.central, mode=estate.mode2)
    services.demand_withdraw(actor=estate.rita, demand=first)
    client = client_for(estate.rita)
    page = client.get("/delivery/demand/").content.decode()
    listed = page[page.index("<tbody>", page.index('name="status"')) :]
    assert listed.index("Second") < listed.index("First")
    withdrawn = client.get("/delivery/demand/?status=withdrawn").content.decode()
    listed = withdrawn[withdrawn.index("<tbody>", withdrawn.index('name="status"')) :]
    assert "First" in listed and "Second" not in listed


def test_the_demand_list_needs_the_view_permission(estate, client_for, make_user):
    assert client_for(make_user()).get("/delivery/demand/").status_code == 403


def test_the_demand_page_offers_the_requester_its_steps_and_an_auditor_none(estate, client_for):
    demand = services.demand_create(
        actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2
    )
    page = client_for(estate.rita).get(f"/delivery/demand/{demand.reference}/").content.decode()
    assert 'data-testid="step-submit"' in page and 'data-testid="step-withdraw"' in page
    assert f'data-testid="demand-score">{demand.score}' in page
    audited = client_for(estate.audrey).get(f"/delivery/demand/{demand.reference}/")
    assert audited.status_code == 200
    assert 'data-testid="step-submit"' not in audited.content.decode()


def test_an_unknown_demand_is_404(estate, client_for):
    assert client_for(estate.gloria).get("/delivery/demand/DEM-9999/").status_code == 404

"""API of initiatives' work: risks, dependencies, phases, milestones, epics, stories and sprints — 400 naming
the field with nothing written, 403 for those without the right, 404 for what a user may not see, and
partial updates that change only what they send."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bimodal.core.models import AuditEntry
from bimodal.delivery import services
from bimodal.delivery.models import Epic, InitiativeDependency, InitiativeRisk, Milestone, Sprint, Story

pytestmark = pytest.mark.django_db
API = "/api/delivery/"
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC"))


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _refused_with(response, *fields, status=400):
    assert response.status_code == status, response.content
    assert set(fields) <= set(response.json()), response.json()


@pytest.mark.parametrize(
    ("resource", "body", "fields", "model"),
    [
        ("risks", {"title": "", "probability": 9}, ("title", "probability"), InitiativeRisk),
        ("milestones", {"name": "Go-live"}, ("baseline_date",), Milestone),
        ("stories", {"title": "Big", "points": 200}, ("points",), Story),
        ("sprints", {"name": "S1"}, ("start",), Sprint),
        ("epics", {"title": ""}, ("title",), Epic),
    ],
)
def test_bad_input_is_400_naming_the_fields_and_writes_nothing(
    estate, client_for, agile, resource, body, fields, model
):
    before = (model.objects.count(), AuditEntry.objects.count())
    response = _post(client_for(estate.gloria), f"{API}{resource}/", {"initiative": agile.reference, **body})
    _refused_with(response, *fields)
    assert (model.objects.count(), AuditEntry.objects.count()) == before


def test_an_unknown_initiative_is_a_field_error(estate, client_for):
    response = _post(client_for(estate.gloria), f"{API}risks/", {"initiative": "INI-999", "title": "R"})
    _refused_with(response, "initiative")


def test_an_epic_on_a_waterfall_initiative_is_refused_by_the_service(estate, client_for, waterfall):
    response = _post(
        client_for(estate.owen), f"{API}epics/", {"initiative": waterfall.reference, "title": "E"}
    )
    _refused_with(response, "initiative")
    assert not Epic.objects.exists()


def test_a_self_dependency_is_400_on_depends_on(estate, client_for, agile):
    body = {"initiative": agile.reference, "depends_on": agile.reference}
    _refused_with(_post(client_for(estate.gloria), f"{API}dependencies/", body), "depends_on")
    assert not InitiativeDependency.objects.exists()


def test_an_auditor_reads_but_writes_nothing(estate, client_for, agile):
    client = client_for(estate.audrey)
    assert client.get(f"{API}risks/").status_code == 200
    response = _post(client, f"{API}risks/", {"initiative": agile.reference, "title": "R"})
    assert response.status_code == 403
    assert not InitiativeRisk.objects.exists()


def test_a_requester_sees_no_initiatives(estate, client_for, agile):
    client = client_for(estate.rita)
    response = client.get(f"{API}initiatives/{agile.reference}/")
    assert response.status_code == 403  # no view permission on initiatives at all
    assert agile.reference not in client.get(f"{API}stories/").content.decode()


def test_an_outsider_cannot_log_a_risk_on_another_team_s_initiative(estate, client_for, waterfall):
    response = _post(
        client_for(estate.pat), f"{API}risks/", {"initiative": waterfall.reference, "title": "R"}
    )
    assert response.status_code == 403
    assert not InitiativeRisk.objects.exists()


def test_patching_a_risk_changes_only_what_is_sent(estate, client_for, agile):
    risk = services.risk_create(
        actor=estate.pat, initiative=agile, title="Vendor", probability=4, impact=4, mitigation="Chase"
    )
    response = _patch(client_for(estate.pat), f"{API}risks/{risk.pk}/", {"status": "closed"})
    assert response.status_code == 200, response.content
    risk.refresh_from_db()
    assert risk.status == "closed" and (risk.probability, risk.mitigation) == (4, "Chase")


def test_patching_a_milestone_records_it_reached(estate, client_for, waterfall):
    milestone = services.milestone_create(
        actor=estate.owen, initiative=waterfall, name="UAT", baseline_date=date(2026, 9, 1)
    )
    response = _patch(
        client_for(estate.owen), f"{API}milestones/{milestone.pk}/", {"actual_date": "2026-09-04"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["slip_days"] == 3
    milestone.refresh_from_db()
    assert milestone.actual_date == date(2026, 9, 4) and milestone.name == "UAT"


def test_re_forecasting_a_phase_moves_the_initiative_forecast(estate, client_for, waterfall):
    phase = waterfall.phases.get(kind="deploy")
    response = _patch(client_for(estate.owen), f"{API}phases/{phase.pk}/", {"forecast_end": "2027-02-26"})
    assert response.status_code == 200, response.content
    waterfall.refresh_from_db()
    assert waterfall.forecast_end == date(2027, 2, 26)


def test_a_bad_phase_date_is_400(estate, client_for, waterfall):
    phase = waterfall.phases.get(kind="deploy")
    _refused_with(
        _patch(client_for(estate.owen), f"{API}phases/{phase.pk}/", {"forecast_end": "soon"}), "forecast_end"
    )


def test_the_mode_of_an_initiative_cannot_be_changed_by_an_edit(estate, client_for, agile):
    response = _patch(client_for(estate.gloria), f"{API}initiatives/{agile.reference}/", {"mode": "mode-1"})
    _refused_with(response, "mode")
    agile.refresh_from_db()
    assert agile.mode == estate.mode2


def test_patching_an_initiative_s_wip_limits(estate, client_for, agile):
    body = {"wip_limits": {"in_progress": 4, "review": 1}}
    response = _patch(client_for(estate.gloria), f"{API}initiatives/{agile.reference}/", body)
    assert response.status_code == 200, response.content
    agile.refresh_from_db()
    assert agile.wip_limits == {"in_progress": 4, "review": 1} and agile.name == "Mobile onboarding"


def test_a_zero_wip_limit_is_400(estate, client_for, agile):
    body = {"wip_limits": {"in_progress": 0}}
    _refused_with(
        _patch(client_for(estate.gloria), f"{API}initiatives/{agile.reference}/", body), "wip_limits"
    )


def test_a_story_patched_into_a_closed_sprint_is_400(estate, client_for, agile):
    with time_machine.travel(NOON, tick=False):
        sprint = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 2, 2))
        services.sprint_start(actor=estate.pat, sprint=sprint)
        services.sprint_close(actor=estate.pat, sprint=sprint)
        story = services.story_create(actor=estate.pat, initiative=agile, title="A")
        response = _patch(client_for(estate.pat), f"{API}stories/{story.pk}/", {"sprint": sprint.pk})
    _refused_with(response, "sprint")
    story.refresh_from_db()
    assert story.sprint is None


def test_a_move_to_an_unknown_column_is_400(estate, client_for, agile):
    with time_machine.travel(NOON, tick=False):
        story = services.story_create(actor=estate.pat, initiative=agile, title="A")
        response = _post(client_for(estate.pat), f"{API}stories/{story.pk}/move/", {"status": "parked"})
    _refused_with(response, "status")


def test_sprints_start_and_close_through_the_api(estate, client_for, agile):
    client = client_for(estate.pat)
    with time_machine.travel(NOON, tick=False):
        response = _post(
            client, f"{API}sprints/", {"initiative": agile.reference, "name": "S1", "start": "2026-02-23"}
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["end"] == "2026-03-08" and body["status"] == "planned"
        started = _post(client, f"{API}sprints/{body['id']}/start/", {})
        assert started.status_code == 200 and started.json()["status"] == "active"
        closed = _post(client, f"{API}sprints/{body['id']}/close/", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert _post(client, f"{API}sprints/{body['id']}/close/", {}).status_code == 400


def test_a_demand_of_another_requester_is_not_found(estate, client_for, make_user):
    demand = services.demand_create(
        actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2
    )
    other = make_user("requester")
    response = _patch(client_for(other), f"{API}demands/{demand.reference}/", {"title": "Theirs"})
    assert response.status_code == 404
    demand.refresh_from_db()
    assert demand.title == "Mine"


def test_a_partial_demand_edit_keeps_the_other_fields(estate, client_for):
    demand = services.demand_create(
        actor=estate.rita, title="Mine", org_unit=estate.central, mode=estate.mode2, value=5
    )
    response = _patch(client_for(estate.rita), f"{API}demands/{demand.reference}/", {"title": "Renamed"})
    assert response.status_code == 200, response.content
    demand.refresh_from_db()
    assert demand.title == "Renamed" and demand.value == 5

"""The service-desk API: bad input is a 400 naming the field (and writes nothing), denials are 403 or 404,
and the Alertmanager webhook takes Alertmanager's published payload."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bimodal.core.models import AuditEntry
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import CatalogueItem, SlaDefinition, SupportSchedule, Ticket
from bimodal.servicedesk.tests.factories import (
    CatalogueItemFactory,
    ScheduleFactory,
    SlaDefinitionFactory,
    world,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["lead"] = make_user("governance_lead", username="lead")
    return data


def post(client, url, data, method="post"):
    return getattr(client, method)(url, data, content_type="application/json")


def _fields(response):
    assert response.status_code == 400, response.content
    return set(response.json())


TICKET = "/api/servicedesk/tickets/"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"ticket_type": "request"}, "ticket_type"),  # requests come from the catalogue
        ({"service": "no-such-service"}, "service"),
        ({"impact": 7}, "impact"),
        ({"urgency": "high"}, "urgency"),
        ({"category": "no-such-category"}, "category"),
        ({"major_incident": "perhaps"}, "major_incident"),
    ],
)
def test_opening_a_ticket_with_bad_input_names_the_field(w, client_for, change, field):
    data = {"ticket_type": "incident", "title": "Printer on fire", "service": w["service"].slug, **change}
    assert field in _fields(post(client_for(w["agent"]), TICKET, data))
    assert not Ticket.objects.exists()


def test_a_ticket_needs_its_required_fields(w, client_for):
    assert _fields(post(client_for(w["agent"]), TICKET, {})) == {"ticket_type", "title", "service"}


def test_opening_a_ticket_through_the_api(w, client_for):
    data = {"ticket_type": "incident", "title": "Printer on fire", "service": w["service"].slug}
    with time_machine.travel(datetime(2025, 3, 4, 9, tzinfo=LONDON), tick=False):
        r = post(client_for(w["requester"]), TICKET, {**data, "impact": 1, "urgency": 2})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["priority"], body["requester"], body["status"]) == ("P2", "req", "new")
    assert body["opened_at"].startswith("2025-03-04T09:00:00")


def test_a_requester_cannot_declare_a_major_incident(w, client_for):
    data = {"ticket_type": "incident", "title": "x", "service": w["service"].slug, "major_incident": True}
    assert post(client_for(w["requester"]), TICKET, data).status_code == 403
    assert not Ticket.objects.exists()


def _ticket(w, **kw):
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="t",
        service=w["service"],
        assignment_group=w["desk"],
        requester=w["requester"],
        **kw,
    )


def test_workflow_steps_with_bad_input_name_the_field(w, client_for):
    ticket = _ticket(w)
    client = client_for(w["agent"])
    base = f"{TICKET}{ticket.number}"
    assert "status" in _fields(post(client, f"{base}/transition/", {"status": "sideways"}))
    assert "status" in _fields(post(client, f"{base}/transition/", {"status": "closed"}))
    assert "resolution" in _fields(post(client, f"{base}/transition/", {"status": "resolved"}))
    assert "group" in _fields(post(client, f"{base}/assign/", {"group": "no-such-team"}))
    assert "assignee" in _fields(post(client, f"{base}/assign/", {"group": "desk", "assignee": "otheragent"}))
    assert "body" in _fields(post(client, f"{base}/comment/", {"body": ""}))
    assert "change" in _fields(post(client, f"{base}/link-change/", {"change": "CHG-404"}))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.comments.count()) == ("new", None, 0)


def test_another_groups_agent_gets_403_or_404(w, client_for):
    ticket = _ticket(w)
    client = client_for(w["other_agent"])
    r = post(client, f"{TICKET}{ticket.number}/transition/", {"status": "in_progress"})
    assert r.status_code in {403, 404}
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_unknown_ticket_numbers_are_404(w, client_for):
    client = client_for(w["agent"])
    assert client.get(f"{TICKET}INC999999/").status_code == 404
    assert post(client, f"{TICKET}INC999999/transition/", {"status": "in_progress"}).status_code == 404


def test_anonymous_callers_are_refused(client):
    assert client.get(TICKET).status_code in {401, 403}
    assert post(client, TICKET, {"title": "x"}).status_code in {401, 403}


SCHEDULES = "/api/servicedesk/schedules/"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"hours": {"someday": [["09:00", "17:00"]]}}, "hours"),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "hours"),
        ({"hours": {}}, "hours"),  # no working time at all
        ({"country": "XX"}, "country"),
        ({"country": "GB", "subdivision": "ATLANTIS"}, "subdivision"),
        ({"closures": ["not a date"]}, "closures"),
        ({"slug": "not a slug"}, "slug"),
    ],
)
def test_schedules_with_bad_input_name_the_field(w, client_for, data, field):
    payload = {"name": "Night desk", "hours": {"mon": [["20:00", "23:00"]]}, **data}
    assert field in _fields(post(client_for(w["lead"]), SCHEDULES, payload))
    assert not SupportSchedule.objects.filter(name="Night desk").exists()


def test_schedule_create_and_patch_through_the_api(w, client_for):
    client = client_for(w["lead"])
    r = post(client, SCHEDULES, {"name": "Night desk", "hours": {"mon": [["20:00", "23:00"]]}})
    assert r.status_code == 201 and r.json()["slug"] == "night-desk"
    r = post(client, f"{SCHEDULES}night-desk/", {"closures": ["2025-12-25"]}, method="patch")
    assert r.status_code == 200
    schedule = SupportSchedule.objects.get(slug="night-desk")
    assert (schedule.closures, schedule.hours) == (["2025-12-25"], {"mon": [["20:00", "23:00"]]})
    assert AuditEntry.objects.filter(verb="schedule_update").count() == 1


DEFINITIONS = "/api/servicedesk/sla-definitions/"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"target": "lunch"}, "target"),
        ({"target_seconds": 0}, "target_seconds"),
        ({"target_seconds": -5}, "target_seconds"),
        ({"schedule": "no-such-schedule"}, "schedule"),
        ({"ticket_type": "complaint"}, "ticket_type"),
        ({"priority": "P9"}, "priority"),
        ({"mode": "mode-9"}, "mode"),
        ({"pause_statuses": ["closed"]}, "pause_statuses"),
        ({"warning_thresholds": [0]}, "warning_thresholds"),
        ({"warning_thresholds": [50, 50]}, "warning_thresholds"),
        ({"escalation_team": "no-such-team"}, "escalation_team"),
        ({"name": "Taken"}, "name"),
    ],
)
def test_sla_definitions_with_bad_input_name_the_field(w, client_for, data, field):
    ScheduleFactory(slug="office")
    SlaDefinitionFactory(name="Taken")
    payload = {"name": "P1 response", "target": "response", "target_seconds": 900, "schedule": "office"}
    assert field in _fields(post(client_for(w["lead"]), DEFINITIONS, {**payload, **data}))
    assert SlaDefinition.objects.count() == 1


def test_patching_a_definition_changes_only_what_is_sent(w, client_for):
    definition = SlaDefinitionFactory(name="Office", warning_thresholds=[50, 75], escalation_team=w["desk"])
    r = post(client_for(w["lead"]), f"{DEFINITIONS}{definition.pk}/", {"target_seconds": 60}, method="patch")
    assert r.status_code == 200 and r.json()["id"] == definition.pk
    definition.refresh_from_db()
    assert (definition.target_seconds, definition.warning_thresholds, definition.escalation_team) == (
        60,
        [50, 75],
        w["desk"],
    )
    r = post(
        client_for(w["lead"]), f"{DEFINITIONS}{definition.pk}/", {"escalation_team": None}, method="patch"
    )
    assert r.status_code == 200
    definition.refresh_from_db()
    assert definition.escalation_team is None


CATALOGUE = "/api/servicedesk/catalogue/"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"department": "marketing"}, "department"),
        ({"service": "no-such-service"}, "service"),
        ({"fulfilment_group": "no-such-team"}, "fulfilment_group"),
        ({"requires_approval": True}, "approver"),  # who approves?
        ({"approver": "role", "approver_role": ""}, "approver_role"),
        ({"approver_role": "emperor"}, "approver_role"),
        ({"task_templates": [{"title": ""}]}, "task_templates"),
        ({"task_templates": [{"title": "Fit", "group": "no-such-team"}]}, "task_templates"),
        ({"task_templates": [{"title": "Fit", "colour": "red"}]}, "task_templates"),
        ({"form_schema": [{"name": "x", "type": "choice"}]}, "form_schema"),
    ],
)
def test_catalogue_items_with_bad_input_name_the_field(w, client_for, data, field):
    payload = {
        "name": "Desk lamp",
        "department": "workplace",
        "service": w["service"].slug,
        "fulfilment_group": "desk",
        **data,
    }
    assert field in _fields(post(client_for(w["lead"]), CATALOGUE, payload))
    assert not CatalogueItem.objects.filter(name="Desk lamp").exists()


def test_requesting_an_item_with_bad_answers_names_the_field(w, client_for):
    item = CatalogueItemFactory()
    client = client_for(w["requester"])
    r = post(client, f"{CATALOGUE}{item.slug}/request/", {"data": {"sort_code": "12-34-56", "days": 99}})
    assert "days" in str(r.json()) and r.status_code == 400
    assert "data" in _fields(post(client, f"{CATALOGUE}{item.slug}/request/", {"data": "everything"}))
    assert not Ticket.objects.exists()


def test_inactive_items_are_404_to_requesters(w, client_for):
    item = CatalogueItemFactory(active=False)
    client = client_for(w["requester"])
    assert client.get(f"{CATALOGUE}{item.slug}/").status_code == 404
    assert post(client, f"{CATALOGUE}{item.slug}/request/", {"data": {}}).status_code == 404
    assert client_for(w["lead"]).get(f"{CATALOGUE}{item.slug}/").status_code == 200


def test_requesters_cannot_administer_the_desk(w, client_for):
    client = client_for(w["requester"])
    schedule = ScheduleFactory(slug="office")
    definition = SlaDefinitionFactory(schedule=schedule)
    assert (
        post(client, SCHEDULES, {"name": "Mine", "hours": {"mon": [["09:00", "10:00"]]}}).status_code == 403
    )
    assert post(client, f"{SCHEDULES}office/", {"always_on": True}, method="patch").status_code in {403, 404}
    assert post(client, f"{DEFINITIONS}{definition.pk}/", {"active": False}, method="patch").status_code in {
        403,
        404,
    }
    r = post(client, "/api/servicedesk/priority-matrix/", {"cells": []}, method="put")
    assert r.status_code == 403
    schedule.refresh_from_db()
    definition.refresh_from_db()
    assert (schedule.always_on, definition.active) == (False, True)


def test_priority_matrix_with_bad_cells_names_the_field(w, client_for):
    url = "/api/servicedesk/priority-matrix/"
    r = post(
        client_for(w["lead"]), url, {"cells": [{"impact": 4, "urgency": 1, "priority": "P1"}]}, method="put"
    )
    assert "cells" in _fields(r)
    r = post(
        client_for(w["lead"]), url, {"cells": [{"impact": 1, "urgency": 1, "priority": "P0"}]}, method="put"
    )
    assert "cells" in _fields(r)
    assert sd.priority_matrix()[(1, 1)] == "P1"


def test_patching_a_catalogue_item_changes_only_what_is_sent(w, client_for):
    item = CatalogueItemFactory(slug="permit", description="A permit", task_templates=[{"title": "Issue"}])
    client = client_for(w["lead"])
    r = post(client, f"{CATALOGUE}{item.slug}/", {"active": False, "name": "Parking permit"}, method="patch")
    assert r.status_code == 200 and r.json()["name"] == "Parking permit"
    item.refresh_from_db()
    assert (item.active, item.description, item.task_templates, item.slug) == (
        False,
        "A permit",
        [{"title": "Issue"}],
        "permit",
    )
    assert AuditEntry.objects.filter(verb="catalogue_item_update").count() == 1

"""In-app administration: catalogue items (form-schema editor), SLA definitions, schedules, priority matrix."""

import pytest

from bimodal.core.models import AuditEntry
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import CatalogueItem, PriorityRule, SlaDefinition, SupportSchedule
from bimodal.servicedesk.tests.factories import (
    CatalogueItemFactory,
    ScheduleFactory,
    SlaDefinitionFactory,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["lead"] = make_user("governance_lead", username="lead")
    data["admin"] = make_user("administrator", username="boss")
    return data


def _item_post(w, **extra):
    data = {
        "department": "hr",
        "name": "Parking permit",
        "slug": "",
        "description": "A permit",
        "service": w["service"].pk,
        "fulfilment_group": w["desk"].pk,
        "active": "on",
        "approver": "",
        "approver_role": "",
        "field-TOTAL_FORMS": "2",
        "field-INITIAL_FORMS": "0",
        "field-0-name": "plate",
        "field-0-type": "text",
        "field-0-required": "on",
        "field-0-pattern": "^[A-Z0-9 ]+$",
        "field-0-ORDER": "2",
        "field-1-name": "days",
        "field-1-type": "integer",
        "field-1-min": "1",
        "field-1-max": "30",
        "field-1-ORDER": "1",
        "task-TOTAL_FORMS": "1",
        "task-INITIAL_FORMS": "0",
        "task-0-title": "Issue permit",
        "task-0-group": "other",
        "task-0-ORDER": "1",
    }
    data.update(extra)
    return data


def test_admin_pages_need_the_permission(w, client_for):
    item = CatalogueItemFactory()
    schedule = ScheduleFactory()
    definition = SlaDefinitionFactory(schedule=schedule)
    for who in ("agent", "requester", "auditor"):
        client = client_for(w[who])
        for url in (
            "/servicedesk/admin/",
            "/servicedesk/admin/catalogue/new/",
            f"/servicedesk/admin/schedules/{schedule.slug}/",
            f"/servicedesk/admin/sla/{definition.pk}/",
            "/servicedesk/admin/priority-matrix/",
        ):
            assert client.get(url).status_code in (403, 404), (who, url)
        assert client.post("/servicedesk/admin/catalogue/new/", _item_post(w)).status_code == 403
        assert client.post("/servicedesk/admin/priority-matrix/", {"cell_1_1": "P4"}).status_code == 403
    assert not CatalogueItem.objects.filter(name="Parking permit").exists()
    assert not PriorityRule.objects.exists()
    assert client_for(w["lead"]).get(f"/servicedesk/admin/catalogue/{item.slug}/").status_code == 200


def test_admin_index_query_count_is_flat(w, client_for, django_assert_max_num_queries):
    client = client_for(w["lead"])
    CatalogueItemFactory()
    SlaDefinitionFactory()
    with django_assert_max_num_queries(40) as few:
        assert client.get("/servicedesk/admin/").status_code == 200
    for _ in range(5):
        CatalogueItemFactory()
        SlaDefinitionFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/servicedesk/admin/").status_code == 200


def test_item_editor_creates_item_with_ordered_schema_and_tasks(w, client_for):
    client = client_for(w["lead"])
    response = client.post("/servicedesk/admin/catalogue/new/", _item_post(w))
    assert response.status_code == 302, response.content.decode()[:2000]
    item = CatalogueItem.objects.get(name="Parking permit")
    assert item.slug == "parking-permit"
    assert [f["name"] for f in item.form_schema] == ["days", "plate"]
    assert item.form_schema[0] == {"name": "days", "type": "integer", "min": 1, "max": 30}
    assert item.form_schema[1]["required"] is True
    assert item.task_templates == [{"title": "Issue permit", "group": "other"}]
    assert AuditEntry.objects.filter(verb="catalogue_item_create").count() == 1
    # Edit: remove a field, add a choice field.
    data = _item_post(
        w,
        **{
            "slug": "parking-permit",
            "field-1-DELETE": "on",
            "field-TOTAL_FORMS": "3",
            "field-2-name": "site",
            "field-2-type": "choice",
            "field-2-choices": "London, Leeds",
            "field-2-ORDER": "3",
        },
    )
    assert client.post(f"/servicedesk/admin/catalogue/{item.slug}/", data).status_code == 302
    item.refresh_from_db()
    assert [f["name"] for f in item.form_schema] == ["plate", "site"]
    assert item.form_schema[1]["choices"] == ["London", "Leeds"]
    assert AuditEntry.objects.filter(verb="catalogue_item_update").count() == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"field-0-name": "Bad Name"}, "Lower-case"),
        ({"field-0-pattern": "(["}, "Not a regular expression"),
        ({"field-1-type": "choice"}, "needs choices"),
        ({"field-1-min": "40"}, "Max must not be below min"),
        ({"field-1-name": "plate"}, "duplicate name"),
        ({"task-0-title": ""}, "This field is required"),
        ({"approver": "role", "requires_approval": "on"}, "Choose the role that approves"),
    ],
)
def test_item_editor_bad_input_is_400_and_writes_nothing(w, client_for, extra, message):
    before = AuditEntry.objects.count()
    response = client_for(w["lead"]).post("/servicedesk/admin/catalogue/new/", _item_post(w, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CatalogueItem.objects.filter(name="Parking permit").exists()
    assert AuditEntry.objects.count() == before


def test_schedule_editor(w, client_for):
    client = client_for(w["admin"])
    data = {
        "name": "Leeds office",
        "time_zone": "Europe/London",
        "mon": "09:00-12:30, 13:30-17:30",
        "tue": "09:00-17:00",
        "country": "gb",
        "subdivision": "eng",
        "closures": "2025-12-24\n2025-12-31",
    }
    assert client.post("/servicedesk/admin/schedules/new/", data).status_code == 302
    schedule = SupportSchedule.objects.get(name="Leeds office")
    assert schedule.hours == {"mon": [["09:00", "12:30"], ["13:30", "17:30"]], "tue": [["09:00", "17:00"]]}
    assert (schedule.country, schedule.subdivision) == ("GB", "ENG")
    assert schedule.closures == ["2025-12-24", "2025-12-31"]
    for bad, field_text in [
        ({"mon": "17:00-09:00"}, "increasing"),
        ({"mon": "9am to 5pm"}, "09:00-17:00"),
        ({"country": "XX"}, "not a country"),
        ({"subdivision": "ZZZ"}, "not a subdivision"),
        ({"closures": "31/12/2025"}, "is not a date"),
        ({"mon": "", "tue": ""}, "Give some working hours"),
    ]:
        response = client.post(f"/servicedesk/admin/schedules/{schedule.slug}/", {**data, **bad})
        assert response.status_code == 400, bad
        assert field_text in response.content.decode(), bad
    schedule.refresh_from_db()
    assert schedule.country == "GB" and "mon" in schedule.hours


def test_definition_editor(w, client_for):
    schedule = ScheduleFactory()
    client = client_for(w["lead"])
    data = {
        "name": "P2 incidents",
        "target": "resolution",
        "ticket_type": "incident",
        "priority": "P2",
        "target_hours": "8.5",
        "schedule": schedule.pk,
        "pause_statuses": ["awaiting_customer", "awaiting_supplier"],
        "warning_thresholds": "90, 50, 75",
        "escalation_team": w["desk"].pk,
        "raise_priority_on_breach": "on",
        "active": "on",
    }
    assert client.post("/servicedesk/admin/sla/new/", data).status_code == 302
    d = SlaDefinition.objects.get(name="P2 incidents")
    assert d.target_seconds == 8.5 * 3600 and d.warning_thresholds == [50, 75, 90]
    assert d.pause_statuses == ["awaiting_customer", "awaiting_supplier"] and d.raise_priority_on_breach
    response = client.post(f"/servicedesk/admin/sla/{d.pk}/", {**data, "warning_thresholds": "50, 120"})
    assert response.status_code == 400 and "between 1 and 99" in response.content.decode()
    response = client.post(f"/servicedesk/admin/sla/{d.pk}/", {**data, "target_hours": "0"})
    assert response.status_code == 400
    d.refresh_from_db()
    assert d.target_seconds == 8.5 * 3600


def test_priority_matrix_grid(w, client_for):
    client = client_for(w["lead"])
    page = client.get("/servicedesk/admin/priority-matrix/").content.decode()
    assert 'name="cell_3_3"' in page
    cells = {f"cell_{i}_{u}": str(sd.priority_matrix()[(i, u)]) for i in (1, 2, 3) for u in (1, 2, 3)}
    cells["cell_3_3"] = "P3"
    assert client.post("/servicedesk/admin/priority-matrix/", cells).status_code == 302
    assert PriorityRule.objects.get(impact=3, urgency=3).priority == "P3"
    assert sd.priority_for(3, 3) == "P3"
    assert AuditEntry.objects.filter(verb="priority_matrix_set").count() == 1  # one cell changed
    response = client.post("/servicedesk/admin/priority-matrix/", {**cells, "cell_1_1": "P9"})
    assert response.status_code == 400
    assert sd.priority_for(1, 1) == "P1" and PriorityRule.objects.count() == 1


def test_admin_api(w, client_for):
    schedule = ScheduleFactory(slug="office")
    client = client_for(w["lead"])
    r = client.post(
        "/api/servicedesk/sla-definitions/",
        {"name": "Req", "target": "response", "target_seconds": 3600, "schedule": "office"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    r = client.patch(
        f"/api/servicedesk/sla-definitions/{pk}/",
        {"pause_statuses": ["resolved"]},
        content_type="application/json",
    )
    assert r.status_code == 400 and "pause_statuses" in r.json()
    r = client.patch(
        f"/api/servicedesk/schedules/{schedule.slug}/", {"country": "XX"}, content_type="application/json"
    )
    assert r.status_code == 400 and "country" in r.json()
    item = {
        "name": "Desk lamp",
        "department": "workplace",
        "service": w["service"].slug,
        "fulfilment_group": "desk",
        "form_schema": [{"name": "Colour", "type": "colour"}],
    }
    r = client.post("/api/servicedesk/catalogue/", item, content_type="application/json")
    assert r.status_code == 400 and "form_schema" in r.json()
    assert not CatalogueItem.objects.filter(name="Desk lamp").exists()
    item["form_schema"] = [{"name": "colour", "type": "choice", "choices": ["red", "blue"]}]
    r = client.post("/api/servicedesk/catalogue/", item, content_type="application/json")
    assert r.status_code == 201 and r.json()["slug"] == "desk-lamp"
    r = client.put(
        "/api/servicedesk/priority-matrix/",
        {"cells": [{"impact": 1, "urgency": 3, "priority": "P2"}]},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert {"impact": 1, "urgency": 3, "priority": "P2"} in r.json()["cells"]
    # Agents read, but cannot write.
    agent = client_for(w["agent"])
    assert agent.get("/api/servicedesk/priority-matrix/").status_code == 200
    r = agent.put(
        "/api/servicedesk/priority-matrix/",
        {"cells": [{"impact": 1, "urgency": 1, "priority": "P4"}]},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert agent.post("/api/servicedesk/catalogue/", item, content_type="application/json").status_code == 403
    r = agent.patch(
        f"/api/servicedesk/sla-definitions/{pk}/", {"active": False}, content_type="application/json"
    )
    assert r.status_code == 403
    assert SlaDefinition.objects.get(pk=pk).active


def test_services_refuse_without_permission(w):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        sd.priority_matrix_set(actor=w["agent"], matrix={(1, 1): "P2"})
    with pytest.raises(PermissionDenied):
        sd.schedule_create(actor=w["agent"], name="x", hours={"mon": [["09:00", "17:00"]]})
    with pytest.raises(PermissionDenied):
        sd.catalogue_item_update(actor=w["requester"], item=CatalogueItemFactory(), name="x")

"""The schedule and SLA definition editors (core's generic edit view over the desk's services): where they
send you after saving, what they start from, who may use them, and what they write."""

import pytest

from bimodal.core.models import AuditEntry
from bimodal.servicedesk.models import SlaDefinition, SupportSchedule
from bimodal.servicedesk.tests.factories import ScheduleFactory, SlaDefinitionFactory, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["admin"] = make_user("administrator", username="boss")
    return data


SCHEDULE = {"name": "Leeds office", "time_zone": "Europe/London", "mon": "09:00-17:00"}


def test_a_new_schedule_starts_in_london_and_lands_on_its_page(w, client_for):
    client = client_for(w["admin"])
    page = client.get("/servicedesk/admin/schedules/new/")
    assert page.status_code == 200 and page.context["form"].initial == {"time_zone": "Europe/London"}
    r = client.post("/servicedesk/admin/schedules/new/", SCHEDULE)
    assert r.status_code == 302 and r.url == "/servicedesk/admin/schedules/leeds-office/"
    assert AuditEntry.objects.filter(verb="schedule_create").count() == 1


def test_editing_a_schedule_keeps_its_slug_unless_changed(w, client_for):
    schedule = ScheduleFactory(slug="leeds", name="Leeds")
    client = client_for(w["admin"])
    page = client.get("/servicedesk/admin/schedules/leeds/")
    assert page.context["schedule"] == schedule and page.context["form"].initial["slug"] == "leeds"
    assert client.post("/servicedesk/admin/schedules/leeds/", {**SCHEDULE, "slug": ""}).status_code == 302
    schedule.refresh_from_db()
    assert (schedule.slug, schedule.name, schedule.hours) == (
        "leeds",
        "Leeds office",
        {"mon": [["09:00", "17:00"]]},
    )
    r = client.post("/servicedesk/admin/schedules/leeds/", {**SCHEDULE, "slug": "leeds-office"})
    assert r.url == "/servicedesk/admin/schedules/leeds-office/"
    assert SupportSchedule.objects.get(pk=schedule.pk).slug == "leeds-office"


def test_a_duplicate_schedule_name_is_a_400_on_the_form(w, client_for):
    ScheduleFactory(name="Leeds office", slug="leeds")
    r = client_for(w["admin"]).post("/servicedesk/admin/schedules/new/", SCHEDULE)
    assert r.status_code == 400 and r.context["form"].errors["name"]
    assert SupportSchedule.objects.filter(name="Leeds office").count() == 1


def test_the_editors_refuse_agents_and_do_not_find_unknown_rows(w, client_for):
    schedule = ScheduleFactory(slug="office")
    definition = SlaDefinitionFactory(schedule=schedule)
    agent = client_for(w["agent"])
    for url in ("/servicedesk/admin/schedules/new/", "/servicedesk/admin/sla/new/"):
        assert agent.get(url).status_code == 403
    assert agent.post("/servicedesk/admin/schedules/office/", SCHEDULE).status_code == 403
    assert agent.post(f"/servicedesk/admin/sla/{definition.pk}/", {"name": "x"}).status_code == 403
    admin = client_for(w["admin"])
    assert admin.get("/servicedesk/admin/schedules/nowhere/").status_code == 404
    assert admin.get("/servicedesk/admin/sla/999999/").status_code == 404
    assert SupportSchedule.objects.get(pk=schedule.pk).name == schedule.name


def test_a_new_definition_warns_at_the_usual_thresholds_and_lands_on_its_page(w, client_for):
    schedule = ScheduleFactory()
    client = client_for(w["admin"])
    page = client.get("/servicedesk/admin/sla/new/")
    assert page.context["form"].initial == {"warning_thresholds": "50, 75, 90"}
    data = {"name": "P1 response", "target": "response", "target_hours": "0.25", "schedule": schedule.pk}
    r = client.post(
        "/servicedesk/admin/sla/new/", {**data, "warning_thresholds": "50, 75, 90", "active": "on"}
    )
    definition = SlaDefinition.objects.get(name="P1 response")
    assert r.status_code == 302 and r.url == f"/servicedesk/admin/sla/{definition.pk}/"
    assert (definition.target_seconds, definition.warning_thresholds, definition.active) == (
        900,
        [50, 75, 90],
        True,
    )


def test_editing_a_definition_starts_from_its_values(w, client_for):
    definition = SlaDefinitionFactory(target_seconds=5400, warning_thresholds=[50, 75])
    page = client_for(w["admin"]).get(f"/servicedesk/admin/sla/{definition.pk}/")
    initial = page.context["form"].initial
    assert (initial["target_hours"], initial["warning_thresholds"], page.context["definition"]) == (
        1.5,
        "50, 75",
        definition,
    )

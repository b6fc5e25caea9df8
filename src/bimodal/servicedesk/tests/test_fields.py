"""One field specification per model: the services' keyword arguments, the write serializers and the forms
name the same fields; update services change only the fields they are given."""

import pytest

from bimodal.core.calendars import WEEKDAYS
from bimodal.core.models import AuditEntry
from bimodal.core.tests.fieldspec import service_fields, spec_mismatches
from bimodal.portfolio.tests.factories import mode
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.api.serializers import (
    CatalogueItemWriteSerializer,
    SlaDefinitionWriteSerializer,
    SupportScheduleSerializer,
    TicketWriteSerializer,
)
from bimodal.servicedesk.forms import CatalogueItemForm, ScheduleForm, SlaDefinitionForm, TicketForm
from bimodal.servicedesk.tests.factories import (
    CatalogueItemFactory,
    ScheduleFactory,
    SlaDefinitionFactory,
    world,
)


def test_catalogue_item_fields_are_named_once():
    assert not spec_mismatches(
        sd.CATALOGUE_ITEM_FIELDS,
        services={sd.catalogue_item_create: (), sd.catalogue_item_update: ("item",)},
        serializer=CatalogueItemWriteSerializer,
        form=CatalogueItemForm,
        form_omits=("form_schema", "task_templates"),  # edited in the formsets beside the form
    )


def test_schedule_fields_are_named_once():
    assert not spec_mismatches(
        sd.SCHEDULE_FIELDS,
        services={sd.schedule_create: (), sd.schedule_update: ("schedule",)},
        serializer=SupportScheduleSerializer,
    )
    # The page edits the hours one weekday at a time and folds them into `hours`.
    form_fields = (set(ScheduleForm.base_fields) - set(WEEKDAYS)) | {"hours"}
    assert form_fields == set(sd.SCHEDULE_FIELDS)


def test_sla_definition_fields_are_named_once():
    assert not spec_mismatches(
        sd.SLA_DEFINITION_FIELDS,
        services={sd.sla_definition_create: (), sd.sla_definition_update: ("definition",)},
        serializer=SlaDefinitionWriteSerializer,
    )
    # The page asks for the target in hours; the form turns it into seconds.
    form_fields = (set(SlaDefinitionForm.base_fields) - {"target_hours"}) | {"target_seconds"}
    assert form_fields == set(sd.SLA_DEFINITION_FIELDS)


def test_ticket_fields_are_named_once():
    desk_sets = {
        "assignment_group",
        "assignee",
        "requester",
        "catalogue_item",
        "request_data",
        "alert_group_key",
        "opened_at",
    }
    assert not spec_mismatches(
        sd.TICKET_FIELDS,
        services={sd.ticket_create: desk_sets},
        serializer=TicketWriteSerializer,
        form=TicketForm,
        form_omits=("major_incident",),  # agents declare a major incident on the ticket page
    )


def test_no_public_service_takes_arbitrary_keywords():
    for name in sd.__all__:
        function = getattr(sd, name)
        if callable(function) and not name.startswith("_") and name[0].islower():
            service_fields(function)  # asserts that it takes no **


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["admin"] = make_user("administrator", username="boss")
    return data


@pytest.mark.django_db
def test_catalogue_item_update_changes_only_the_given_fields(w):
    item = CatalogueItemFactory(description="A permit", requires_approval=False)
    sd.catalogue_item_update(actor=w["admin"], item=item, name="Parking permit", reason="renamed")
    item.refresh_from_db()
    assert (item.name, item.description, item.requires_approval) == ("Parking permit", "A permit", False)
    entry = AuditEntry.objects.filter(verb="catalogue_item_update").get()
    assert entry.reason == "renamed"
    assert entry.before["name"] != entry.after["name"]


@pytest.mark.django_db
def test_sla_definition_update_tells_none_from_not_given(w):
    definition = SlaDefinitionFactory(mode=mode("mode-1"), escalation_team=w["desk"])
    sd.sla_definition_update(actor=w["admin"], definition=definition, target_seconds=3600)
    definition.refresh_from_db()
    assert (definition.target_seconds, definition.mode.key, definition.escalation_team) == (
        3600,
        "mode-1",
        w["desk"],
    )
    sd.sla_definition_update(actor=w["admin"], definition=definition, mode=None)
    definition.refresh_from_db()
    assert definition.mode is None
    assert definition.escalation_team == w["desk"]


@pytest.mark.django_db
def test_create_services_fill_the_model_defaults(w):
    schedule = sd.schedule_create(actor=w["admin"], name="Leeds office", hours={"mon": [["09:00", "17:00"]]})
    assert (schedule.slug, schedule.time_zone, schedule.closures, schedule.always_on) == (
        "leeds-office",
        "Europe/London",
        [],
        False,
    )
    definition = sd.sla_definition_create(
        actor=w["admin"], name="Any ticket", target="response", target_seconds=600, schedule=schedule
    )
    assert (definition.ticket_type, definition.pause_statuses, definition.active) == ("", [], True)
    item = sd.catalogue_item_create(
        actor=w["admin"],
        name="New laptop",
        department="it",
        service=w["service"],
        fulfilment_group=w["desk"],
    )
    assert (item.slug, item.form_schema, item.task_templates, item.active) == ("new-laptop", [], [], True)


@pytest.mark.django_db
def test_schedule_update_keeps_the_slug_unless_given(w):
    schedule = ScheduleFactory(slug="london", name="London")
    sd.schedule_update(actor=w["admin"], schedule=schedule, name="London office", closures=["2025-12-29"])
    schedule.refresh_from_db()
    assert (schedule.slug, schedule.name, schedule.closures) == ("london", "London office", ["2025-12-29"])

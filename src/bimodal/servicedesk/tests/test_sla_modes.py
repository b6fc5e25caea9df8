"""The SLA of a ticket comes from its service's mode: definitions scoped to a mode start the clocks of that
mode's tickets, an unscoped one those of every mode, and the mode page lists them (times are frozen)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from bimodal.core.models import AuditEntry
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.forms import SlaDefinitionForm
from bimodal.servicedesk.tests.factories import ScheduleFactory, SlaDefinitionFactory, world

LONDON = ZoneInfo("Europe/London")
H = 3600
pytestmark = pytest.mark.django_db
OPENED = datetime(2025, 3, 4, 9, tzinfo=LONDON)  # a Tuesday, office hours 09:00-17:00


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["mode2_service"] = ServiceFactory(mode=mode("mode-2"), lifecycle="live")
    data["admin"] = make_user("administrator", username="boss")
    return data


@pytest.fixture
def schedule():
    return ScheduleFactory()


def incident(w, service, opened=OPENED, impact=2, urgency=2):
    with time_machine.travel(opened, tick=False):
        return sd.ticket_create(
            actor=w["agent"],
            ticket_type="incident",
            title="Broken",
            service=service,
            opened_at=opened,
            impact=impact,
            urgency=urgency,
            assignment_group=w["desk"],
        )


def clock(ticket):
    instance = ticket.sla_instances.select_related("definition").get(target="resolution")
    return instance.definition.name, instance.due_at.astimezone(LONDON)


def at(hour):
    return datetime(2025, 3, 4, hour, tzinfo=LONDON)


def test_each_mode_gets_its_own_definition(w, schedule):
    SlaDefinitionFactory(name="every mode", target_seconds=8 * H, schedule=schedule)
    SlaDefinitionFactory(name="mode 1", mode=mode("mode-1"), target_seconds=2 * H, schedule=schedule)
    SlaDefinitionFactory(name="mode 2", mode=mode("mode-2"), target_seconds=4 * H, schedule=schedule)
    assert clock(incident(w, w["service"])) == ("mode 1", at(11))
    assert clock(incident(w, w["mode2_service"])) == ("mode 2", at(13))


def test_an_unscoped_definition_applies_to_every_mode(w, schedule):
    SlaDefinitionFactory(name="every mode", target_seconds=6 * H, schedule=schedule)
    assert clock(incident(w, w["service"])) == ("every mode", at(15))
    assert clock(incident(w, w["mode2_service"])) == ("every mode", at(15))


def test_the_scoped_definition_wins_only_at_the_same_specificity(w, schedule):
    SlaDefinitionFactory(name="every mode", target_seconds=8 * H, schedule=schedule)
    SlaDefinitionFactory(
        name="any incident of mode 1", ticket_type="", mode=mode("mode-1"), schedule=schedule
    )
    # Same number of criteria (type vs mode): the older definition wins the tie.
    assert clock(incident(w, w["service"]))[0] == "every mode"


def test_changing_the_scope_changes_the_next_ticket_not_a_running_clock(w, schedule):
    SlaDefinitionFactory(name="every mode", target_seconds=8 * H, schedule=schedule)
    scoped = SlaDefinitionFactory(name="mode 1", mode=mode("mode-1"), target_seconds=2 * H, schedule=schedule)
    running = incident(w, w["service"])
    assert clock(running) == ("mode 1", at(11))

    sd.sla_definition_update(
        actor=w["admin"], definition=scoped, mode=mode("mode-2"), reason="Mode 2 is faster"
    )
    entry = AuditEntry.objects.filter(verb="sla_definition_update", object_id=str(scoped.pk)).get()
    assert entry.reason == "Mode 2 is faster"

    assert clock(incident(w, w["service"])) == ("every mode", at(17))
    assert clock(incident(w, w["mode2_service"])) == ("mode 1", at(11))
    running.refresh_from_db()
    assert clock(running) == ("mode 1", at(11))


def test_the_mode_page_lists_the_definitions_of_its_tickets(w, schedule, make_user, client_for):
    SlaDefinitionFactory(name="every mode", target_seconds=8 * H, schedule=schedule)
    SlaDefinitionFactory(name="mode 1", mode=mode("mode-1"), target_seconds=2 * H, schedule=schedule)
    SlaDefinitionFactory(name="mode 2", mode=mode("mode-2"), target_seconds=4 * H, schedule=schedule)
    SlaDefinitionFactory(name="retired", active=False, schedule=schedule)
    url = reverse("portfolio:mode_detail", args=["mode-1"])

    response = client_for(w["agent"]).get(url)
    assert response.status_code == 200
    assert [d.name for d in response.context["sla_definitions"]] == ["mode 1", "every mode"]
    html = response.content.decode()
    assert 'data-testid="mode-sla"' in html
    assert "Resolution in 2h 00m" in html and "mode 2" not in html

    response = client_for(make_user("requester", username="someone")).get(url)
    assert response.context["sla_definitions"] == []
    assert "You may not see the SLA definitions." in response.content.decode()


def test_the_admin_page_and_the_api_set_a_definitions_mode(w, schedule, client_for):
    definition = SlaDefinitionFactory(name="scoped", target_seconds=2 * H, schedule=schedule)
    client = client_for(w["admin"])
    data = {**SlaDefinitionForm.initial_for(definition), "mode": mode("mode-2").pk, "active": "on"}
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(f"/servicedesk/admin/sla/{definition.pk}/", data)
    assert response.status_code == 302
    definition.refresh_from_db()
    assert definition.mode == mode("mode-2")
    assert clock(incident(w, w["mode2_service"]))[0] == "scoped"
    assert not incident(w, w["service"]).sla_instances.exists()

    url = f"/api/servicedesk/sla-definitions/{definition.pk}/"
    response = client.patch(url, {"mode": "mode-9"}, content_type="application/json")
    assert response.status_code == 400 and "mode" in response.json()
    response = client.patch(url, {"mode": "mode-1"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["mode"] == "mode-1"
    assert AuditEntry.objects.filter(verb="sla_definition_update", object_id=str(definition.pk)).count() == 2
    assert clock(incident(w, w["service"]))[0] == "scoped"


def test_setup_gives_every_mode_its_preset_sla_profile(w):
    """The SLA profile comes from the mode's place on the axis (portfolio.presets.SLA_PROFILES): the most
    stable mode promises a P1/P2 restoration sooner than the exploratory one; written once."""
    from bimodal.portfolio.presets import SLA_PROFILES
    from bimodal.servicedesk.defaults import apply_sla_defaults

    assert apply_sla_defaults(actor=w["admin"]) == 8  # 2 modes × P1, P2 × response, resolution
    assert apply_sla_defaults(actor=w["admin"]) == 0
    stable, agile = SLA_PROFILES[min(SLA_PROFILES)], SLA_PROFILES[max(SLA_PROFILES)]
    for service, profile in ((w["service"], stable), (w["mode2_service"], agile)):
        ticket = incident(w, service, impact=1, urgency=1)
        assert ticket.priority in profile, ticket.priority
        name, due = clock(ticket)
        assert name == f"{service.mode.short_name}: incident {ticket.priority} resolution"
        assert due == OPENED + timedelta(seconds=profile[ticket.priority][1])  # 24×7: wall-clock time
    assert stable["P1"][1] < agile["P1"][1] and stable["P2"][1] < agile["P2"][1]


def test_an_edited_profile_definition_is_left_as_its_owner_set_it(w):
    from bimodal.servicedesk.defaults import apply_sla_defaults
    from bimodal.servicedesk.models import SlaDefinition

    apply_sla_defaults(actor=w["admin"])
    definition = SlaDefinition.objects.get(mode=mode("mode-1"), priority="P1", target="resolution")
    sd.sla_definition_update(actor=w["admin"], definition=definition, target_seconds=3 * H)
    assert apply_sla_defaults(actor=w["admin"]) == 0
    definition.refresh_from_db()
    assert definition.target_seconds == 3 * H

"""Alertmanager's own times: an incident opens when its alert started and resolves when it ended, not when
the notifications arrived. The payloads are Alertmanager's documented webhook body, version 4
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config): `startsAt` and `endsAt` per
alert, `endsAt` "0001-01-01T00:00:00Z" while an alert still fires."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bimodal.insights.models import Transition
from bimodal.servicedesk.models import Ticket, TicketEvent
from bimodal.servicedesk.tests.factories import SlaDefinitionFactory, world

pytestmark = pytest.mark.django_db

URL = "/api/servicedesk/alertmanager/"
AUTH = {"HTTP_AUTHORIZATION": "Bearer s3cret"}
ZERO = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert that has not ended


def notification(service_slug: str, *, status: str, starts: str, ends: str = ZERO) -> dict:
    """One notification of a one-alert group, every field of the version 4 body filled in."""
    return {
        "version": "4",
        "groupKey": '{}/{}:{alertname="ApiDown"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "bimodal",
        "groupLabels": {"alertname": "ApiDown"},
        "commonLabels": {"alertname": "ApiDown", "service": service_slug, "severity": "critical"},
        "commonAnnotations": {"summary": "API down"},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "ApiDown", "instance": "api-1:443", "service": service_slug},
                "annotations": {"summary": "API down"},
                "startsAt": starts,
                "endsAt": ends,
                "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=up%3D%3D0",
                "fingerprint": "5d3f1a2b3c4d5e6f",
            }
        ],
    }


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def w(make_user, settings):
    settings.BIMODAL_ALERTMANAGER_SECRET = "s3cret"
    return world(make_user)


def _post(client, body):
    return client.post(URL, body, content_type="application/json", **AUTH)


def test_an_eight_minute_outage_is_eight_minutes_from_its_alerts_times(w, client):
    SlaDefinitionFactory(ticket_type="incident")
    slug = w["service"].slug
    # The alert started at 10:00; the first notification arrives at 10:10 (group_wait and a slow route).
    with time_machine.travel(utc(2025, 3, 4, 10, 10), tick=False):
        response = _post(client, notification(slug, status="firing", starts="2025-03-04T10:00:00Z"))
    assert response.status_code == 201, response.json()
    incident = Ticket.objects.get()
    assert incident.opened_at == utc(2025, 3, 4, 10)
    assert incident.sla_instances.get().started_at == utc(2025, 3, 4, 10)
    # It ended at 10:08; the resolved notification arrives 9 seconds after the first one.
    resolved = notification(
        slug, status="resolved", starts="2025-03-04T10:00:00Z", ends="2025-03-04T10:08:00Z"
    )
    with time_machine.travel(utc(2025, 3, 4, 10, 10, 9), tick=False):
        assert _post(client, resolved).json()["outcome"] == "resolved"
    incident.refresh_from_db()
    assert incident.resolved_at == utc(2025, 3, 4, 10, 8)
    assert incident.resolved_at - incident.opened_at == timedelta(minutes=8)
    assert incident.sla_instances.get().stopped_at == utc(2025, 3, 4, 10, 8)
    log = list(
        Transition.objects.filter(object_id=incident.pk, stream="ticket")
        .order_by("at", "pk")
        .values_list("to_state", "at")
    )
    assert log[0] == ("new", utc(2025, 3, 4, 10))
    assert log[-1] == ("resolved", utc(2025, 3, 4, 10, 8))
    opened = TicketEvent.objects.get(ticket=incident, kind="opened")
    assert opened.at == utc(2025, 3, 4, 10)


def test_a_resolved_notification_without_an_end_uses_its_receipt(w, client):
    slug = w["service"].slug
    with time_machine.travel(utc(2025, 3, 4, 10, 10), tick=False):
        _post(client, notification(slug, status="firing", starts="2025-03-04T10:00:00Z"))
    with time_machine.travel(utc(2025, 3, 4, 10, 30), tick=False):
        _post(client, notification(slug, status="resolved", starts="2025-03-04T10:00:00Z"))
    assert Ticket.objects.get().resolved_at == utc(2025, 3, 4, 10, 30)


def test_an_end_before_the_incidents_last_step_is_taken_as_that_step(w, client):
    # A group that fired again after its first incident was resolved keeps its alert's start: the new
    # incident opens no earlier than the first one's resolution, and ends no earlier than it opened.
    slug = w["service"].slug
    with time_machine.travel(utc(2025, 3, 4, 10, 10), tick=False):
        _post(client, notification(slug, status="firing", starts="2025-03-04T10:00:00Z"))
    with time_machine.travel(utc(2025, 3, 4, 10, 20), tick=False):
        _post(
            client,
            notification(slug, status="resolved", starts="2025-03-04T10:00:00Z", ends="2025-03-04T10:15:00Z"),
        )
    with time_machine.travel(utc(2025, 3, 4, 11), tick=False):
        _post(client, notification(slug, status="firing", starts="2025-03-04T10:00:00Z"))
    second = Ticket.objects.order_by("pk").last()
    assert second.opened_at == utc(2025, 3, 4, 10, 15)
    with time_machine.travel(utc(2025, 3, 4, 11, 5), tick=False):
        _post(
            client,
            notification(slug, status="resolved", starts="2025-03-04T10:00:00Z", ends="2025-03-04T10:05:00Z"),
        )
    second.refresh_from_db()
    assert second.resolved_at == utc(2025, 3, 4, 10, 15)


def test_a_start_a_little_ahead_of_the_clock_is_taken_as_now(w, client):
    slug = w["service"].slug
    with time_machine.travel(utc(2025, 3, 4, 10), tick=False):
        _post(client, notification(slug, status="firing", starts="2025-03-04T10:00:30Z"))
    assert Ticket.objects.get().opened_at == utc(2025, 3, 4, 10)


@pytest.mark.parametrize(
    ("status", "starts", "ends", "field"),
    [
        ("firing", "2025-03-04T11:00:00Z", ZERO, "alerts[0].startsAt"),  # an hour ahead
        ("firing", "0001-01-01T00:00:00Z", ZERO, "alerts[0].startsAt"),
        ("firing", "1970-01-01T00:00:00Z", ZERO, "alerts[0].startsAt"),
        ("resolved", "2025-03-04T09:00:00Z", "2025-03-05T10:00:00Z", "alerts[0].endsAt"),  # a day ahead
        ("resolved", "2025-03-04T09:00:00Z", "yesterday", "alerts[0].endsAt"),
        ("resolved", "2025-03-04T09:00:00Z", "9999-12-31T23:59:59Z", "alerts[0].endsAt"),
    ],
)
def test_times_in_the_future_or_absurd_are_a_400_naming_the_field(w, client, status, starts, ends, field):
    slug = w["service"].slug
    with time_machine.travel(utc(2025, 3, 4, 9, 30), tick=False):
        _post(client, notification(slug, status="firing", starts="2025-03-04T09:00:00Z"))
        before = copy.deepcopy(list(Ticket.objects.values()))
        body = notification(slug, status=status, starts=starts, ends=ends)
        body["groupKey"] = body["groupKey"] if status == "resolved" else "another group"
        response = _post(client, body)
    assert response.status_code == 400, response.json()
    assert field in str(response.json())
    assert list(Ticket.objects.values()) == before


def test_an_alert_incident_is_routed_by_the_rules_of_every_ticket(w, client):
    """A rule for the service sends its alerts' incidents to that group (not the service's owner team),
    and the group's members are the ones told."""
    from bimodal.core.models import Notification
    from bimodal.servicedesk.models import RoutingRule

    rule = RoutingRule.objects.create(name="API alerts", order=1, service=w["service"], group=w["other"])
    with time_machine.travel(utc(2025, 3, 4, 10, 10), tick=False):
        response = _post(
            client, notification(w["service"].slug, status="firing", starts="2025-03-04T10:00:00Z")
        )
    assert response.status_code == 201, response.json()
    incident = Ticket.objects.get()
    assert (incident.assignment_group, incident.routing_rule) == (w["other"], rule)
    assert Notification.objects.filter(recipient=w["other_agent"]).count() == 1
    assert not Notification.objects.filter(recipient=w["agent"]).exists()

"""The Alertmanager webhook against hostile input: every payload is a 2xx or a 400 naming the field, and a
refused one writes nothing. The payload shape is Alertmanager's documented webhook body (version 4,
https://prometheus.io/docs/alerting/latest/configuration/#webhook_config)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.core.models import AuditEntry
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/api/servicedesk/alertmanager/"
AUTH = {"HTTP_AUTHORIZATION": "Bearer s3cret"}
ALERT = {
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "bimodal",
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical", "service": "web"},
    "commonAnnotations": {"summary": "5xx above 5%"},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighErrorRate", "instance": "web-1"},
            "annotations": {},
            "startsAt": "2025-03-04T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom/graph",
            "fingerprint": "a1",
        }
    ],
}


@pytest.fixture
def secret(settings):
    settings.BIMODAL_ALERTMANAGER_SECRET = "s3cret"
    ServiceFactory(slug="web")


def _post(client, body):
    return client.post(URL, json.dumps(body, allow_nan=True), content_type="application/json", **AUTH)


def _with(**changes):
    body = copy.deepcopy(ALERT)
    body.update(changes)
    return body


def _alert_with(**changes):
    body = copy.deepcopy(ALERT)
    body["alerts"][0].update(changes)
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_with(commonLabels="service=web"), "commonLabels"),
        (_with(commonLabels=None), "commonLabels"),
        (_with(commonLabels={"service": "we\x00b"}), "commonLabels"),
        (_alert_with(labels="alertname=x"), "alerts"),
        (_alert_with(labels=None), "alerts"),
        (_with(groupKey="a\x00b"), "groupKey"),
        (_with(groupKey=None), "groupKey"),
        (_alert_with(startsAt="2026-13-45"), "alerts"),
        (_alert_with(startsAt="2026-01-01T00:00:00+99:00"), "alerts"),
        (_with(alerts="firing"), "alerts"),
        (_with(status="burning"), "status"),
    ],
)
def test_malformed_payload_is_400_naming_the_field(client, secret, body, field):
    response = _post(client, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_the_documented_payload_opens_an_incident(client, secret):
    assert _post(client, ALERT).status_code == 201


def test_not_a_json_object_is_400(client, secret):
    for raw in (b"[1, 2]", b'"text"', b"null", b"{not json"):
        response = client.post(URL, raw, content_type="application/json", **AUTH)
        assert response.status_code == 400, raw


HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(
        ["\x00", "web\x00", "2026-13-45", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]
    ),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=4), st.one_of(st.text(max_size=4), st.none()), max_size=2),
)
TOP = ["groupKey", "status", "alerts", "commonLabels", "commonAnnotations", "groupLabels", "version"]
ALERT_KEYS = ["status", "labels", "annotations", "startsAt", "endsAt"]


@st.composite
def hostile_payload(draw):
    body = copy.deepcopy(ALERT)
    for key in draw(st.lists(st.sampled_from(TOP), max_size=2)):
        body[key] = draw(HOSTILE)
    alerts = body.get("alerts")
    if isinstance(alerts, list) and alerts and isinstance(alerts[0], dict):  # "alerts" itself may be hostile
        for key in draw(st.lists(st.sampled_from(ALERT_KEYS), max_size=3)):
            body["alerts"][0][key] = draw(HOSTILE)
    return body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=hostile_payload())
def test_hostile_payloads_are_answered_without_a_server_error(client, secret, body):
    tickets, audited = Ticket.objects.count(), AuditEntry.objects.count()
    response = _post(client, body)
    assert response.status_code in (200, 201, 400), response.content
    if response.status_code == 400:
        assert (Ticket.objects.count(), AuditEntry.objects.count()) == (tickets, audited)

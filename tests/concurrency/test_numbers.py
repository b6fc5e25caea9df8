"""Parallel creates get distinct numbers from the counters, all 201: tickets, changes, alert incidents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bimodal.changes.models import Change
from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk.models import Ticket
from tests.concurrency.conftest import assert_audit_chain_holds, clients_for, parallel, postgresql_only

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

N = 50


def test_parallel_ticket_creates_get_distinct_numbers():
    agent = UserFactory(username="agent", roles=["service_desk_agent"])
    service = ServiceFactory(mode=mode("mode-1"), lifecycle="live")
    client = clients_for(agent)
    body = {"ticket_type": "incident", "service": service.slug, "impact": 2, "urgency": 2}
    responses = parallel(
        [
            lambda i=i: client().post(
                "/api/servicedesk/tickets/", {**body, "title": f"Down {i}"}, content_type="application/json"
            )
            for i in range(N)
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [201] * N
    numbers = {r.json()["number"] for r in responses}
    assert len(numbers) == N and Ticket.objects.count() == N
    assert_audit_chain_holds()


def test_parallel_change_creates_get_distinct_references():
    owner = UserFactory(username="owen", roles=["service_owner"])
    team = TeamFactory(slug="core-team", members=[owner])
    service = ServiceFactory(slug="core-banking", mode=mode("mode-2"), owner_team=team)
    client = clients_for(owner)
    start = timezone.now() + dt.timedelta(days=7)
    body = {
        "services": [service.slug],
        "planned_start": start.isoformat(),
        "planned_end": (start + dt.timedelta(hours=1)).isoformat(),
        "implementation_plan": "a",
        "backout_plan": "b",
        "test_plan": "c",
    }
    responses = parallel(
        [
            lambda i=i: client().post(
                "/api/changes/", {**body, "title": f"Patch {i}"}, content_type="application/json"
            )
            for i in range(N)
        ]
    )
    assert [getattr(r, "status_code", r) for r in responses] == [201] * N, [
        r.content[:200] for r in responses if r.status_code != 201
    ][:3]
    references = {r.json()["reference"] for r in responses}
    assert len(references) == N and Change.objects.count() == N
    assert_audit_chain_holds()


def _alert(group: str, service: str) -> dict:
    return {
        "version": "4",
        "groupKey": group,
        "status": "firing",
        "receiver": "bimodal",
        "commonLabels": {"alertname": "HighErrorRate", "service": service, "severity": "critical"},
        "commonAnnotations": {"summary": f"Errors in {group}"},
        "alerts": [{"status": "firing", "labels": {"alertname": "HighErrorRate", "instance": "a:9100"}}],
    }


def test_parallel_alert_groups_each_open_one_incident(settings):
    settings.BIMODAL_ALERTMANAGER_SECRET = "s3cret"
    service = ServiceFactory(mode=mode("mode-1"), lifecycle="live")
    groups = [f'{{}}:{{alertname="HighErrorRate", shard="{i}"}}' for i in range(20)]
    # Every group twice at the same moment too: Alertmanager's repeat of a group lands on its incident.
    payloads = [_alert(g, service.slug) for g in groups] + [_alert(g, service.slug) for g in groups[:5]]
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret"}
    client = clients_for(UserFactory())
    responses = parallel(
        [
            lambda p=p: client().post(
                "/api/servicedesk/alertmanager/", p, content_type="application/json", **auth
            )
            for p in payloads
        ]
    )
    codes = [getattr(r, "status_code", r) for r in responses]
    assert all(code in (200, 201) for code in codes), codes
    assert codes.count(201) == 20
    assert Ticket.objects.count() == 20
    assert set(Ticket.objects.values_list("alert_group_key", flat=True)) == set(groups)
    assert_audit_chain_holds()

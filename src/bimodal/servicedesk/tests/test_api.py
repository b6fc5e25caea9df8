"""API and pages: requester isolation, denials, bad input, the Alertmanager webhook, flat query counts."""

import pytest

from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import Ticket
from bimodal.servicedesk.tests.factories import CatalogueItemFactory, SlaDefinitionFactory, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    return world(make_user)


def _incident(w, actor, **kw):
    return sd.ticket_create(
        actor=actor, ticket_type="incident", title=f"by {actor}", service=w["service"], **kw
    )


def test_requester_isolation_in_api_and_pages(w, client_for):
    mine = _incident(w, w["requester"])
    theirs = _incident(w, w["requester2"])
    client = client_for(w["requester"])
    numbers = [t["number"] for t in client.get("/api/servicedesk/tickets/").json()["results"]]
    assert numbers == [mine.number]
    assert client.get(f"/api/servicedesk/tickets/{theirs.number}/").status_code == 404
    assert client.get(f"/servicedesk/tickets/{theirs.number}/").status_code == 404
    assert client.get(f"/servicedesk/tickets/{mine.number}/").status_code == 200
    # Requesters cannot work tickets.
    r = client.post(
        f"/api/servicedesk/tickets/{mine.number}/assign/", {"group": "desk"}, content_type="application/json"
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/servicedesk/tickets/{mine.number}/transition/",
        {"status": "in_progress"},
        content_type="application/json",
    )
    assert r.status_code == 403
    # The queue sends requesters to the portal.
    assert client.get("/servicedesk/").url.endswith("/servicedesk/portal/")


def test_internal_notes_hidden_from_requester(w, client_for):
    ticket = _incident(w, w["requester"], assignment_group=None)
    ticket = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="t",
        service=w["service"],
        requester=w["requester"],
        assignment_group=w["desk"],
    )
    sd.ticket_comment(actor=w["agent"], ticket=ticket, body="SECRET-NOTE", internal=True)
    sd.ticket_comment(actor=w["agent"], ticket=ticket, body="PUBLIC-REPLY")
    page = client_for(w["requester"]).get(f"/servicedesk/tickets/{ticket.number}/").content.decode()
    assert "PUBLIC-REPLY" in page and "SECRET-NOTE" not in page
    page = client_for(w["agent"]).get(f"/servicedesk/tickets/{ticket.number}/").content.decode()
    assert "SECRET-NOTE" in page


def test_agent_group_and_supplier_queue_visibility(w, client_for):
    desk = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="desk",
        service=w["service"],
        assignment_group=w["desk"],
    )
    atlas = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="atlas",
        service=w["service"],
        assignment_group=w["queue"],
    )

    def seen(user):
        return {t["number"] for t in client_for(user).get("/api/servicedesk/tickets/").json()["results"]}

    assert seen(w["agent"]) == {desk.number, atlas.number}  # their group's, and what they requested
    assert seen(w["other_agent"]) == set()
    assert seen(w["supplier_agent"]) == {atlas.number}
    assert seen(w["auditor"]) == {desk.number, atlas.number}
    r = client_for(w["other_agent"]).post(
        f"/servicedesk/tickets/{desk.number}/transition/", {"status": "in_progress"}
    )
    assert r.status_code == 404


def test_api_create_transition_and_bad_input(w, client_for):
    SlaDefinitionFactory()
    client = client_for(w["agent"])
    r = client.post(
        "/api/servicedesk/tickets/",
        {"ticket_type": "incident", "title": "", "service": "nope"},
        content_type="application/json",
    )
    assert r.status_code == 400 and {"title", "service"} <= set(r.json())
    assert not Ticket.objects.exists()
    r = client.post(
        "/api/servicedesk/tickets/",
        {"ticket_type": "incident", "title": "Down", "service": w["service"].slug, "impact": 1, "urgency": 1},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["priority"] == "P1" and r.json()["sla"][0]["state"] == "running"
    client.post(
        f"/api/servicedesk/tickets/{number}/assign/",
        {"group": "desk", "assignee": "agent"},
        content_type="application/json",
    )
    r = client.post(
        f"/api/servicedesk/tickets/{number}/transition/",
        {"status": "closed"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "status" in r.json()


def test_catalogue_request_api_400_with_field_errors(w, client_for):
    item = CatalogueItemFactory(fulfilment_group=w["desk"], service=w["service"])
    client = client_for(w["requester"])
    r = client.post(
        f"/api/servicedesk/catalogue/{item.slug}/request/",
        {"data": {"sort_code": "bad", "days": 0}},
        content_type="application/json",
    )
    assert r.status_code == 400 and {"sort_code", "days"} <= set(r.json())
    assert not Ticket.objects.exists()
    r = client.post(
        f"/api/servicedesk/catalogue/{item.slug}/request/",
        {"data": {"sort_code": "01-02-03"}},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["requester"] == "req"


def test_catalogue_request_page(w, client_for):
    item = CatalogueItemFactory(fulfilment_group=w["desk"], service=w["service"])
    client = client_for(w["requester"])
    assert item.name in client.get("/servicedesk/portal/").content.decode()
    r = client.post(f"/servicedesk/portal/{item.slug}/", {"sort_code": "nope"})
    assert r.status_code == 400 and not Ticket.objects.exists()
    r = client.post(f"/servicedesk/portal/{item.slug}/", {"sort_code": "01-02-03", "days": "2"})
    assert r.status_code == 302 and Ticket.objects.get().request_data["days"] == 2


def test_queue_and_api_list_query_counts_are_flat(w, client_for, django_assert_max_num_queries):
    SlaDefinitionFactory()
    SlaDefinitionFactory(target="response", target_seconds=3600)
    client = client_for(w["agent"])

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        out = []
        for url in ("/servicedesk/", "/api/servicedesk/tickets/"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="one",
        service=w["service"],
        assignment_group=w["desk"],
    )
    few = counts()
    for i in range(8):
        sd.ticket_create(
            actor=w["agent"],
            ticket_type="incident",
            title=f"t{i}",
            service=w["service"],
            assignment_group=w["desk"],
        )
    assert counts() == few


ALERT = {
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate", service="svc"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "bimodal",
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
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
        },
        {
            "status": "firing",
            "labels": {"alertname": "HighErrorRate", "instance": "web-2"},
            "annotations": {},
            "startsAt": "2025-03-04T09:00:10Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prom/graph",
            "fingerprint": "a2",
        },
    ],
}


def test_alertmanager_webhook(w, client, settings):
    settings.BIMODAL_ALERTMANAGER_SECRET = "s3cret"
    payload = {**ALERT, "commonLabels": {**ALERT["commonLabels"], "service": w["service"].slug}}
    url = "/api/servicedesk/alertmanager/"
    assert client.post(url, payload, content_type="application/json").status_code == 401
    assert (
        client.post(
            url, payload, content_type="application/json", HTTP_AUTHORIZATION="Bearer wrong"
        ).status_code
        == 401
    )
    assert not Ticket.objects.exists()
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret"}
    r = client.post(url, payload, content_type="application/json", **auth)
    assert r.status_code == 201 and r.json()["outcome"] == "created"
    # Alertmanager re-sends the group (repeat_interval, a new alert joins): still one incident.
    r = client.post(url, payload, content_type="application/json", **auth)
    assert r.json()["outcome"] == "updated"
    incident = Ticket.objects.get()
    assert incident.priority == "P1" and incident.assignment_group == w["service"].owner_team
    r = client.post(url, {**payload, "status": "resolved"}, content_type="application/json", **auth)
    assert r.json()["outcome"] == "resolved"
    incident.refresh_from_db()
    assert incident.status == "resolved" and Ticket.objects.count() == 1
    # Bad payloads are 400 and write nothing.
    r = client.post(url, {"hello": 1}, content_type="application/json", **auth)
    assert r.status_code == 400
    r = client.post(
        url,
        {**payload, "groupKey": "other", "commonLabels": {"service": "nope"}},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 400 and Ticket.objects.count() == 1


def test_alertmanager_webhook_disabled_without_secret(client, settings):
    settings.BIMODAL_ALERTMANAGER_SECRET = ""
    assert (
        client.post("/api/servicedesk/alertmanager/", ALERT, content_type="application/json").status_code
        == 503
    )


def test_notifications_are_private(w, client_for):
    sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="n", service=w["service"], assignment_group=w["desk"]
    )
    assert client_for(w["agent"]).get("/api/servicedesk/notifications/").json()["count"] == 1
    assert client_for(w["requester"]).get("/api/servicedesk/notifications/").json()["count"] == 0


def test_a_ticket_seen_by_several_routes_is_listed_once_without_distinct(w, make_user, client_for):
    """An agent in the ticket's group and in its service's owner team, who also requested it, sees it once;
    the visibility goes through subqueries, so the list needs no DISTINCT (which would sort every ticket)."""
    from bimodal.servicedesk import selectors

    agent = make_user("service_desk_agent", teams=[w["desk"], w["service"].owner_team], username="both")
    ticket = _incident(w, agent, assignment_group=w["desk"])
    # Another group's, unassigned, on a service of their team: seen by that one route.
    other = _incident(w, w["other_agent"], assignment_group=w["other"])

    listed = client_for(agent).get("/api/servicedesk/tickets/").json()
    assert [t["number"] for t in listed["results"]] == [other.number, ticket.number]
    assert listed["count"] == 2
    queryset = selectors.ticket_list(user=agent)
    assert not queryset.query.distinct
    assert list(queryset.order_by("opened_at", "id")) == [ticket, other]
    queue = client_for(agent).get("/servicedesk/")
    assert queue.content.decode().count(ticket.number) >= 1

"""Incident ↔ change links, notifications read state and the top-bar badge, the polling SLA panel."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.changes import services as changes
from bimodal.core.models import AuditEntry, Notification
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import TicketEvent
from bimodal.servicedesk.tests.factories import SlaDefinitionFactory, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    data = world(make_user)
    data["owner"] = make_user("product_team_member", "service_owner", username="owner")
    # A change is raised only on a service one holds: the owner is the service's named owner.
    data["service"].service_owner = data["owner"]
    data["service"].save(update_fields=["service_owner"])
    return data


@pytest.fixture
def incident(w):
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Payments slow",
        service=w["service"],
        requester=w["requester"],
        assignment_group=w["desk"],
    )


@pytest.fixture
def change(w):
    return changes.change_create(actor=w["owner"], title="Upgrade switch", services=[w["service"]])


def test_link_and_unlink_change(w, incident, change):
    sd.ticket_link_change(actor=w["agent"], ticket=incident, change=change)
    assert list(incident.changes.all()) == [change]
    assert TicketEvent.objects.filter(
        ticket=incident, kind="change", text__contains=change.reference
    ).exists()
    assert AuditEntry.objects.filter(verb="ticket_link_change").count() == 1
    with pytest.raises(ValidationError):
        sd.ticket_link_change(actor=w["agent"], ticket=incident, change=change)
    with pytest.raises(PermissionDenied):
        sd.ticket_link_change(actor=w["other_agent"], ticket=incident, change=change)
    with pytest.raises(PermissionDenied):
        sd.ticket_unlink_change(actor=w["requester"], ticket=incident, change=change)
    sd.ticket_unlink_change(actor=w["agent"], ticket=incident, change=change)
    assert not incident.changes.exists()
    assert AuditEntry.objects.filter(verb="ticket_unlink_change").count() == 1


def test_cannot_link_a_change_the_user_cannot_see(w, incident, change):
    # Supplier agents have no view permission on changes.
    ticket = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="t", service=w["service"], assignment_group=w["queue"]
    )
    with pytest.raises(PermissionDenied):
        sd.ticket_link_change(actor=w["supplier_agent"], ticket=ticket, change=change)
    r = pytest.importorskip("django.test").Client()
    r.force_login(w["supplier_agent"])
    response = r.post(
        f"/api/servicedesk/tickets/{ticket.number}/link-change/",
        {"change": change.reference},
        content_type="application/json",
    )
    assert response.status_code in (400, 403)
    assert not ticket.changes.exists()


def test_link_change_page_and_api(w, incident, change, client_for):
    client = client_for(w["agent"])
    page = client.get(f"/servicedesk/tickets/{incident.number}/").content.decode()
    assert 'data-testid="link-change-form"' in page and change.reference in page
    response = client.post(f"/servicedesk/tickets/{incident.number}/changes/", {"change": change.reference})
    assert response.status_code == 302
    page = client.get(f"/servicedesk/tickets/{incident.number}/").content.decode()
    assert f"Linked to change {change.reference}" in page
    assert (
        client.post(f"/servicedesk/tickets/{incident.number}/changes/", {"change": "CHG-999999"}).status_code
        == 400
    )
    data = client.get(f"/api/servicedesk/tickets/{incident.number}/").json()
    assert data["changes"] == [change.reference]
    r = client.post(
        f"/api/servicedesk/tickets/{incident.number}/unlink-change/",
        {"change": change.reference},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["changes"] == []
    r = client.post(
        f"/api/servicedesk/tickets/{incident.number}/link-change/",
        {"change": "nope"},
        content_type="application/json",
    )
    assert r.status_code == 400
    # The requester sees the ticket but cannot link.
    req = client_for(w["requester"])
    assert (
        req.post(f"/servicedesk/tickets/{incident.number}/changes/", {"change": change.reference}).status_code
        == 403
    )
    r = req.post(
        f"/api/servicedesk/tickets/{incident.number}/link-change/",
        {"change": change.reference},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert not incident.changes.exists()


@pytest.mark.django_db(transaction=True)
def test_data_migration_resolves_change_references(make_user):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from bimodal.portfolio.tests.factories import ServiceFactory

    owner = make_user("product_team_member", "service_owner", username="owner2")
    service = ServiceFactory(service_owner=owner)
    change = changes.change_create(actor=owner, title="Upgrade", services=[service])
    executor = MigrationExecutor(connection)
    executor.migrate([("servicedesk", "0001_initial")])
    old = executor.loader.project_state([("servicedesk", "0001_initial")]).apps
    OldTicket = old.get_model("servicedesk", "Ticket")
    number = int(change.reference.split("-")[1])
    common = {"ticket_type": "incident", "title": "t", "service_id": service.pk, "requester_id": owner.pk}
    found = OldTicket.objects.create(number="INC900001", change_reference=f"chg{number}", **common)
    missing = OldTicket.objects.create(number="INC900002", change_reference="CHG-424242", **common)
    OldTicket.objects.create(number="INC900003", change_reference="", **common)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from bimodal.servicedesk.models import Ticket

    assert list(Ticket.objects.get(pk=found.pk).changes.all()) == [change]
    assert not Ticket.objects.get(pk=missing.pk).changes.exists()
    assert TicketEvent.objects.filter(
        ticket_id=missing.pk, text__contains="CHG-424242 (no such change"
    ).exists()
    assert TicketEvent.objects.filter(ticket_id=found.pk, text__contains=change.reference).exists()


def test_mark_read_and_all_read(w, client_for):
    me = w["requester"]
    a, b, c = (Notification.objects.create(recipient=me, subject=f"n{i}") for i in range(3))
    mine_not = Notification.objects.create(recipient=w["agent"], subject="theirs")
    client = client_for(me)
    page = client.get("/servicedesk/").content.decode()  # redirects to the portal: any page has the badge
    page = client.get("/servicedesk/portal/").content.decode()
    assert 'data-testid="unread-count">3<' in page
    assert client.post(f"/servicedesk/notifications/{a.pk}/read/").status_code == 302
    a.refresh_from_db()
    assert a.read_at is not None
    assert client.post(f"/servicedesk/notifications/{mine_not.pk}/read/").status_code == 404
    r = client.post(f"/servicedesk/notifications/{b.pk}/read/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'id="notification-list"' in r.content.decode()
    assert "<html" not in r.content.decode()
    r = client.post(f"/api/servicedesk/notifications/{c.pk}/read/")
    assert r.status_code == 200 and r.json()["read_at"]
    assert client.post(f"/api/servicedesk/notifications/{mine_not.pk}/read/").status_code == 404
    d = Notification.objects.create(recipient=me, subject="d")
    assert client.get("/api/servicedesk/notifications/?read_at__isnull=true").json()["count"] == 1
    assert client.post("/api/servicedesk/notifications/read-all/").json() == {"marked": 1}
    d.refresh_from_db()
    assert d.read_at is not None
    mine_not.refresh_from_db()
    assert mine_not.read_at is None
    assert client.post("/servicedesk/notifications/read-all/").status_code == 302
    assert 'data-testid="unread-count"' not in client.get("/servicedesk/portal/").content.decode()
    assert AuditEntry.objects.filter(verb="notification_mark_all_read").count() == 1


def test_badge_costs_one_query(w, client_for, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    me = w["requester"]
    client = client_for(me)
    Notification.objects.create(recipient=me, subject="x")
    with CaptureQueriesContext(connection) as one:
        client.get("/servicedesk/portal/")
    Notification.objects.bulk_create([Notification(recipient=me, subject=f"y{i}") for i in range(20)])
    with CaptureQueriesContext(connection) as many:
        page = client.get("/servicedesk/portal/").content.decode()
    assert 'data-testid="unread-count">21<' in page
    assert len(many) == len(one)
    assert sum("core_notification" in q["sql"] for q in many.captured_queries) == 1


def test_sla_panel_polls_and_returns_partial(w, incident, client_for):
    SlaDefinitionFactory()
    ticket = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="t", service=w["service"], assignment_group=w["desk"]
    )
    client = client_for(w["agent"])
    page = client.get(f"/servicedesk/tickets/{ticket.number}/").content.decode()
    assert 'hx-trigger="every 30s"' in page and "?part=sla" in page
    r = client.get(f"/servicedesk/tickets/{ticket.number}/?part=sla", HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and body.lstrip().startswith('<div class="card mb-3" id="sla-panel"')
    assert 'hx-trigger="every 30s"' in body and "Timeline" not in body
    assert r["Vary"] and "HX-Request" in r["Vary"]
    # Someone who cannot see the ticket gets 404 from the poll as well.
    assert (
        client_for(w["other_agent"])
        .get(f"/servicedesk/tickets/{ticket.number}/?part=sla", HTTP_HX_REQUEST="true")
        .status_code
        == 404
    )

"""A ticket's life (statuses, who may move it, reopening), hand-offs between parties, classification, the
request catalogue's approvals and fulfilment tasks, and Alertmanager's payloads turned into incidents."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry, Notification
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import Category, FulfilmentTask, Ticket, TicketHandoff
from bimodal.servicedesk.tests.factories import CatalogueItemFactory, SlaDefinitionFactory, world

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def w(make_user):
    return world(make_user)


def raised_by_requester(w, **kw):
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Laptop will not boot",
        service=w["service"],
        requester=w["requester"],
        assignment_group=w["desk"],
        opened_at=at(2025, 3, 4, 9),
        **kw,
    )


def move(actor, ticket, status, now, **kw):
    return sd.ticket_transition(actor=actor, ticket=ticket, status=status, now=now, **kw)


# --- statuses ------------------------------------------------------------------------------------------


def test_a_ticket_is_stamped_through_its_life(w):
    ticket = raised_by_requester(w)
    ticket = move(w["agent"], ticket, "in_progress", at(2025, 3, 4, 9, 5))
    ticket = move(w["agent"], ticket, "resolved", at(2025, 3, 4, 11), resolution="New disk")
    ticket = move(w["requester"], ticket, "closed", at(2025, 3, 5, 9))
    assert (ticket.responded_at, ticket.resolved_at, ticket.closed_at) == (
        at(2025, 3, 4, 9, 5),
        at(2025, 3, 4, 11),
        at(2025, 3, 5, 9),
    )
    assert (ticket.assignee, ticket.resolution) == (w["agent"], "New disk")
    assert AuditEntry.objects.filter(verb="ticket_transition", object_id=str(ticket.pk)).count() == 3
    with pytest.raises(ValidationError) as error:
        move(w["agent"], ticket, "in_progress", at(2025, 3, 6, 9))  # closed is final
    assert "status" in error.value.message_dict


def test_reopening_counts_and_clears_the_resolution_time(w):
    ticket = raised_by_requester(w)
    ticket = move(w["agent"], ticket, "resolved", at(2025, 3, 4, 10), resolution="Restarted")
    ticket = move(w["requester"], ticket, "in_progress", at(2025, 3, 4, 12), reason="Still broken")
    assert (ticket.status, ticket.resolved_at, ticket.reopen_count) == ("in_progress", None, 1)
    ticket = move(w["agent"], ticket, "resolved", at(2025, 3, 4, 13))  # the earlier resolution stands
    assert (ticket.resolution, ticket.resolved_at) == ("Restarted", at(2025, 3, 4, 13))


def test_a_requester_moves_only_their_own_ticket_and_only_some_ways(w):
    ticket = raised_by_requester(w)
    with pytest.raises(PermissionDenied):
        move(w["requester"], ticket, "in_progress", at(2025, 3, 4, 10))  # only agents pick up
    with pytest.raises(PermissionDenied):
        move(w["requester2"], ticket, "cancelled", at(2025, 3, 4, 10))  # not theirs
    ticket = move(w["requester"], ticket, "cancelled", at(2025, 3, 4, 10), reason="Found a spare")
    assert Ticket.objects.get(pk=ticket.pk).status == "cancelled"


def test_status_changes_are_told_in_the_ticket_history(w):
    ticket = raised_by_requester(w)
    move(w["agent"], ticket, "awaiting_customer", at(2025, 3, 4, 10), reason="Which model?")
    texts = list(ticket.events.filter(kind="status").values_list("text", flat=True))
    assert texts == ["New → Awaiting customer: Which model?"]


# --- hand-offs ------------------------------------------------------------------------------------------


def test_opening_with_a_group_is_the_first_hand_off(w):
    ticket = raised_by_requester(w)
    handoff = TicketHandoff.objects.get(ticket=ticket)
    assert (handoff.from_team, handoff.to_team, handoff.actor, handoff.at) == (
        None,
        w["desk"],
        w["agent"],
        at(2025, 3, 4, 9),
    )


def test_passing_to_another_team_is_a_hand_off_but_naming_an_assignee_is_not(w):
    ticket = raised_by_requester(w)
    ticket = sd.ticket_assign(actor=w["agent"], ticket=ticket, assignee=w["agent"], now=at(2025, 3, 4, 10))
    assert TicketHandoff.objects.filter(ticket=ticket).count() == 1
    sd.ticket_assign(
        actor=w["agent"], ticket=ticket, group=w["other"], reason="Network", now=at(2025, 3, 4, 11)
    )
    last = TicketHandoff.objects.filter(ticket=ticket).latest("at")
    assert (last.from_team, last.to_team, last.reason) == (w["desk"], w["other"], "Network")
    ticket.refresh_from_db()
    assert (ticket.assignment_group, ticket.assignee) == (w["other"], None)
    assert Notification.objects.filter(recipient=w["other_agent"], subject__contains="assigned").exists()


def test_a_hand_off_to_a_supplier_queue_names_the_supplier(w):
    ticket = raised_by_requester(w)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["queue"], now=at(2025, 3, 4, 10))
    last = TicketHandoff.objects.filter(ticket=ticket).latest("at")
    assert (last.from_supplier, last.to_supplier) == (None, w["supplier"])
    # The supplier's agent now sees it, and may pass it only within the supplier's queue.
    ticket.refresh_from_db()
    with pytest.raises(PermissionDenied):
        sd.ticket_assign(actor=w["supplier_agent"], ticket=ticket, group=w["desk"], now=at(2025, 3, 4, 11))
    sd.ticket_assign(
        actor=w["supplier_agent"], ticket=ticket, assignee=w["supplier_agent"], now=at(2025, 3, 4, 11)
    )
    assert Ticket.objects.get(pk=ticket.pk).assignee == w["supplier_agent"]


def test_an_assignee_must_belong_to_the_group(w):
    ticket = raised_by_requester(w)
    with pytest.raises(ValidationError) as error:
        sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["desk"], assignee=w["other_agent"])
    assert "assignee" in error.value.message_dict
    assert TicketHandoff.objects.filter(ticket=ticket).count() == 1


# --- classification -------------------------------------------------------------------------------------


def test_reclassifying_changes_the_priority_and_tells_it(w):
    ticket = raised_by_requester(w, impact=3, urgency=3)
    assert ticket.priority == "P4"
    ticket = sd.ticket_classify(actor=w["agent"], ticket=ticket, impact=1, now=at(2025, 3, 4, 10))
    assert (ticket.impact, ticket.urgency, ticket.priority) == (1, 3, "P3")
    assert ticket.events.filter(kind="priority", text="Priority P4 → P3").exists()


def test_only_incidents_are_major(w):
    problem = sd.ticket_create(actor=w["agent"], ticket_type="problem", title="Disks", service=w["service"])
    with pytest.raises(ValidationError) as error:
        sd.ticket_classify(actor=w["agent"], ticket=problem, major_incident=True)
    assert "major_incident" in error.value.message_dict
    incident = raised_by_requester(w)
    incident = sd.ticket_classify(actor=w["agent"], ticket=incident, major_incident=True)
    assert incident.major_incident


def test_classifying_changes_only_what_is_given_and_can_clear_the_category(w):

    hardware = Category.objects.create(name="Hardware", slug="hardware")
    ticket = raised_by_requester(w, impact=2, urgency=1, category=hardware)
    ticket = sd.ticket_classify(actor=w["agent"], ticket=ticket, urgency=3, now=at(2025, 3, 4, 10))
    assert (ticket.impact, ticket.urgency, ticket.category, ticket.priority) == (2, 3, hardware, "P4")
    ticket = sd.ticket_classify(actor=w["agent"], ticket=ticket, category=None, now=at(2025, 3, 4, 11))
    assert (ticket.category, ticket.urgency) == (None, 3)
    assert Ticket.objects.get(pk=ticket.pk).category is None


def test_requesters_cannot_classify(w):
    with pytest.raises(PermissionDenied):
        sd.ticket_classify(actor=w["requester"], ticket=raised_by_requester(w), impact=1, urgency=1)


# --- the request catalogue ------------------------------------------------------------------------------


@pytest.fixture
def manager(w, make_user):
    boss = make_user("requester", username="boss")
    w["requester"].manager = boss
    w["requester"].save()
    return boss


def approval_item(**kw):
    return CatalogueItemFactory(form_schema=[], requires_approval=True, approver="manager", **kw)


def test_a_rejection_needs_a_reason_and_cancels_the_request(w, manager):
    ticket = sd.request_submit(actor=w["requester"], item=approval_item(), data={})
    assert (ticket.status, ticket.approval) == ("awaiting_approval", "pending")
    assert Notification.objects.filter(recipient=manager, subject__startswith="Approval needed").exists()
    with pytest.raises(ValidationError):
        sd.request_decide(actor=manager, ticket=ticket, approve=False)
    ticket = sd.request_decide(actor=manager, ticket=ticket, approve=False, reason="Not this quarter")
    assert (ticket.status, ticket.approval, ticket.approved_by) == ("cancelled", "rejected", manager)
    assert not FulfilmentTask.objects.filter(ticket=ticket).exists()
    assert Notification.objects.filter(recipient=w["requester"], subject__endswith="rejected").exists()


def test_only_the_approver_decides_and_only_once(w, manager):
    ticket = sd.request_submit(actor=w["requester"], item=approval_item(), data={})
    for someone in (w["requester"], w["agent"]):
        with pytest.raises(PermissionDenied):
            sd.request_decide(actor=someone, ticket=ticket, approve=True)
    ticket = sd.request_decide(actor=manager, ticket=ticket, approve=True)
    assert (ticket.status, ticket.approval) == ("new", "approved")
    with pytest.raises(ValidationError):
        sd.request_decide(actor=manager, ticket=ticket, approve=True)


def test_approval_creates_the_tasks_for_their_groups(w, manager):
    item = approval_item(task_templates=[{"title": "Order", "group": "other"}, {"title": "Deliver"}])
    ticket = sd.request_submit(actor=w["requester"], item=item, data={})
    assert not FulfilmentTask.objects.filter(ticket=ticket).exists()
    sd.request_decide(actor=manager, ticket=ticket, approve=True)
    tasks = list(FulfilmentTask.objects.filter(ticket=ticket).order_by("order"))
    assert [(t.title, t.assignment_group) for t in tasks] == [
        ("Order", w["other"]),
        ("Deliver", item.fulfilment_group),
    ]


def test_a_request_needing_a_manager_is_refused_without_one(w):
    with pytest.raises(ValidationError) as error:
        sd.request_submit(actor=w["requester2"], item=approval_item(), data={})
    assert "item" in error.value.message_dict
    assert not Ticket.objects.exists()


def test_inactive_items_cannot_be_requested(w):
    item = CatalogueItemFactory(form_schema=[], active=False)
    with pytest.raises((ValidationError, PermissionDenied)):
        sd.request_submit(actor=w["requester"], item=item, data={})
    assert not Ticket.objects.exists()


def test_a_task_is_completed_once_by_an_agent(w):
    item = CatalogueItemFactory(form_schema=[], fulfilment_group=w["desk"])
    ticket = sd.request_submit(actor=w["requester"], item=item, data={}, title="Chair")
    task = FulfilmentTask.objects.get(ticket=ticket)
    with pytest.raises(PermissionDenied):
        sd.task_complete(actor=w["requester"], task=task)
    task = sd.task_complete(actor=w["agent"], task=task)
    assert (task.status, task.done_by) == ("done", w["agent"])
    with pytest.raises(ValidationError):
        sd.task_complete(actor=w["agent"], task=task)
    assert ticket.events.filter(kind="task", text="Task done: Do it").exists()


def test_a_request_takes_the_items_service_category_and_group(w):
    item = CatalogueItemFactory(form_schema=[], fulfilment_group=w["desk"])
    ticket = sd.request_submit(actor=w["requester"], item=item, data={})
    assert (ticket.ticket_type, ticket.title, ticket.service, ticket.assignment_group) == (
        "request",
        item.name,
        item.service,
        w["desk"],
    )
    assert ticket.number.startswith("REQ")


# --- Alertmanager -------------------------------------------------------------------------------------


# Alertmanager's webhook payload, version 4, with every field its documentation lists
# (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config: version, groupKey,
# truncatedAlerts, status, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts with
# status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint), filled in as Alertmanager
# fills it for one alert of a group.
def published_payload(service_slug, *, status="firing", group_key='{}/{}:{alertname="DiskFull"}'):
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "bimodal",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {
            "alertname": "DiskFull",
            "instance": "db-1:9100",
            "job": "node",
            "service": service_slug,
            "severity": "warning",
        },
        "commonAnnotations": {"summary": "Disk 95% full on db-1", "description": "/var is nearly full."},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": [
            {
                "status": status,
                "labels": {
                    "alertname": "DiskFull",
                    "instance": "db-1:9100",
                    "job": "node",
                    "service": service_slug,
                    "severity": "warning",
                },
                "annotations": {"summary": "Disk 95% full on db-1", "description": "/var is nearly full."},
                "startsAt": "2025-03-04T09:00:00.000Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=disk_used%3E0.95&g0.tab=1",
                "fingerprint": "b2a0ac3e4c1f1d7a",
            }
        ],
    }


def test_a_published_alertmanager_payload_opens_one_incident(w):
    SlaDefinitionFactory(ticket_type="incident")
    ticket, outcome = sd.alertmanager_ingest(
        payload=published_payload(w["service"].slug), now=at(2025, 3, 4, 9)
    )
    assert outcome == "created"
    assert (ticket.title, ticket.priority, ticket.requester.username) == (
        "[alert] Disk 95% full on db-1",
        "P3",  # severity "warning": medium impact and urgency
        "alertmanager",
    )
    assert "/var is nearly full." in ticket.description and "DiskFull db-1:9100" in ticket.description
    assert ticket.sla_instances.get().started_at == at(2025, 3, 4, 9)
    assert AuditEntry.objects.filter(verb="ticket_create_from_alert").count() == 1


def test_a_resolved_notification_for_an_unknown_group_is_ignored(w):
    payload = published_payload(w["service"].slug, status="resolved")
    assert sd.alertmanager_ingest(payload=payload, now=at(2025, 3, 4, 9)) == (None, "ignored")
    assert not Ticket.objects.exists()


def test_a_group_firing_again_after_its_incident_closed_opens_a_new_one(w):
    payload = published_payload(w["service"].slug)
    first, _ = sd.alertmanager_ingest(payload=payload, now=at(2025, 3, 4, 9))
    sd.alertmanager_ingest(payload={**payload, "status": "resolved"}, now=at(2025, 3, 4, 10))
    second, outcome = sd.alertmanager_ingest(payload=payload, now=at(2025, 3, 5, 9))
    assert outcome == "created" and second.pk != first.pk
    first.refresh_from_db()
    assert (first.status, first.alert_group_key, second.alert_group_key) == (
        "resolved",
        None,
        payload["groupKey"],
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"groupKey": "", "status": "firing", "alerts": []},
        {"groupKey": "g", "status": "pending", "alerts": []},
        {"groupKey": "g", "status": "firing", "alerts": "all of them"},
    ],
)
def test_payloads_that_are_not_alertmanagers_are_refused(payload):
    with pytest.raises(ValidationError) as error:
        sd.alertmanager_ingest(payload=payload)
    assert "payload" in error.value.message_dict
    assert not Ticket.objects.exists()

"""The service desk end to end with the demo's people (docs/getting-started.md): rita's incident reaches
sam's triage queue, sam hands a ticket to Atlas and keeps following it, the catalogue-to-supplier flow works
on a request for a service in Atlas's contract, and gloria exports Atlas's scorecard. Pages, as a person
uses them; each test's writes are rolled back."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from bimodal.core.models import Team, User
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import RoutingRule, Ticket


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_ritas_incident_reaches_sams_triage_queue_and_he_can_route_it(demo, db):
    rita, sam = _client("rita"), _client("sam")
    service = Service.objects.get(slug="email-collaboration")
    r = rita.post(
        "/servicedesk/new/",
        {
            "ticket_type": "incident",
            "title": "Calendar not syncing",
            "service": service.pk,
            "impact": 3,
            "urgency": 2,
        },
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get(title="Calendar not syncing")
    assert ticket.assignment_group.slug == "service-desk"
    assert ticket.routing_rule == RoutingRule.objects.get(name="Everything else: service desk triage")
    triage = sam.get("/servicedesk/", {"view": "triage"})
    assert ticket.number in [t.number for t, _ in triage.context["rows"]]
    assert sam.get(ticket.get_absolute_url()).status_code == 200
    me = User.objects.get(username="sam")
    desk = Team.objects.get(slug="service-desk")
    r = sam.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": desk.pk, "assignee": me.pk})
    assert r.status_code == 302 and r.url == ticket.get_absolute_url()
    assert Ticket.objects.get(pk=ticket.pk).assignee == me


def test_the_demo_has_routed_tickets_waiting_in_triage(demo, db):
    waiting = Ticket.objects.filter(routing_rule__isnull=False, assignee__isnull=True)
    titles = set(waiting.values_list("title", flat=True))
    assert {"Cannot log in to internet banking (legacy)", "Teams calls drop after 60 minutes"} <= titles
    assert not Ticket.objects.filter(assignment_group__isnull=True).exists()


def test_catalogue_request_handed_to_atlas_stays_in_sams_sight(demo, db):
    """rita asks to restore from backup (Backup & Recovery, in Atlas's contract); sam hands it to Atlas."""
    ticket = Ticket.objects.get(catalogue_item__slug="restore-from-backup")
    assert ticket.assignment_group.slug == "service-desk"
    sam = _client("sam")
    atlas = Team.objects.get(slug="atlas-operations")
    r = sam.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": atlas.pk})
    assert r.status_code == 302 and r.url == ticket.get_absolute_url()
    assert Ticket.objects.get(pk=ticket.pk).assignment_group == atlas
    page = sam.get(r.url)
    assert page.status_code == 200 and 'data-testid="handed-over"' in page.content.decode()
    with_suppliers = sam.get("/servicedesk/", {"view": "suppliers"})
    assert ticket.number in [t.number for t, _ in with_suppliers.context["rows"]]
    assert sam.get(f"/suppliers/siam/tickets/{ticket.number}/").status_code == 200
    # sunil, Atlas's agent, now has it in his queue.
    assert _client("sunil").get(ticket.get_absolute_url()).status_code == 200


def test_assignees_offered_are_the_chosen_groups_members(demo, db):
    ticket = Ticket.objects.get(title="Teams calls drop after 60 minutes")
    sam = _client("sam")
    atlas = Team.objects.get(slug="atlas-operations")
    options = sam.get(f"/servicedesk/tickets/{ticket.number}/assignees/", {"group": atlas.pk})
    members = set(
        options.context["assign_form"].fields["assignee"].queryset.values_list("username", flat=True)
    )
    assert members == set(atlas.members.values_list("username", flat=True)) and "sunil" in members
    rita = User.objects.get(username="rita")
    r = sam.post(f"/servicedesk/tickets/{ticket.number}/assign/", {"group": atlas.pk, "assignee": rita.pk})
    assert r.status_code == 400


def test_gloria_exports_atlas_scorecard_as_csv(demo, db):
    response = _client("gloria").get("/suppliers/atlas-managed-services/scorecard/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_request_dates_follow_the_day_of_loading(demo, db):
    trip = Ticket.objects.get(catalogue_item__slug="business-trip")
    depart = date.fromisoformat(trip.request_data["depart"])
    back = date.fromisoformat(trip.request_data["return_date"])
    assert back - depart == timedelta(days=2)
    assert depart - timezone.localdate(trip.created_at) == timedelta(days=21)


def test_inboxes_hold_what_is_still_open(demo, db):
    """Notifications about tickets the demo's history has settled are read (sam once had 106 unread, most
    about tickets closed long ago); what is unread is about open work, grouped per ticket and kind."""
    from django.contrib.contenttypes.models import ContentType

    from bimodal.core.models import Notification
    from bimodal.servicedesk.choices import DONE_STATUSES

    tickets = ContentType.objects.get_for_model(Ticket)
    unread = Notification.objects.filter(read_at__isnull=True, content_type=tickets)
    done = {str(pk) for pk in Ticket.objects.filter(status__in=DONE_STATUSES).values_list("pk", flat=True)}
    assert done and not unread.filter(object_id__in=done).exists()
    assert unread.filter(recipient__username="sam").exists()
    open_tickets = Ticket.objects.exclude(status__in=DONE_STATUSES).count()
    # At most one unread entry per ticket and kind (grouping) for each person.
    assert unread.filter(recipient__username="sam").count() <= 3 * open_tickets

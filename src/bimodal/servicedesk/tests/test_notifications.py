"""Notifications that help: grouped per object and kind, never a link to what the recipient may not see,
each person's channel per kind, the daily digest, marking read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.core.choices import NotificationKind
from bimodal.core.models import AuditEntry, Notification, NotificationPreference
from bimodal.core.services import notification_send_digests, notify
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.tasks import next_digest_at
from bimodal.servicedesk.tests.factories import world

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def w(make_user):
    return world(make_user)


def _ticket(w, title="Payments slow", group="desk"):
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title=title,
        service=w["service"],
        requester=w["requester"],
        assignment_group=w[group],
    )


def _assigned(user):
    return Notification.objects.filter(recipient=user, kind=NotificationKind.TICKET_ASSIGNED)


# --- 1. grouped per object and kind --------------------------------------------------------------------


def test_assigned_five_times_is_one_entry_with_the_count_and_the_latest(w):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=LONDON), tick=False):
        ticket = _ticket(w)
    for minute in range(1, 6):
        with time_machine.travel(datetime(2026, 3, 2, 9, minute, tzinfo=LONDON), tick=False):
            sd.ticket_assign(actor=w["agent"], ticket=ticket, assignee=w["agent"], reason=f"take {minute}")
    [row] = _assigned(w["agent"])
    assert row.count == 5
    assert (row.created_at, row.updated_at) == (
        datetime(2026, 3, 2, 9, 1, tzinfo=LONDON),
        datetime(2026, 3, 2, 9, 5, tzinfo=LONDON),
    )
    assert row.content_type.model == "ticket" and row.object_id == str(ticket.pk)
    # The new-ticket notification of the same ticket is another kind: its own entry.
    assert Notification.objects.filter(recipient=w["agent"]).count() == 2


def test_a_read_entry_is_not_reopened_and_another_object_has_its_own(w):
    first, second = _ticket(w, "one"), _ticket(w, "two")
    sd.ticket_assign(actor=w["agent"], ticket=first, assignee=w["agent"])
    sd.notification_mark_all_read(actor=w["agent"])
    sd.ticket_assign(actor=w["agent"], ticket=first, assignee=w["agent"])
    sd.ticket_assign(actor=w["agent"], ticket=second, assignee=w["agent"])
    sd.ticket_assign(actor=w["agent"], ticket=second, assignee=w["agent"])
    counts = sorted((r.object_id, r.count, r.read_at is None) for r in _assigned(w["agent"]))
    assert counts == [(str(first.pk), 1, False), (str(first.pk), 1, True), (str(second.pk), 2, True)]


def test_every_call_site_says_what_and_about_which_object(w):
    ticket = _ticket(w)
    sd.ticket_comment(actor=w["requester"], ticket=ticket, body="any news?")  # no assignee: nobody
    sd.ticket_assign(actor=w["agent"], ticket=ticket, assignee=w["agent"])
    sd.ticket_comment(actor=w["agent"], ticket=ticket, body="looking")
    kinds = set(Notification.objects.values_list("kind", "content_type__model"))
    assert kinds == {("ticket_new", "ticket"), ("ticket_assigned", "ticket"), ("ticket_comment", "ticket")}
    assert not Notification.objects.filter(kind=NotificationKind.OTHER).exists()


# --- 2. never a link to what the recipient cannot see ------------------------------------------------


def test_people_who_cannot_see_the_object_are_not_told(w):
    ticket = _ticket(w)  # the desk's: the other team's agent and the supplier agent do not see it
    rows = notify(
        recipients=[w["agent"], w["other_agent"], w["supplier_agent"], w["auditor"]],
        kind=NotificationKind.TICKET_COMMENT,
        obj=ticket,
        subject="hello",
    )
    assert sorted(r.recipient.username for r in rows) == ["agent", "aud"]
    assert not Notification.objects.filter(recipient__in=[w["other_agent"], w["supplier_agent"]]).exists()


def test_an_object_no_longer_visible_is_listed_without_its_link(w, client_for):
    ticket = _ticket(w)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, assignee=w["agent"])
    url = ticket.get_absolute_url()
    client = client_for(w["agent"])
    assert f'href="{url}"' in client.get("/servicedesk/notifications/").content.decode()
    # Handed to the other team: the agent may no longer open it.
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["other"], reason="theirs")
    assert client.get(url).status_code == 404
    page = client.get("/servicedesk/notifications/").content.decode()
    assert f'href="{url}"' not in page
    assert page.count("No longer available to you.") == 2  # the new-ticket and the assignment entries
    api = client.get("/api/servicedesk/notifications/").json()["results"]
    assert {(n["kind"], n["url"], n["available"]) for n in api} == {
        ("ticket_new", "", False),
        ("ticket_assigned", "", False),
    }
    row = _assigned(w["agent"]).get()
    response = client.post(f"/servicedesk/notifications/{row.pk}/read/", {"follow": "1"})
    assert response.status_code == 302 and response["Location"] == "/servicedesk/notifications/"


def test_listing_costs_the_same_queries_for_many_rows(w, client_for):
    agent = w["agent"]
    client = client_for(agent)

    def queries(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx)

    def tell(n):
        # Half of the tickets are the other team's: listed without a link.
        ticket = _ticket(w, f"t{n}", group="other" if n % 2 else "desk")
        Notification.objects.create(
            recipient=agent,
            kind=NotificationKind.TICKET_COMMENT,
            subject=f"c{n}",
            content_type=_ct(ticket),
            object_id=str(ticket.pk),
            url=ticket.get_absolute_url(),
        )

    tell(0), tell(1)
    few = queries("/servicedesk/notifications/"), queries("/api/servicedesk/notifications/")
    for n in range(2, 12):
        tell(n)
    page = client.get("/servicedesk/notifications/").content.decode()
    assert page.count("No longer available to you.") == 6
    many = queries("/servicedesk/notifications/"), queries("/api/servicedesk/notifications/")
    assert many == few


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj)


# --- 3. each person's channel per kind ------------------------------------------------------------------


def _tell(w, user, kind=NotificationKind.TICKET_COMMENT):
    ticket = _ticket(w, "told")
    mail.outbox.clear()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        rows = notify(recipients=[user], kind=kind, obj=ticket, subject="A comment")
    return rows


@pytest.mark.parametrize(
    ("channel", "rows", "emails", "queued"),
    [("email", 1, 1, False), ("in_app", 1, 0, False), ("digest", 1, 0, True), ("off", 0, 0, False)],
)
def test_the_channel_decides_row_email_and_digest(w, channel, rows, emails, queued):
    agent = w["agent"]
    sd.notification_preferences_set(actor=agent, user=agent, channels={"ticket_comment": channel})
    made = _tell(w, agent)
    assert (len(made), len(mail.outbox)) == (rows, emails)
    assert [r.digest_pending for r in made] == ([queued] if rows else [])


def test_sla_breaches_cannot_be_switched_off(w, client_for):
    agent = w["agent"]
    with pytest.raises(ValidationError) as error:
        sd.notification_preferences_set(actor=agent, user=agent, channels={"sla_breach": "off"})
    assert "sla_breach" in error.value.message_dict
    # Even a stored "off" (written around the service) does not silence them.
    NotificationPreference.objects.create(user=agent, kind="sla_breach", channel="off")
    assert len(_tell(w, agent, NotificationKind.SLA_BREACH)) == 1 and len(mail.outbox) == 1
    client = client_for(agent)
    page = client.get("/servicedesk/notifications/preferences/").content.decode()
    assert "SLA breaches and requests waiting for your approval cannot be switched off" in page
    response = client.post("/servicedesk/notifications/preferences/", {"sla_breach": "off"})
    assert response.status_code == 400 and "SLA breached cannot be switched off." in response.content.decode()


def test_preferences_page_saves_ones_own_and_is_reachable_from_every_page(w, client_for):
    agent = w["agent"]
    client = client_for(agent)
    assert (
        'href="/servicedesk/notifications/preferences/"'
        in client.get("/servicedesk/portal/").content.decode()
    )
    response = client.post(
        "/servicedesk/notifications/preferences/", {"ticket_new": "off", "ticket_comment": "digest"}
    )
    assert response.status_code == 302
    stored = dict(NotificationPreference.objects.filter(user=agent).values_list("kind", "channel"))
    assert stored == {"ticket_new": "off", "ticket_comment": "digest"}  # only what differs from the default
    assert AuditEntry.objects.filter(verb="notification_preferences_set").count() == 1
    response = client.post("/servicedesk/notifications/preferences/", {"ticket_new": "loud"})
    assert response.status_code == 400 and "Choose one of" in response.content.decode()
    with pytest.raises(PermissionDenied):
        sd.notification_preferences_set(
            actor=w["agent"], user=w["other_agent"], channels={"ticket_new": "off"}
        )
    assert not NotificationPreference.objects.filter(user=w["other_agent"]).exists()


# --- the daily digest -------------------------------------------------------------------------------------


def test_digest_sends_one_email_per_person_with_what_was_queued_in_local_time(w, settings):
    settings.BIMODAL_BASE_URL = "https://desk.example.org"
    agent, other = w["agent"], w["other_agent"]
    for user in (agent, other):
        sd.notification_preferences_set(actor=user, user=user, channels={"ticket_comment": "digest"})
    agent.email, other.email = "agent@example.com", ""
    agent.save(), other.save()
    ticket = _ticket(w)
    # 30 June 2026, 23:30 UTC is 1 July 00:30 in London (BST): the digest speaks London time.
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        for subject in ("First", "Second"):
            notify(
                recipients=[agent],
                kind=NotificationKind.TICKET_COMMENT,
                obj=ticket,
                subject=subject,
                url=ticket.get_absolute_url(),
            )
    mail.outbox.clear()
    from django.test import TestCase

    with (
        time_machine.travel(datetime(2026, 7, 1, 6, 0, tzinfo=ZoneInfo("UTC")), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        assert notification_send_digests() == 1
    [email] = mail.outbox
    assert email.to == ["agent@example.com"]
    assert email.subject == "Bimodal digest for 01 Jul 2026: 1 notification(s)"
    assert "- 01 Jul 00:30 Second (×2)" in email.body
    # A link that works from a mail client: the site's address before the path.
    assert f"  https://desk.example.org{ticket.get_absolute_url()}\n" in email.body + "\n"
    # Sent once: nothing is queued any more.
    assert notification_send_digests() == 0
    assert not Notification.objects.filter(digest_pending=True).exists()


def test_the_digest_runs_at_seven_in_the_organisations_time_zone_across_dst():
    # The day before the clocks go forward (29 March 2026 in the UK): 07:00 GMT, then 07:00 BST.
    assert next_digest_at(datetime(2026, 3, 28, 6, 59, tzinfo=ZoneInfo("UTC"))) == datetime(
        2026, 3, 28, 7, 0, tzinfo=ZoneInfo("UTC")
    )
    assert next_digest_at(datetime(2026, 3, 28, 7, 0, tzinfo=ZoneInfo("UTC"))) == datetime(
        2026, 3, 29, 6, 0, tzinfo=ZoneInfo("UTC")
    )


# --- 4. marking read ---------------------------------------------------------------------------------------


def test_mark_all_read_brings_the_badge_to_zero_for_htmx_and_only_ones_own(w, client_for):
    ticket = _ticket(w)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, assignee=w["agent"])
    notify(recipients=[w["other_agent"]], kind=NotificationKind.OTHER, subject="theirs")
    client = client_for(w["agent"])
    assert client.get("/servicedesk/notifications/read-all/").status_code == 405
    response = client.post("/servicedesk/notifications/read-all/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "0 unread" in body
    assert 'id="notification-badge"' in body and 'hx-swap-oob="true"' in body and "unread-count" not in body
    assert not Notification.objects.filter(recipient=w["agent"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=w["other_agent"], read_at__isnull=True).count() == 1
    theirs = Notification.objects.get(recipient=w["other_agent"])
    assert client.post(f"/servicedesk/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

"""Customer satisfaction: who may rate a ticket, when and how often; the survey sent on resolution; the
rate form, the API action; the figures per service, group, supplier and mode, against hand-checked
examples and a property (CSAT = the share of answers 4 or 5, the usual definition: docs/servicedesk.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.core.models import AuditEntry, Notification
from bimodal.servicedesk import selectors
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import SatisfactionRating, Ticket
from bimodal.servicedesk.tests.factories import world

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def w(make_user):
    return world(make_user)


def ticket_for(w, requester=None, group=None, opened=None):
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Printer jams",
        service=w["service"],
        requester=requester or w["requester"],
        assignment_group=group or w["desk"],
        opened_at=opened or at(2025, 3, 4, 9),
    )


def resolved(w, requester=None, when=None, group=None):
    when = when or at(2025, 3, 4, 11)
    ticket = ticket_for(w, requester=requester, group=group, opened=when - timedelta(hours=2))
    actor = {w["queue"]: w["supplier_agent"], w["other"]: w["other_agent"]}.get(group, w["agent"])
    return sd.ticket_transition(actor=actor, ticket=ticket, status="resolved", resolution="Fixed", now=when)


def rate(w, ticket, rating, now=None, actor=None, comment=""):
    return sd.ticket_rate(
        actor=actor or ticket.requester,
        ticket=ticket,
        rating=rating,
        comment=comment,
        now=now or at(2025, 3, 5, 9),
    )


# --- the service --------------------------------------------------------------------------------------


def test_the_requester_rates_a_resolved_ticket_once_with_an_audit_row(w):
    ticket = resolved(w)
    answer = rate(w, ticket, 4, comment="  Quick, thanks  ")
    assert (answer.rating, answer.comment, answer.answered_by, answer.answered_at) == (
        4,
        "Quick, thanks",
        w["requester"],
        at(2025, 3, 5, 9),
    )
    assert AuditEntry.objects.filter(verb="ticket_rate", object_id=str(answer.pk)).count() == 1
    assert ticket.events.filter(kind="rated").count() == 1
    with pytest.raises(ValidationError) as error:
        rate(w, ticket, 5)
    assert "rating" in error.value.message_dict and "already been rated" in str(error.value)
    assert SatisfactionRating.objects.get().rating == 4


def test_a_closed_ticket_may_be_rated(w):
    ticket = resolved(w)
    ticket = sd.ticket_transition(actor=w["requester"], ticket=ticket, status="closed", now=at(2025, 3, 5, 8))
    assert rate(w, ticket, 2).rating == 2


@pytest.mark.parametrize("status", ["new", "in_progress"])
def test_an_open_ticket_cannot_be_rated(w, status):
    ticket = ticket_for(w)
    if status == "in_progress":
        ticket = sd.ticket_transition(
            actor=w["agent"], ticket=ticket, status="in_progress", now=at(2025, 3, 4, 10)
        )
    with pytest.raises(ValidationError) as error:
        rate(w, ticket, 5)
    assert list(error.value.message_dict) == ["rating"]
    assert not SatisfactionRating.objects.exists()


@pytest.mark.parametrize("who", ["agent", "requester2", "auditor", "supplier_agent"])
def test_only_the_requester_rates(w, who):
    ticket = resolved(w)
    with pytest.raises(PermissionDenied):
        rate(w, ticket, 5, actor=w[who])
    assert not SatisfactionRating.objects.exists()


def test_the_person_a_ticket_was_raised_for_rates_it_not_the_agent_who_raised_it(w):
    ticket = resolved(w)  # raised by the agent on the requester's behalf
    assert ticket.requester == w["requester"]
    assert rate(w, ticket, 5).answered_by == w["requester"]


@pytest.mark.parametrize("bad", [0, 6, -1, "abc", "", None, True, 10**30, "4.5", "4\x00"])
def test_bad_ratings_name_the_field(w, bad):
    ticket = resolved(w)
    with pytest.raises(ValidationError) as error:
        rate(w, ticket, bad)
    assert list(error.value.message_dict) == ["rating"]


def test_a_comment_with_a_nul_byte_or_too_long_names_the_comment(w):
    ticket = resolved(w)
    for comment in ("bad\x00byte", "x" * 2001):
        with pytest.raises(ValidationError) as error:
            rate(w, ticket, 3, comment=comment)
        assert list(error.value.message_dict) == ["comment"]


def test_the_database_refuses_a_second_answer_and_a_rating_out_of_range(w):
    from django.db import IntegrityError, transaction

    ticket = resolved(w)
    rate(w, ticket, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionRating.objects.create(ticket=ticket, rating=5, answered_by=w["requester"])
    other = resolved(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionRating.objects.create(ticket=other, rating=6, answered_by=w["requester"])


def test_a_reopened_ticket_keeps_its_answer_and_is_not_surveyed_again(w):
    ticket = resolved(w)
    rate(w, ticket, 2, now=at(2025, 3, 4, 12))
    ticket = sd.ticket_transition(
        actor=w["requester"], ticket=ticket, status="in_progress", now=at(2025, 3, 4, 13)
    )
    Notification.objects.filter(kind="ticket_survey").update(read_at=at(2025, 3, 4, 12))
    ticket = sd.ticket_transition(
        actor=w["agent"], ticket=ticket, status="resolved", resolution="Really fixed", now=at(2025, 3, 4, 15)
    )
    assert SatisfactionRating.objects.get().rating == 2
    assert not Notification.objects.filter(kind="ticket_survey", read_at__isnull=True).exists()


# --- the survey on resolution -------------------------------------------------------------------------


def test_resolution_asks_the_requester_how_we_did(w, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = resolved(w)
    note = Notification.objects.get(kind="ticket_survey")
    assert note.recipient == w["requester"]
    assert note.subject == f"How did we do on {ticket.number}?"
    assert note.url == f"/servicedesk/tickets/{ticket.number}/rate/"
    # The email threads with the ticket's other mail: its reference first, replies to desk+<ref>.
    [email] = [m for m in mailoutbox if "How did we do" in m.subject]
    assert email.subject == f"[{ticket.number}] {note.subject}"
    assert email.reply_to == [
        f"desk+{ticket.number}@{django_settings.BIMODAL_DESK_ADDRESS.partition('@')[2]}"
    ]
    assert email.to == [w["requester"].email]


def test_the_survey_follows_the_persons_channel(w, mailoutbox, django_capture_on_commit_callbacks):
    sd.notification_preferences_set(
        actor=w["requester"], user=w["requester"], channels={"ticket_survey": "in_app"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        resolved(w)
    assert Notification.objects.filter(kind="ticket_survey", recipient=w["requester"]).count() == 1
    assert not [m for m in mailoutbox if "How did we do" in m.subject]
    sd.notification_preferences_set(
        actor=w["requester"], user=w["requester"], channels={"ticket_survey": "off"}
    )
    resolved(w)
    assert Notification.objects.filter(kind="ticket_survey").count() == 1


# --- pages ---------------------------------------------------------------------------------------------


def test_the_requester_sees_the_form_on_the_ticket_and_sends_a_rating(w, client_for):
    ticket = resolved(w)
    client = client_for(w["requester"])
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "How satisfied are you with the resolution?</legend>" in page
    assert "Send rating" in page and "5 — Very satisfied" in page and "1 — Very dissatisfied" in page
    response = client.post(f"/servicedesk/tickets/{ticket.number}/rate/", {"rating": "5", "comment": "Great"})
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Send rating" not in page and 'data-testid="rating-value"><strong>5/5</strong>' in page
    assert "Great" in page


def test_the_rate_page_and_its_htmx_swap(w, client_for):
    ticket = resolved(w)
    client = client_for(w["requester"])
    page = client.get(f"/servicedesk/tickets/{ticket.number}/rate/")
    assert page.status_code == 200 and f"How did we do on {ticket.number}?" in page.content.decode()
    bad = client.post(f"/servicedesk/tickets/{ticket.number}/rate/", {"rating": "6"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert "<html" not in bad.content.decode()
    ok = client.post(f"/servicedesk/tickets/{ticket.number}/rate/", {"rating": "3"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "<strong>3/5</strong>" in ok.content.decode()
    again = client.post(f"/servicedesk/tickets/{ticket.number}/rate/", {"rating": "1"})
    assert again.status_code == 400
    assert SatisfactionRating.objects.get().rating == 3


def test_others_do_not_see_the_form_and_may_not_rate(w, client_for):
    ticket = resolved(w)
    agent = client_for(w["agent"])
    page = agent.get(ticket.get_absolute_url()).content.decode()
    assert "Send rating" not in page and "Not rated yet." in page
    assert agent.post(f"/servicedesk/tickets/{ticket.number}/rate/", {"rating": "5"}).status_code == 403
    stranger = client_for(w["requester2"])
    assert stranger.get(f"/servicedesk/tickets/{ticket.number}/rate/").status_code == 404
    assert stranger.post(f"/servicedesk/tickets/{ticket.number}/rate/", {"rating": "5"}).status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_agents_see_the_answer_on_the_ticket(w, client_for):
    ticket = resolved(w)
    rate(w, ticket, 1, comment="Took a week")
    page = client_for(w["agent"]).get(ticket.get_absolute_url()).content.decode()
    assert "<strong>1/5</strong> · Very dissatisfied" in page and "Took a week" in page


def test_no_form_before_resolution(w, client_for):
    ticket = ticket_for(w)
    page = client_for(w["requester"]).get(ticket.get_absolute_url()).content.decode()
    assert "Send rating" not in page


# --- API -----------------------------------------------------------------------------------------------


def test_api_rate_and_read(w, client_for):
    ticket = resolved(w)
    client = client_for(w["requester"])
    url = f"/api/servicedesk/tickets/{ticket.number}/rate/"
    response = client.post(url, {"rating": 4, "comment": "ok"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["rating"] == 4 and response.json()["answered_by"] == "req"
    read = client.get(f"/api/servicedesk/tickets/{ticket.number}/").json()
    assert read["satisfaction"]["rating"] == 4 and read["satisfaction"]["comment"] == "ok"
    again = client.post(url, {"rating": 5}, content_type="application/json")
    assert again.status_code == 400 and "rating" in again.json()


@pytest.mark.parametrize("bad", [0, 6, "abc", 10**40, "4\x00", None, ""])
def test_api_bad_ratings_are_400_naming_the_field(w, client_for, bad):
    ticket = resolved(w)
    response = client_for(w["requester"]).post(
        f"/api/servicedesk/tickets/{ticket.number}/rate/", {"rating": bad}, content_type="application/json"
    )
    assert response.status_code == 400 and "rating" in response.json()
    assert not SatisfactionRating.objects.exists()


def test_api_nul_in_comment_is_400(w, client_for):
    ticket = resolved(w)
    response = client_for(w["requester"]).post(
        f"/api/servicedesk/tickets/{ticket.number}/rate/",
        {"rating": 3, "comment": "a\x00b"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "comment" in response.json()


def test_api_denials(w, client_for, client):
    ticket = resolved(w)
    url = f"/api/servicedesk/tickets/{ticket.number}/rate/"
    assert client_for(w["agent"]).post(url, {"rating": 5}, content_type="application/json").status_code == 403
    assert (
        client_for(w["requester2"]).post(url, {"rating": 5}, content_type="application/json").status_code
        == 404
    )
    client.logout()
    assert client.post(url, {"rating": 5}, content_type="application/json").status_code in (401, 403)
    unresolved = ticket_for(w)
    response = client_for(w["requester"]).post(
        f"/api/servicedesk/tickets/{unresolved.number}/rate/", {"rating": 5}, content_type="application/json"
    )
    assert response.status_code == 400 and "rating" in response.json()
    assert not SatisfactionRating.objects.exists()


# --- figures -------------------------------------------------------------------------------------------

PERIOD = (at(2025, 3, 1), at(2025, 4, 1))


def test_hand_checked_example(w):
    """Ratings 5, 4, 3, 1 given in March on four of five tickets resolved 3-7 March: average 13/4 = 3.25,
    CSAT 2/4 = 50 %. A sixth ticket resolved on 31 March is answered on 2 April: its answer counts in April,
    but it is a March ticket with an answer, so the response rate is 5/6. February's ticket stays out."""
    tickets = [resolved(w, when=at(2025, 3, d, 11)) for d in (3, 4, 5, 6, 7)]
    for ticket, rating in zip(tickets, (5, 4, 3, 1), strict=False):
        rate(w, ticket, rating, now=ticket.resolved_at + timedelta(hours=3))
    late = resolved(w, when=at(2025, 3, 31, 11))
    rate(w, late, 5, now=at(2025, 4, 2, 9))
    early = resolved(w, when=at(2025, 2, 20, 11))
    rate(w, early, 1, now=at(2025, 2, 21, 9))
    figures = selectors.csat(tickets=Ticket.objects.all(), start=PERIOD[0], end=PERIOD[1])[None]
    assert (figures.responses, figures.average, figures.csat) == (4, 3.25, 0.5)
    assert (figures.resolved, figures.answered) == (6, 5)
    assert figures.response_rate == pytest.approx(5 / 6)


def test_breakdowns_by_service_group_supplier_and_mode(w):
    desk = resolved(w, when=at(2025, 3, 3, 11))
    sup = resolved(w, when=at(2025, 3, 4, 11), group=w["queue"])
    rate(w, desk, 5, now=at(2025, 3, 5, 9))
    rate(w, sup, 2, now=at(2025, 3, 5, 9))
    tickets = Ticket.objects.all()
    by_group = selectors.csat(tickets=tickets, start=PERIOD[0], end=PERIOD[1], by="group")
    assert {c.label: (c.responses, c.csat) for c in by_group.values()} == {
        "Desk": (1, 1.0),
        "Atlas": (1, 0.0),
    }
    by_supplier = selectors.csat(tickets=tickets, start=PERIOD[0], end=PERIOD[1], by="supplier")
    assert by_supplier[w["supplier"].pk].average == 2 and by_supplier[None].average == 5
    by_mode = selectors.csat(tickets=tickets, start=PERIOD[0], end=PERIOD[1], by="mode")
    assert [(c.key, c.responses, c.average) for c in by_mode.values()] == [(w["service"].mode_id, 2, 3.5)]
    by_service = selectors.csat(tickets=tickets, start=PERIOD[0], end=PERIOD[1], by="service")
    assert by_service[w["service"].pk].resolved == 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ratings=st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=5)), min_size=0, max_size=25))
def test_csat_is_the_share_of_fours_and_fives(ratings, make_user):
    """For any answers (None: a resolved ticket not answered), CSAT = count(≥ 4) / answers, the average is
    the mean rating and the response rate answers / resolved — as Python counts them."""
    from bimodal.portfolio.tests.factories import ServiceFactory

    user = make_user(username="prop")
    service = ServiceFactory(slug="prop")
    Ticket.objects.bulk_create(
        Ticket(
            number=f"P{i}",
            ticket_type="incident",
            title="x",
            service=service,
            requester=user,
            status="resolved",
            resolved_at=at(2025, 3, 10),
        )
        for i in range(len(ratings))
    )
    by_number = {t.number: t for t in Ticket.objects.all()}
    SatisfactionRating.objects.bulk_create(
        SatisfactionRating(ticket=by_number[f"P{i}"], rating=r, answered_by=user, answered_at=at(2025, 3, 11))
        for i, r in enumerate(ratings)
        if r is not None
    )
    try:
        answers = [r for r in ratings if r is not None]
        figures = selectors.csat(tickets=Ticket.objects.all(), start=PERIOD[0], end=PERIOD[1]).get(None)
        if not ratings:
            assert figures is None
            return
        assert figures is not None
        assert figures.responses == len(answers)
        assert figures.resolved == len(ratings)
        if answers:
            assert figures.csat == pytest.approx(sum(1 for r in answers if r >= 4) / len(answers))
            assert figures.average == pytest.approx(sum(answers) / len(answers))
        else:
            assert figures.csat is None and figures.average is None
        assert figures.response_rate == pytest.approx(len(answers) / len(ratings))
    finally:
        SatisfactionRating.objects.all().delete()
        Ticket.objects.all().delete()
        service.delete()
        user.delete()


def test_satisfaction_page_is_restricted_and_flat(w, client_for, make_user, time_machine):
    time_machine.move_to(at(2025, 3, 20, 12), tick=False)
    for day in (3, 4):
        rate(w, resolved(w, when=at(2025, 3, day, 11)), 4, now=at(2025, 3, day, 15), comment="fine")
    assert client_for(w["requester"]).get("/servicedesk/satisfaction/").status_code == 403
    client = client_for(w["agent"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/servicedesk/satisfaction/?days=30")
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    few, page = count()
    assert 'data-testid="csat-service"' in page and "100.0 %" in page and "fine" in page
    for day in (5, 6, 7, 8):
        rate(
            w,
            resolved(w, when=at(2025, 3, day, 11), group=w["other"]),
            2,
            now=at(2025, 3, day, 15),
            comment="meh",
        )
    many, _ = count()
    assert many == few
    # The other desk's tickets are not the agent's to see: their figures stay out of the agent's page.
    _, page = count()
    assert "Other" not in page and "meh" not in page
    other_page = client_for(w["other_agent"]).get("/servicedesk/satisfaction/?days=30").content.decode()
    assert "meh" in other_page and "fine" not in other_page
    assert client.get("/servicedesk/satisfaction/?start=2025-03-10&end=2025-03-01").status_code == 400


def test_the_published_csat_example(w):
    """Intercom's worked example (https://intercom.help/voc-metrics/en/articles/9647540-what-is-csat-and-how-is-
    csat-score-calculated): 10 × 5, 20 × 4, 10 × 3, 5 × 2 and 5 × 1 → CSAT (10 + 20) ÷ 50 = 60 %."""
    ratings = [5] * 10 + [4] * 20 + [3] * 10 + [2] * 5 + [1] * 5
    Ticket.objects.bulk_create(
        Ticket(
            number=f"X{i}",
            ticket_type="incident",
            title="x",
            service=w["service"],
            requester=w["requester"],
            status="resolved",
            resolved_at=at(2025, 3, 10),
        )
        for i in range(len(ratings))
    )
    tickets = {t.number: t for t in Ticket.objects.all()}
    SatisfactionRating.objects.bulk_create(
        SatisfactionRating(
            ticket=tickets[f"X{i}"], rating=r, answered_by=w["requester"], answered_at=at(2025, 3, 11)
        )
        for i, r in enumerate(ratings)
    )
    figures = selectors.csat(tickets=Ticket.objects.all(), start=PERIOD[0], end=PERIOD[1])[None]
    assert (figures.responses, figures.satisfied, figures.csat) == (50, 30, 0.6)
    assert figures.average == pytest.approx(175 / 50)  # 50 + 80 + 30 + 10 + 5

"""A refused ticket step keeps what was typed: the ticket's page again with the step's form as posted and
the reason, 400 for bad input and 403 when the service refuses the person, and nothing written."""

from __future__ import annotations

import html
import re

import pytest

from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import TicketComment
from bimodal.servicedesk.tests.factories import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    w = world(make_user)
    w["ticket"] = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="VPN down",
        service=w["service"],
        requester=w["requester"],
        assignment_group=w["desk"],
    )
    return w


def _form(page: str, testid: str) -> str:
    found = re.search(rf'<form[^>]*data-testid="{testid}".*?</form>', page, re.S)
    assert found, testid
    return found.group(0)


def test_resolving_without_a_resolution_keeps_the_note_and_the_chosen_status(w, client_for):
    ticket = w["ticket"]
    response = client_for(w["agent"]).post(
        f"/servicedesk/tickets/{ticket.number}/transition/",
        {"status": "resolved", "reason": "Gateway restarted at 10:05", "resolution": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say how it was resolved." in html.unescape(page)
    form = _form(page, "transition-form")
    assert re.search(r'<option value="resolved"[^>]*selected', form)
    assert 'value="Gateway restarted at 10:05"' in form
    # The menu still offers the agent's moves only.
    assert re.findall(r'<option value="([a-z_]+)"', form) == [
        "awaiting_customer",
        "cancelled",
        "in_progress",
        "resolved",
    ]
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_refused_comment_keeps_its_text_with_403(w, client_for):
    ticket = w["ticket"]
    body = "Please call me back on 0207 946 0000 <urgent>"
    response = client_for(w["requester"]).post(
        f"/servicedesk/tickets/{ticket.number}/comment/", {"body": body, "internal": "on"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only agents write internal notes." in page
    assert html.escape(body, quote=False) in page or html.escape(body) in page
    assert not TicketComment.objects.filter(ticket=ticket).exists()


def test_assignees_are_listed_with_their_teams(w, client_for, make_user):
    namesake = make_user("service_desk_agent", teams=[w["desk"], w["other"]], username="agent2")
    for user in (w["agent"], namesake):
        user.first_name, user.last_name = "Sam", "Agent"
        user.save()
    page = client_for(w["agent"]).get(f"/servicedesk/tickets/{w['ticket'].number}/").content.decode()
    select = re.search(r'<select name="assignee".*?</select>', page, re.S)
    assert select
    labels = [html.unescape(t) for t in re.findall(r'<option value="\d+"[^>]*>([^<]*)<', select.group(0))]
    assert labels == ["Sam Agent — Desk", "Sam Agent — Desk, Other"]

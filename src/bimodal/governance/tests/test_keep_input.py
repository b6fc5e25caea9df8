"""A refused decision keeps what was typed: the request's page again with the form as posted, the reason
on it (403 for a refusal, 400 for bad input) and nothing recorded; meetings that look alike can be told
apart in the form's list."""

import html
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bimodal.core.tests.factories import OrgUnitFactory, UserFactory
from bimodal.governance import services
from bimodal.governance.models import DecisionRight, DecisionType
from bimodal.governance.tests.factories import ForumFactory

LONDON = ZoneInfo("Europe/London")
SITTING = datetime(2026, 11, 29, 21, 45, tzinfo=LONDON)


@pytest.fixture
def board_request(db):
    """A large spend routed to the portfolio board, and two sittings of the board at the same minute."""
    chris = UserFactory(username="chris", roles=["change_manager"])
    carla = UserFactory(username="carla", roles=["cab_member"])
    cora = UserFactory(username="cora", roles=["cab_member"])
    pat = UserFactory(username="pat", roles=["product_team_member"])
    board = ForumFactory(
        slug="portfolio-board",
        name="Portfolio board",
        kind="portfolio_board",
        chair=chris,
        members=[carla, cora],
    )
    spend = DecisionType.objects.get(key="approve_spend")
    DecisionRight.objects.create(decision_type=spend, party_kind="role", role="governance_lead", raci="A")
    request = services.decision_request_open(
        actor=pat,
        decision_type="approve_spend",
        title="Buy servers",
        org_unit=OrgUnitFactory(slug="central", governance_model="centralised"),
        amount=Decimal(300000),
    )
    assert request.forum_id == board.pk
    meetings = [
        services.meeting_create(actor=chris, forum=board, scheduled_for=SITTING, attendees=[carla, cora])
        for _ in range(2)
    ]
    return request, carla, meetings


def _form(response) -> str:
    """The decision form's HTML (empty when the page has none)."""
    found = re.search(r'<form[^>]*data-testid="decide-form".*?</form>', response.content.decode(), re.S)
    return found.group(0) if found else ""


def _selected(form: str, name: str) -> list[str]:
    """The values selected in the form's select `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(0))


def _labels(form: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', form, re.S)
    assert select, name
    return [
        html.unescape(t)
        for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select.group(0))
        if v
    ]


def test_a_forum_decision_without_its_meeting_keeps_the_input(client, board_request):
    request, carla, _ = board_request
    client.force_login(carla)
    note = "Too costly for this year; revisit in Q3."
    response = client.post(
        f"/governance/decisions/{request.pk}/decide/", {"outcome": "rejected", "note": note}
    )
    assert response.status_code == 403
    form = _form(response)
    assert form, "the page with its form, not a bare 403"
    assert re.search(r'<textarea name="note"[^>]*>\s*' + re.escape(html.escape(note)) + r"</textarea>", form)
    assert _selected(form, "outcome") == ["rejected"]
    assert "decides this at a meeting with quorum" in form
    assert re.search(r'<select name="meeting" class="[^"]*is-invalid', form)
    request.refresh_from_db()
    assert request.status == "pending" and request.decided_by is None


def test_a_rejection_without_a_reason_keeps_the_chosen_meeting(client, board_request):
    request, carla, meetings = board_request
    client.force_login(carla)
    response = client.post(
        f"/governance/decisions/{request.pk}/decide/", {"outcome": "rejected", "meeting": meetings[1].pk}
    )
    assert response.status_code == 400
    form = _form(response)
    assert _selected(form, "meeting") == [str(meetings[1].pk)]
    assert _selected(form, "outcome") == ["rejected"]
    assert "Say why the request is rejected." in form
    request.refresh_from_db()
    assert request.status == "pending"


def test_meetings_at_the_same_minute_are_told_apart(client, board_request):
    request, carla, meetings = board_request
    client.force_login(carla)
    form = _form(client.get(f"/governance/decisions/{request.pk}/"))
    labels = _labels(form, "meeting")
    assert sorted(labels) == sorted(f"Portfolio board — 29 Nov 2026, 21:45 #{m.pk}" for m in meetings)


def test_a_meeting_is_named_in_the_organisation_time_zone(board_request):
    _, _, meetings = board_request
    # 21:45 in London on 29 November is 21:45 UTC; a summer sitting shows its local hour, not UTC's.
    meetings[0].scheduled_for = datetime(2026, 6, 1, 9, 30, tzinfo=LONDON)
    assert str(meetings[0]) == "Portfolio board — 1 Jun 2026, 09:30"


def test_deciding_at_the_meeting_still_works(client, board_request):
    request, carla, meetings = board_request
    client.force_login(carla)
    response = client.post(
        f"/governance/decisions/{request.pk}/decide/", {"outcome": "approved", "meeting": meetings[0].pk}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved" and request.meeting_id == meetings[0].pk


def test_minutes_refused_after_a_cancellation_are_kept(client, board_request):
    _, _, meetings = board_request
    meeting = meetings[0]
    chris = meeting.forum.chair
    services.meeting_cancel(actor=chris, meeting=meeting, reason="Chair unavailable")
    client.force_login(chris)
    minutes = "Budget for Q3 discussed; the servers wait for the next board."
    response = client.post(f"/governance/meetings/{meeting.pk}/minutes/", {"minutes": minutes})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "A meeting cannot go from “Cancelled” to “Held”." in page
    form = re.search(r'<form[^>]*data-testid="minutes-form".*?</form>', page, re.S)
    assert form and minutes in form.group(0)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.minutes == ""


def test_a_topic_from_someone_who_does_not_run_the_meeting_is_refused_on_the_page(client, board_request):
    _, carla, meetings = board_request
    client.force_login(carla)
    response = client.post(f"/governance/meetings/{meetings[0].pk}/agenda/topic/", {"topic": "Cloud costs"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only the chair of the forum or a governance lead runs its meetings." in page
    assert 'data-testid="attendance"' in page, "the meeting's page, not a bare 403 page"
    assert not meetings[0].agenda_items.exists()


def _meeting_form(response) -> str:
    found = re.search(r'<form[^>]*data-testid="meeting-form".*?</form>', response.content.decode(), re.S)
    assert found, "the forum's page with its meeting form, not a bare page"
    return html.unescape(found.group(0))


def test_a_meeting_planned_by_someone_who_may_not_is_refused_on_the_forum_page(client, board_request):
    _, carla, meetings = board_request
    client.force_login(carla)  # a member of the board, not its chair
    response = client.post(
        "/governance/forums/portfolio-board/meetings/new/", {"scheduled_for": "2026-12-14T10:30"}
    )
    assert response.status_code == 403
    form = _meeting_form(response)
    assert "Only the chair of the forum or a governance lead plans its meetings." in form
    assert 'value="2026-12-14T10:30"' in form
    assert meetings[0].forum.meetings.count() == 2


def test_a_meeting_with_a_broken_date_keeps_what_was_typed(client, board_request):
    _, _, meetings = board_request
    client.force_login(meetings[0].forum.chair)
    response = client.post(
        "/governance/forums/portfolio-board/meetings/new/", {"scheduled_for": "2026-12-41T10:30"}
    )
    assert response.status_code == 400
    form = _meeting_form(response)
    assert 'value="2026-12-41T10:30"' in form and "Enter a valid date/time." in form
    assert meetings[0].forum.meetings.count() == 2


def _record_form(response) -> str:
    found = re.search(r'<form[^>]*data-testid="record-form".*?</form>', response.content.decode(), re.S)
    assert found, "the meeting's page with the item's form as posted"
    return html.unescape(found.group(0))


def test_an_outcome_recorded_by_someone_outside_the_forum_keeps_the_notes(client, board_request):
    _, _, meetings = board_request
    meeting = meetings[0]
    item = services.agenda_item_add(actor=meeting.forum.chair, meeting=meeting, topic="Cloud costs")
    client.force_login(UserFactory(username="audrey", roles=["auditor"]))
    notes = "Noted; the finance team reports back in January."
    response = client.post(
        f"/governance/meetings/{meeting.pk}/agenda/{item.pk}/record/", {"outcome": "noted", "notes": notes}
    )
    assert response.status_code == 403
    assert "Only the chair or a member of the forum records its agenda." in response.content.decode()
    form = _record_form(response)
    assert f'value="{notes}"' in form and re.search(r'<option value="noted" selected', form)
    item.refresh_from_db()
    assert item.outcome == "" and item.notes == ""


def test_a_topic_approved_like_a_decision_is_refused_with_400_and_keeps_the_notes(client, board_request):
    _, carla, meetings = board_request
    meeting = meetings[0]
    item = services.agenda_item_add(actor=meeting.forum.chair, meeting=meeting, topic="Cloud costs")
    client.force_login(carla)
    notes = "Go ahead with the reserved instances."
    response = client.post(
        f"/governance/meetings/{meeting.pk}/agenda/{item.pk}/record/", {"outcome": "approved", "notes": notes}
    )
    assert response.status_code == 400
    assert "Only decision requests are approved here" in response.content.decode()
    form = _record_form(response)
    assert f'value="{notes}"' in form
    item.refresh_from_db()
    assert item.outcome == "" and item.notes == ""

"""The status menu offers only the moves the viewer may make: a requester was once offered In progress,
Resolved and Awaiting customer on her own incident, which the server rightly refused (403)."""

from __future__ import annotations

import re

import pytest

from bimodal.servicedesk import selectors
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.tests.factories import world

pytestmark = pytest.mark.django_db
OPTION = re.compile(r'<option value="([a-z_]+)"')


@pytest.fixture
def w(make_user):
    return world(make_user)


def _menu(client, ticket) -> list[str]:
    page = client.get(f"/servicedesk/tickets/{ticket.number}/").content.decode()
    if 'data-testid="transition-form"' not in page:
        return []
    form = page[page.index('data-testid="transition-form"') :]
    return OPTION.findall(form[: form.index("</select>")])


def test_each_viewer_is_offered_the_moves_they_may_make(w, client_for):
    ticket = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="VPN down",
        service=w["service"],
        requester=w["requester"],
        assignment_group=w["desk"],
    )
    # New: the agent of the group may take every allowed move; the requester only cancel; an auditor
    # (sees every ticket, works none) and another requester nothing.
    assert _menu(client_for(w["agent"]), ticket) == [
        "awaiting_customer",
        "cancelled",
        "in_progress",
        "resolved",
    ]
    assert _menu(client_for(w["requester"]), ticket) == ["cancelled"]
    assert _menu(client_for(w["auditor"]), ticket) == []
    assert selectors.ticket_moves(ticket, user=w["requester2"]) == []
    # Waiting for her: she may answer (back in progress) or cancel.
    ticket = sd.ticket_transition(actor=w["agent"], ticket=ticket, status="awaiting_customer")
    assert _menu(client_for(w["requester"]), ticket) == ["cancelled", "in_progress"]
    # Resolved: she may confirm (close) or reopen.
    ticket = sd.ticket_transition(
        actor=w["agent"], ticket=ticket, status="resolved", resolution="Token reset"
    )
    assert _menu(client_for(w["requester"]), ticket) == ["closed", "in_progress"]
    # Every move offered is one the service accepts.
    for status in selectors.ticket_moves(ticket, user=w["requester"]):
        assert status in {"closed", "in_progress"}
    moved = sd.ticket_transition(actor=w["requester"], ticket=ticket, status="closed")
    assert moved.status == "closed" and _menu(client_for(w["requester"]), moved) == []

"""Two answers to one ticket's survey at the same moment, on PostgreSQL: threads post at once, each on its
own connection, against committed data. The ticket row is locked, then the answer looked for, and the
unique key on the ticket has the last word: one answer is kept, the other gets a 400, never a 500."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from bimodal.changes.tests.test_concurrency import logged_in, race
from bimodal.core.models import AuditEntry
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import SatisfactionRating
from bimodal.servicedesk.tests.factories import world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): SQLite runs one write transaction at a time",
    ),
    pytest.mark.django_db(transaction=True),
]
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("round_", range(3))
def test_two_answers_at_once_leave_one(make_user, round_):
    w = world(make_user)
    ticket = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="VPN drops",
        service=w["service"],
        requester=w["requester"],
        assignment_group=w["desk"],
        opened_at=datetime(2025, 3, 4, 9, tzinfo=LONDON),
    )
    sd.ticket_transition(
        actor=w["agent"],
        ticket=ticket,
        status="resolved",
        resolution="New profile",
        now=datetime(2025, 3, 4, 11, tzinfo=LONDON),
    )
    url = f"/api/servicedesk/tickets/{ticket.number}/rate/"
    codes = race(
        [
            (logged_in(w["requester"]), url, {"rating": 5}),
            (logged_in(w["requester"]), url, {"rating": 1, "comment": "slow"}),
        ]
    )
    assert sorted(codes) == [201, 400]
    answers = SatisfactionRating.objects.filter(ticket=ticket)
    assert answers.count() == 1
    assert AuditEntry.objects.filter(verb="ticket_rate").count() == 1

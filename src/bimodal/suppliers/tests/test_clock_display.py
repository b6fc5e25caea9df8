"""How a ticket's SLA clocks read: one line per target in the queue, whose phrase cannot contradict itself
(a queue once showed "Resolution: 7h 16m over", "Resolution: paused · 7d 11h over", "Response: 1d 17h
over" and "Response: paused · 9d 3h over" for one ticket — its own clocks and a supplier's), the
supplier's contracted clocks on the ticket page behind a disclosure, business and wall time named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bimodal.servicedesk import selectors
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.tests.factories import SlaDefinitionFactory
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db
H = 3600
# Tuesday 4 March 2025, 09:00 London (GMT): office hours of the default schedule start.
T0 = datetime(2025, 3, 4, 9, tzinfo=UTC)


@pytest.fixture
def handed(make_user):
    """A ticket with its own 1 h response / 2 h resolution clocks, handed to supplier Alpha at 09:10
    (Alpha's contracted clocks start), seen at 12:00 while Alpha holds it."""
    with time_machine.travel(T0, tick=False) as clock:
        w = two_suppliers(make_user)  # its contracts run from today
        SlaDefinitionFactory(name="Desk response", target="response", target_seconds=H, priority="")
        SlaDefinitionFactory(name="Desk resolution", target_seconds=2 * H, priority="")
        ticket = sd.ticket_create(
            actor=w["agent"],
            ticket_type="incident",
            title="Disk full",
            service=w["sa"],
            assignment_group=w["desk"],
        )
        clock.shift(timedelta(minutes=10))
        sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"])
        clock.shift(timedelta(hours=2, minutes=50))
        sd.sla_check()
        yield w, ticket


def test_the_queue_shows_one_line_per_target_and_the_ticket_page_the_suppliers_behind_a_disclosure(
    handed, client_for
):
    w, ticket = handed
    own, suppliers = selectors.ticket_clocks(ticket.sla_instances.all())
    # Own clocks: 3 h of business time on both; response (1 h) and resolution (2 h) breached.
    assert [(c.instance.target, c.state_label) for c in own] == [
        ("response", "breached · 2h 00m over"),
        ("resolution", "breached · 1h 00m over"),
    ]
    assert {c.instance.target for c in suppliers} == {"response", "resolution"}
    assert all(c.instance.supplier_id == w["a"].pk for c in suppliers)
    assert own[0].wall == 3 * H and own[0].wall_label == "3h 00m"

    client = client_for(w["agent_a"])
    queue = client.get("/servicedesk/").content.decode()
    assert queue.count('data-testid="sla-response"') == 1
    assert queue.count('data-testid="sla-resolution"') == 1
    assert "Resolution: breached · 1h 00m over" in queue
    page = client.get(f"/servicedesk/tickets/{ticket.number}/").content.decode()
    disclosure = page.index('data-testid="sla-supplier-clocks"')
    assert page.index('data-testid="sla-panel-resolution"') < disclosure
    assert page.index('data-testid="sla-panel-supplier-resolution"') > disclosure
    assert "Elapsed 3h 00m business time (3h 00m wall clock since it started)" in page


def test_a_paused_clock_over_its_target_says_breached_and_paused(handed):
    w, ticket = handed
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        ticket = sd.ticket_transition(actor=w["agent_a"], ticket=ticket, status="awaiting_customer")
    resolution = ticket.sla_instances.get(target="resolution", supplier__isnull=True)
    shown = selectors.clock(resolution, T0 + timedelta(days=2))
    # Paused at 3 h of a 2 h target: breached, 1 h over, and standing still.
    assert (resolution.state, shown.state_label) == ("paused", "breached · 1h 00m over · paused")


def test_less_than_a_minute_over_or_left_says_so(handed):
    _w, ticket = handed
    resolution = ticket.sla_instances.get(target="resolution", supplier__isnull=True)
    # 2 h target; 30 s over and 30 s left (the clock runs from 09:00 in office hours).
    over = selectors.clock(resolution, T0 + timedelta(hours=2, seconds=30))
    resolution.state = "running"  # as it was before the check that found it breached
    left = selectors.clock(resolution, T0 + timedelta(hours=1, minutes=59, seconds=30))
    assert (over.state_label, left.state_label) == ("breached · under 1m over", "under 1m left")

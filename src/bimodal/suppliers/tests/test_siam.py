"""SIAM figures of one ticket against a hand-worked journey: who held it how long, its share, and who held
it when a supplier's clock breached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bimodal.servicedesk import services as sd
from bimodal.suppliers import siam
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(make_user):
    """Opened with the desk at t0, handed to Alpha after 30 min, worked at 2 h, resolved at 5 h."""
    w = two_suppliers(make_user)
    t0 = timezone.now() - timedelta(hours=10)
    ticket = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Disk full",
        service=w["sa"],
        assignment_group=w["desk"],
        opened_at=t0,
    )
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0 + timedelta(minutes=30))
    sd.ticket_transition(actor=w["agent_a"], ticket=ticket, status="in_progress", now=t0 + timedelta(hours=2))
    sd.ticket_transition(
        actor=w["agent_a"], ticket=ticket, status="resolved", resolution="ok", now=t0 + timedelta(hours=5)
    )
    ticket.refresh_from_db()
    return ticket, t0


def test_time_held_and_shares_by_party(journey):
    ticket, t0 = journey
    view = siam.ticket_view(ticket, now=t0 + timedelta(hours=8))
    figures = {p.party: (p.kind, p.held, round(p.share, 2)) for p in view.parties}
    # 30 min with the desk, 4 h 30 min with Alpha until resolution (not until "now")
    assert figures == {
        "Alpha": ("supplier", timedelta(hours=4, minutes=30), 0.9),
        "Desk": ("internal", timedelta(minutes=30), 0.1),
    }
    assert (view.handoffs, view.bounces, view.unassigned) == (1, 0, timedelta(0))


def test_a_breach_is_put_on_the_party_that_held_the_ticket(journey):
    ticket, t0 = journey
    view = siam.ticket_view(ticket, now=t0 + timedelta(hours=8))
    alpha_breaches = sorted((b["clock"].target, b["party"]) for b in view.breaches if b["whose"] == "Alpha")
    # response: 90 min against 60; resolution: 4 h 30 min against 4 h — both while Alpha held it
    assert alpha_breaches == [("resolution", "Alpha"), ("response", "Alpha")]

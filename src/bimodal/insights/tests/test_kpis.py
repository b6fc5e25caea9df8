"""Mode 1 KPIs against hand-computed examples."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bimodal.changes.models import ChangeWindow
from bimodal.insights.metrics import kpis
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.services import transition_record_bulk
from bimodal.insights.tests.factories import TicketFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk.models import SlaDefinition, SlaInstance
from bimodal.servicedesk.tests.factories import ScheduleFactory

PERIOD = Scope(start=at(1), end=at(31))  # 30 days
HOUR = 3600


@pytest.fixture
def svc(db):
    return ServiceFactory(slug="core", name="Core", criticality=0, mode=mode("mode-1"))


def _change(pk, svc, moves, kind="normal"):
    return [
        {
            "stream": "change",
            "object_id": pk,
            "reference": f"CHG-{pk}",
            "service_id": svc.pk,
            "kind": kind,
            "from_state": a,
            "to_state": b,
            "at": when,
        }
        for a, b, when in moves
    ]


def test_change_success_emergency_ratio_and_freeze(svc):
    rows = []
    rows += _change(
        1,
        svc,
        [
            ("", "draft", at(2)),
            ("draft", "submitted", at(2, 1)),
            ("scheduled", "implementing", at(10, 12)),
            ("implementing", "completed", at(10, 13)),
        ],
    )
    rows += _change(
        2,
        svc,
        [
            ("draft", "submitted", at(3)),
            ("submitted", "implementing", at(3, 2)),
            ("implementing", "failed", at(3, 3)),
        ],
        kind="emergency",
    )
    rows += _change(
        3,
        svc,
        [
            ("", "approved", at(4)),
            ("approved", "implementing", at(4)),
            ("implementing", "completed", at(4, 1)),
        ],
        kind="standard",
    )
    rows += _change(4, svc, [("", "draft", at(5))])  # never raised
    transition_record_bulk(rows)
    freeze = ChangeWindow.objects.create(name="Year end", kind="freeze", start=at(10), end=at(11))
    ChangeWindow.objects.create(name="Other", kind="freeze", start=at(3), end=at(4)).services.set(
        [ServiceFactory()]
    )
    success = kpis.change_success(PERIOD)[0]
    assert (success["finished"], success["completed"]) == (3, 2)
    assert success["rate"] == pytest.approx(2 / 3)
    ratio = kpis.emergency_ratio(PERIOD)[0]
    assert (ratio["raised"], ratio["emergency"]) == (3, 1)
    frozen = kpis.changes_in_freeze(PERIOD)[0]
    assert (frozen["implemented"], frozen["in_freeze"]) == (3, 1)  # change 1, estate-wide freeze
    freeze.modes.set([mode("mode-2")])  # now scoped to the other mode only
    assert kpis.changes_in_freeze(PERIOD)[0]["in_freeze"] == 0


def test_mttr_by_priority_with_even_count_median(svc):
    for hours in (1, 2, 4, 10):
        TicketFactory(service=svc, priority="P1", opened_at=at(2), resolved_at=at(2) + timedelta(hours=hours))
    TicketFactory(service=svc, priority="P3", opened_at=at(2), resolved_at=at(3))
    TicketFactory(service=svc, priority="P3", opened_at=at(2), resolved_at=None)
    mttr = kpis.mttr_by_priority(PERIOD)[0]
    assert mttr["P1"]["resolved"] == 4
    assert mttr["P1"]["median"] == pytest.approx(3 * HOUR)
    assert mttr["P1"]["mean"] == pytest.approx(4.25 * HOUR)
    assert mttr["P3"] == {"resolved": 1, "mean": 24 * HOUR, "median": 24 * HOUR, "p90": 24 * HOUR}


def test_availability_merges_overlapping_major_incidents(svc):
    """Outages 2 Jan 10:00–14:00 and 12:00–16:00 overlap → 6 h; one from 30 Dec to 1 Jan 02:00 counts
    from the period start → 2 h; a minor incident does not count. 8 h of 720 h → 98.889 % < 99.95."""
    TicketFactory(service=svc, major_incident=True, opened_at=at(2, 10), resolved_at=at(2, 14))
    TicketFactory(service=svc, major_incident=True, opened_at=at(2, 12), resolved_at=at(2, 16))
    TicketFactory(
        service=svc, major_incident=True, opened_at=at(30, month=12, year=2025), resolved_at=at(1, 2)
    )
    TicketFactory(service=svc, major_incident=False, opened_at=at(3, 10), resolved_at=at(3, 20))
    other = ServiceFactory(availability_target=Decimal("99.000"))
    rows = {r["service_id"]: r for r in kpis.availability(PERIOD)}
    core = rows[svc.pk]
    assert core["downtime"] == pytest.approx(8 * HOUR)
    assert core["outages"] == 2
    assert core["availability"] == pytest.approx(100 * (1 - 8 / 720))
    assert core["target"] == Decimal("99.950") and core["target_source"] == "criticality default"
    assert not core["met"]
    assert rows[other.pk]["availability"] == 100 and rows[other.pk]["met"]


def test_sla_attainment_and_backlog_age(svc):
    schedule = ScheduleFactory()
    definition = SlaDefinition.objects.create(
        name="P1", target="resolution", target_seconds=3600, schedule=schedule
    )
    for state, when in (("met", at(2)), ("met", at(3)), ("breached", at(4)), ("breached", at(1, month=2))):
        ticket = TicketFactory(service=svc, opened_at=at(1))
        SlaInstance.objects.create(
            ticket=ticket,
            definition=definition,
            target="resolution",
            state=state,
            started_at=at(1),
            stopped_at=when,
        )
    sla = kpis.sla_attainment(PERIOD)[0]["resolution"]
    assert sla == {"stopped": 3, "met": 2, "attainment": pytest.approx(2 / 3)}
    backlog = kpis.backlog_age(PERIOD)[0]["incident"]  # four open incidents opened on 1 Jan
    assert backlog["open"] == 4 and backlog["median"] == pytest.approx(30 * 24 * HOUR)


def _rated(service, rating, resolved_on, answered_on=None):
    from bimodal.servicedesk.models import SatisfactionRating

    ticket = TicketFactory(service=service, opened_at=at(1), resolved_at=resolved_on, status="resolved")
    if rating is not None:
        SatisfactionRating.objects.create(
            ticket=ticket, rating=rating, answered_by=ticket.requester, answered_at=answered_on or resolved_on
        )
    return ticket


def test_customer_satisfaction_hand_checked(svc):
    """Ratings 5, 4, 3, 1 given in January on four of five tickets resolved then: average 13/4 = 3.25, CSAT
    2/4 = 50 %, response rate 4/5. An answer given in February counts there, not here."""
    for rating, day in ((5, 2), (4, 3), (3, 4), (1, 5), (None, 6)):
        _rated(svc, rating, at(day))
    _rated(svc, 5, at(1, month=2))
    figures = kpis.csat(PERIOD)[0]
    assert (figures["responses"], figures["average"], figures["csat"]) == (4, 3.25, 0.5)
    assert (figures["resolved"], figures["answered"], figures["response_rate"]) == (5, 4, 0.8)


def test_customer_satisfaction_per_mode(svc):
    other = ServiceFactory(slug="app", name="App", mode=mode("mode-2"))
    _rated(svc, 2, at(3))
    _rated(other, 5, at(3))
    _rated(other, 4, at(4))
    figures = kpis.csat(PERIOD.with_group("mode"))
    assert figures[svc.mode_id]["csat"] == 0 and figures[other.mode_id]["csat"] == 1
    assert figures[other.mode_id]["average"] == 4.5

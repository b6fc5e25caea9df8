"""Scorecard figures against hand-computed examples; percentiles against numpy; flat query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.core.stats import MEDIAN, P90, percentiles, reference_percentile
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import SlaInstance, Ticket
from bimodal.suppliers import scorecards
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    return two_suppliers(make_user)


def _period():
    end = timezone.localdate() - timedelta(days=11)
    return end - timedelta(days=29), end  # 30 days


def _clock(w, supplier, contract, priority, target, elapsed, state, stopped_at):
    """A stopped supplier clock on its own ticket (tickets sit with the desk: no other clocks)."""
    ticket = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="t",
        service=w["sa"],
        assignment_group=w["desk"],
        opened_at=stopped_at - timedelta(seconds=elapsed + 60),
    )
    definition = contract.targets.get(priority=priority, target=target).definition
    return SlaInstance.objects.create(
        ticket=ticket,
        definition=definition,
        target=target,
        supplier=supplier,
        state=state,
        started_at=stopped_at - timedelta(seconds=elapsed),
        stopped_at=stopped_at,
        elapsed_seconds=elapsed,
        breached_at=stopped_at if state == "breached" else None,
    )


def _hand_example(w):
    """The worked example of docs/suppliers.md."""
    start, end = _period()
    t = timezone.make_aware(
        timezone.datetime.combine(start + timedelta(days=5), timezone.datetime.min.time())
    )
    a, ca = w["a"], w["ca"]
    ca.value = Decimal("731000")  # 1000 a day over its 731-day term
    ca.save()
    for elapsed, state in [(600, "met"), (1200, "met"), (1800, "met"), (4200, "breached")]:
        _clock(w, a, ca, "P4", "response", elapsed, state, t)
    for elapsed, state in [(3600, "met"), (7200, "met"), (18000, "breached")]:
        _clock(w, a, ca, "P4", "resolution", elapsed, state, t)
    _clock(w, a, ca, "P1", "resolution", 7200, "breached", t)
    # Not counted: before the period, another supplier, cancelled.
    _clock(w, a, ca, "P4", "response", 99, "met", t - timedelta(days=30))
    _clock(w, w["b"], w["cb"], "P4", "response", 5000, "breached", t)
    _clock(w, a, ca, "P4", "resolution", 99999, "cancelled", t)
    # Volumes: four tickets handed to Alpha in the period, three resolved in it (one of them reopened once).
    queue = []
    for i in range(4):
        queue.append(
            sd.ticket_create(
                actor=w["agent"],
                ticket_type="incident",
                title=f"q{i}",
                service=w["sa"],
                assignment_group=w["qa"],
                opened_at=t + timedelta(hours=i),
            )
        )
    Ticket.objects.filter(pk__in=[x.pk for x in queue[:3]]).update(
        status="resolved", resolved_at=t + timedelta(days=1)
    )
    Ticket.objects.filter(pk=queue[0].pk).update(reopen_count=1)
    return start, end


def test_hand_computed_scorecard(w):
    start, end = _hand_example(w)
    card = scorecards.compute(w["a"], start, end)
    p4, p1 = card.rows[3], card.rows[0]
    assert (p4.response.total, p4.response.met, p4.response.breached) == (4, 3, 1)
    assert p4.response.attainment == 0.75
    assert p4.response.median == 1500  # even count: (1200 + 1800) / 2
    assert p4.response.p90 == pytest.approx(3480)  # h = 3 × 0.9 = 2.7 → 1800 + 0.7 × 2400
    assert (p4.resolution.total, p4.resolution.met) == (3, 2)
    assert p4.resolution.median == 7200
    assert p4.resolution.p90 == pytest.approx(15840)  # h = 1.8 → 7200 + 0.8 × 10800
    assert (p1.resolution.total, p1.resolution.breached, p1.resolution.attainment) == (1, 1, 0)
    assert p1.resolution.median == p1.resolution.p90 == 7200
    assert card.rows[1].response.total == 0 and card.rows[1].response.attainment is None
    assert card.overall["resolution"].total == 4
    assert card.overall["resolution"].median == 7200  # [3600, 7200, 7200, 18000] → (7200 + 7200) / 2
    assert card.breaches == 3
    assert card.credits_earned == Decimal("610.00")  # 10 + 100 + 500
    assert card.charge == Decimal("30000.00")  # 731000 × 30 / 731
    assert card.credits == Decimal("610.00")  # under the 10 % cap of 3000
    assert (card.received, card.resolved, card.reopened) == (4, 3, 1)
    assert card.reopen_rate == pytest.approx(1 / 3)
    assert card.open_now == 1
    assert card.cost_per_ticket == Decimal("10000.00")
    assert card.net_cost_per_ticket == Decimal("9796.67")  # (30000 − 610) / 3
    # The trend covers six months up to the period's end: the earlier clock counts there too.
    assert sum(m["response"].total for m in card.trend) == 5
    assert sum(m["resolution"].total for m in card.trend) == 4
    assert sum(m["resolved"] for m in card.trend) == 3


def test_a_breach_counts_when_it_happens_not_when_its_clock_stops(w, client_for):
    """A P4 response clock that breached on day 5 of the period while the ticket is still open counts
    as a breach (and its credit, 10) in this period, with no time in the percentiles yet; once it stops
    after the period, the next period does not count it again."""
    start, end = _hand_example(w)
    breach_at = timezone.make_aware(
        timezone.datetime.combine(start + timedelta(days=5), timezone.datetime.min.time())
    )
    running = _clock(w, w["a"], w["ca"], "P4", "response", 5000, "breached", breach_at)
    SlaInstance.objects.filter(pk=running.pk).update(stopped_at=None, computed_elapsed=5400)
    card = scorecards.compute(w["a"], start, end)
    p4 = card.rows[3]
    assert (p4.response.total, p4.response.met, p4.response.breached) == (5, 3, 2)
    assert p4.response.attainment == 0.6
    assert p4.response.median == 1500 and p4.response.p90 == pytest.approx(3480)  # the stopped four only
    assert card.breaches == 4 and card.credits_earned == Decimal("620.00")
    listed = list(scorecards.breaches(w["a"], start, end))
    assert running.pk in [b.pk for b in listed]
    page = client_for(w["gov"]).get(f"/suppliers/alpha/scorecard/?start={start}&end={end}").content.decode()
    assert 'data-testid="breach-running"' in page
    # It stops after the period: the following period does not count it again.
    SlaInstance.objects.filter(pk=running.pk).update(stopped_at=timezone.now(), elapsed_seconds=9000)
    later = scorecards.compute(w["a"], end + timedelta(days=1), timezone.localdate())
    assert later.rows[3].response.total == 0
    again = scorecards.compute(w["a"], start, end)
    assert again.rows[3].response.breached == 2 and again.rows[3].response.p90 > 3480  # now with its time


def test_credits_are_capped(w):
    start, end = _hand_example(w)
    ca = w["ca"]
    ca.credit_cap_percent = Decimal("1")  # 1 % of 30000 = 300
    ca.save()
    card = scorecards.compute(w["a"], start, end)
    assert card.credits_earned == Decimal("610.00")
    assert card.credits == Decimal("300.00")


def test_empty_period_and_bad_period(w):
    card = scorecards.compute(w["b"], *_period())
    assert card.resolved == 0 and card.cost_per_ticket is None and card.reopen_rate is None
    assert card.overall["response"].median is None
    start, end = _period()
    with pytest.raises(ValueError):
        scorecards.compute(w["a"], end, start)


def test_csv_export_rows(w):
    start, end = _hand_example(w)
    card = scorecards.compute(w["a"], start, end)
    rows = scorecards.csv_rows(card, list(scorecards.breaches(w["a"], start, end)))
    assert ["P4", "response", 4, 3, 1, "75.0", "0.42", "0.97", "10.00"] in rows
    assert sum(1 for r in rows if r and r[0] == "breach" and r[1] != "ticket") == 3


def test_scorecard_query_count_is_flat(w):
    start, end = _hand_example(w)
    with CaptureQueriesContext(connection) as small:
        scorecards.compute(w["a"], start, end)
    t = timezone.make_aware(
        timezone.datetime.combine(start + timedelta(days=6), timezone.datetime.min.time())
    )
    for i in range(12):
        _clock(w, w["a"], w["ca"], ["P1", "P4"][i % 2], "resolution", 1000 + i, "met", t)
    with CaptureQueriesContext(connection) as big:
        scorecards.compute(w["a"], start, end)
    assert len(big) == len(small) <= 12


# --- percentiles ----------------------------------------------------------------------------------


def test_even_and_odd_medians_hand_checked():
    assert reference_percentile([1, 2, 3, 4], MEDIAN) == 2.5
    assert reference_percentile([5, 1, 3], MEDIAN) == 3
    assert reference_percentile(list(range(1, 11)), P90) == pytest.approx(9.1)
    assert reference_percentile([7], P90) == 7
    assert reference_percentile([], MEDIAN) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    groups=st.dictionaries(
        st.sampled_from(["P1", "P2", "P3"]),
        st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=15),
        min_size=1,
    )
)
def test_percentiles_match_numpy(groups, django_db_blocker, make_user):
    """The window-function percentiles equal numpy's linear interpolation in every group (ties included)."""
    from bimodal.portfolio.tests.factories import ServiceFactory

    user = make_user(username="pct")
    service = ServiceFactory(slug="pct")
    rows = [
        Ticket(
            number=f"T{p}{i}",
            ticket_type="incident",
            title="x",
            service=service,
            requester=user,
            priority=p,
            reopen_count=v,
        )
        for p, values in groups.items()
        for i, v in enumerate(values)
    ]
    Ticket.objects.bulk_create(rows)
    try:
        found = percentiles(Ticket.objects.all(), "reopen_count", ("priority",))
        assert set(found) == {(p,) for p in groups}
        for p, values in groups.items():
            assert found[(p,)][MEDIAN] == pytest.approx(np.percentile(values, 50))
            assert found[(p,)][P90] == pytest.approx(np.percentile(values, 90))
        overall = percentiles(Ticket.objects.all(), "reopen_count")
        every = [v for values in groups.values() for v in values]
        assert overall[()][MEDIAN] == pytest.approx(np.median(every))
    finally:
        Ticket.objects.all().delete()


def _rated_example(w):
    """The worked example, with answers: the three resolved tickets in Alpha's queue are rated 5 and 2 (the
    third unanswered), Beta's one ticket 1. Alpha: 2 answers, average 3.5, CSAT 1/2 = 50 %, response rate
    2/3; Beta's answer stays out."""
    from bimodal.servicedesk.models import SatisfactionRating

    start, end = _hand_example(w)
    resolved = list(Ticket.objects.filter(assignment_group=w["qa"], status="resolved").order_by("id"))
    assert len(resolved) == 3
    for ticket, rating in zip(resolved, (5, 2), strict=False):
        SatisfactionRating.objects.create(
            ticket=ticket,
            rating=rating,
            answered_by=ticket.requester,
            answered_at=ticket.resolved_at + timedelta(hours=2),
        )
    beta = sd.ticket_create(
        actor=w["agent"], ticket_type="incident", title="b", service=w["sb"], assignment_group=w["qb"]
    )
    Ticket.objects.filter(pk=beta.pk).update(status="resolved", resolved_at=resolved[0].resolved_at)
    SatisfactionRating.objects.create(
        ticket=beta, rating=1, answered_by=beta.requester, answered_at=resolved[0].resolved_at
    )
    return start, end


def test_scorecard_customer_satisfaction_hand_checked(w):
    start, end = _rated_example(w)
    figures = scorecards.compute(w["a"], start, end).satisfaction
    assert (figures.responses, figures.average, figures.csat) == (2, 3.5, 0.5)
    assert (figures.resolved, figures.answered) == (3, 2)
    rows = scorecards.csv_rows(scorecards.compute(w["a"], start, end), [])
    assert ["csat_responses", 2] in rows and ["csat_pct", "50.0"] in rows
    assert ["csat_average_rating", "3.50"] in rows and ["csat_response_rate_pct", "66.7"] in rows
    beta = scorecards.compute(w["b"], start, end).satisfaction
    assert (beta.responses, beta.average) == (1, 1.0)


def test_scorecard_page_csv_and_api_show_csat(w, client_for):
    start, end = _rated_example(w)
    client = client_for(w["gov"])
    page = client.get(f"/suppliers/alpha/scorecard/?start={start}&end={end}").content.decode()
    assert 'data-testid="kpi-csat">50%<' in page and "Customer satisfaction (CSAT)" in page
    text = client.get(f"/suppliers/alpha/scorecard/?start={start}&end={end}&format=csv").content.decode()
    assert "csat_pct,50.0" in text and "csat_responses,2" in text
    data = client.get(f"/api/suppliers/alpha/scorecard/?start={start}&end={end}").json()
    assert data["satisfaction"] == {"responses": 2, "average": 3.5, "csat": 0.5, "response_rate": 2 / 3}

"""DORA metrics against hand-computed examples, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from bimodal.insights.choices import Level
from bimodal.insights.metrics import dora
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.tests.factories import DeploymentFactory, RepositoryFactory, TicketFactory, at, commit
from bimodal.portfolio.tests.factories import ServiceFactory

# Four whole weeks (Mon 5 Jan – Sun 1 Feb 2026), touching two calendar months.
PERIOD = Scope(start=at(5), end=at(2, month=2))
HOUR = 3600


@pytest.fixture
def world(db):
    """Service A: successful deployments on 5 Jan (twice), 6 Jan and 13 Jan, a failed one on 7 Jan,
    a staging one on 21 Jan; incidents around them. Service B: one incident, never deployed."""
    a = ServiceFactory(slug="svc-a", name="A")
    b = ServiceFactory(slug="svc-b", name="B")
    d1 = DeploymentFactory(service=a, finished_at=at(5, 10))
    d1b = DeploymentFactory(service=a, finished_at=at(5, 11))
    d2 = DeploymentFactory(service=a, finished_at=at(6, 10))
    d3 = DeploymentFactory(service=a, finished_at=at(7, 10), status="failed")
    d4 = DeploymentFactory(service=a, finished_at=at(13, 10))
    DeploymentFactory(service=a, finished_at=at(21, 10), environment="staging")
    DeploymentFactory(service=a, finished_at=None, status="in_progress")
    # Before any deployment of A in the period: attributed to nothing.
    TicketFactory(service=a, opened_at=at(5, 8), resolved_at=at(5, 9), status="resolved")
    # Two incidents after d1b (the latest successful deployment before them): d1b counts once.
    TicketFactory(service=a, opened_at=at(5, 12), resolved_at=at(5, 14), status="resolved")
    TicketFactory(service=a, opened_at=at(5, 15), resolved_at=at(5, 16), status="resolved")
    # After the failed d3: attributed to d2, the latest *successful* deployment.
    TicketFactory(service=a, opened_at=at(8, 9), resolved_at=at(8, 10), status="resolved")
    # A request and a cancelled incident are not failures.
    TicketFactory(service=a, opened_at=at(13, 12), ticket_type="request", number="REQ900001")
    TicketFactory(service=a, opened_at=at(13, 12), status="cancelled")
    TicketFactory(service=b, opened_at=at(6, 9))
    return {"a": a, "b": b, "deployments": [d1, d1b, d2, d3, d4]}


def test_deployment_frequency_is_the_zero_filled_median_of_deployment_days(world):
    """Deployment days per week: 2, 1, 0, 0 → sorted 0, 0, 1, 2 → even-count median 0.5; per month:
    January 3, February (1 Feb) 0 → median 1.5."""
    figure = dora.deployment_frequency(PERIOD)[0]
    assert figure.extra["weeks"] == 4 and figure.extra["months"] == 2
    assert figure.extra["days_per_week"] == 0.5
    assert figure.extra["days_per_month"] == 1.5
    assert figure.extra["deployment_days"] == 3
    assert figure.count == 4  # successful production deployments (d1, d1b, d2, d4)
    assert figure.level == Level.MEDIUM


def test_change_failure_rate_counts_each_deployment_once(world):
    """Finished production deployments: d1, d1b, d2, d3 (failed), d4. Failed: d1b (two incidents, once),
    d2 (incident after the failed d3), d3 (failed itself) → 3 / 5 = 0.6; the incident before any
    deployment and B's incident are attributed to nothing."""
    figure = dora.change_failure_rate(PERIOD)[0]
    assert figure.count == 5
    assert figure.extra["failed"] == 3
    assert figure.extra["with_incidents"] == 2
    assert figure.value == pytest.approx(0.6)
    assert figure.level == Level.LOW


def test_recovery_time_is_the_median_over_failed_deployments(world):
    """d1b: finished 5 Jan 11:00, its incidents resolved by 16:00 → 5 h; d2: 6 Jan 10:00 → 8 Jan 10:00
    = 48 h. Even count: median (5 + 48) / 2 = 26.5 h → medium."""
    figure = dora.recovery_time(PERIOD)[0]
    assert figure.count == 2
    assert figure.value == pytest.approx(26.5 * HOUR)
    assert figure.extra["p90"] == pytest.approx((5 + 0.9 * 43) * HOUR)
    assert figure.level == Level.MEDIUM


def test_unresolved_incident_keeps_the_deployment_out_of_recovery_time(world):
    TicketFactory(service=world["a"], opened_at=at(14, 9))  # after d4, still open
    assert dora.recovery_time(PERIOD)[0].count == 2
    assert dora.change_failure_rate(PERIOD)[0].extra["failed"] == 4


def test_lead_time_uses_the_first_production_deployment_of_each_commit(world):
    """Commits authored 1, 3, 5 and 7 hours before their first deployment → median 4 h (elite),
    p90 at position 3.7 → 5 + 0.7 × 2 = 6.4 h. A commit deployed twice counts once, from the first."""
    d1, _, d2, _, d4 = world["deployments"]
    repo = RepositoryFactory(service=world["a"])
    commit(repo, at(5, 9), d1)  # 1 h
    commit(repo, at(5, 7), d1, d2)  # 3 h (first deployment d1)
    commit(repo, at(6, 5), d2)  # 5 h
    commit(repo, at(13, 3), d4)  # 7 h
    staging = DeploymentFactory(service=world["a"], finished_at=at(6, 1), environment="staging")
    commit(repo, at(1, 0), staging)  # never in production: no lead time
    figure = dora.lead_time(PERIOD)[0]
    assert figure.count == 4
    assert figure.value == pytest.approx(4 * HOUR)
    assert figure.extra["p90"] == pytest.approx(6.4 * HOUR)
    assert figure.level == Level.ELITE


def test_compute_matches_the_single_metrics(world):
    """On PostgreSQL compute() takes failure rate and recovery time from one query: same figures."""
    figures = dora.compute(PERIOD)[0]
    assert figures["change_failure_rate"] == dora.change_failure_rate(PERIOD)[0]
    assert figures["recovery_time"] == dora.recovery_time(PERIOD)[0]


def test_breakdown_by_service_team_and_mode(world):
    by_service = dora.compute(PERIOD.with_group("service"))
    assert set(by_service) == {world["a"].pk}
    by_team = dora.compute(PERIOD.with_group("team"))
    assert set(by_team) == {world["a"].owner_team_id}
    assert dora.compute(PERIOD.with_group("mode"))[world["a"].mode_id]["change_failure_rate"].value == 0.6
    only_b = Scope(PERIOD.start, PERIOD.end, service_ids=(world["b"].pk,))
    assert dora.compute(only_b) == {}


def test_period_excludes_deployments_outside_it(world):
    later = Scope(start=at(14), end=at(2, month=2))
    assert dora.deployment_frequency(later) == {}
    assert dora.change_failure_rate(later) == {}


@pytest.mark.parametrize(
    ("fn", "value", "level"),
    [
        (dora.lead_time_level, 23 * HOUR, Level.ELITE),
        (dora.lead_time_level, 24 * HOUR, Level.HIGH),
        (dora.lead_time_level, 7 * 24 * HOUR, Level.MEDIUM),
        (dora.lead_time_level, 30 * 24 * HOUR, Level.LOW),
        (dora.failure_rate_level, 0.05, Level.ELITE),
        (dora.failure_rate_level, 0.10, Level.HIGH),
        (dora.failure_rate_level, 0.15, Level.MEDIUM),
        (dora.failure_rate_level, 0.151, Level.LOW),
        (dora.recovery_level, 59 * 60, Level.ELITE),
        (dora.recovery_level, HOUR, Level.HIGH),
        (dora.recovery_level, 24 * HOUR, Level.MEDIUM),
        (dora.recovery_level, 7 * 24 * HOUR, Level.LOW),
        (dora.lead_time_level, None, Level.NONE),
    ],
)
def test_level_thresholds(fn, value, level):
    assert fn(value) == level


@pytest.mark.parametrize(
    ("week", "month", "level"),
    [
        # Apache DevLake DORA.json (v1.0.3), 2023 report: "On-demand(elite)" when the median deployment
        # days per week is ≥ 5 (the levels once asked for 7).
        (7, 30, Level.ELITE),
        (5, 20, Level.ELITE),
        (6.5, 28, Level.ELITE),
        (4.5, 20, Level.HIGH),
        (1, 4, Level.HIGH),
        (0.5, 1, Level.MEDIUM),
        (0, 0.5, Level.LOW),
    ],
)
def test_frequency_levels(week, month, level):
    assert dora.frequency_level(week, month) == level

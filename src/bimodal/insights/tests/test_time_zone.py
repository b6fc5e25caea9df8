"""Periods and buckets in the organisation's time zone (the TIME_ZONE setting), on SQLite and PostgreSQL
alike: days, weeks (Monday first) and months are local, periods are cut at local midnight, summer time
changes nothing but the UTC instants.

Europe/London in 2026 (tz database): British Summer Time from Sunday 29 March 01:00 UTC (clocks
01:00 GMT → 02:00 BST) to Sunday 25 October 01:00 UTC (02:00 BST → 01:00 GMT)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from bimodal.insights import clock, selectors
from bimodal.insights.metrics import dora, sql
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory
from bimodal.portfolio.tests.factories import ServiceFactory

LONDON = "Europe/London"
HOUR = 3600
FROZEN = datetime(2026, 12, 1, 12, tzinfo=UTC)  # no figure here depends on it; frozen all the same


def local(day: date, hour: float, zone: str = LONDON, *, fold: int = 0) -> datetime:
    """An aware instant at a local wall-clock time (hours may be fractional)."""
    wall = datetime.combine(day, time()) + timedelta(hours=hour)
    return wall.replace(tzinfo=ZoneInfo(zone), fold=fold)


@pytest.fixture
def scope_for(make_user):
    """scope_for(start, end) → the scope of ?start=…&end=… as the pages build it (a superuser's)."""
    user = make_user(is_superuser=True)

    def _scope(start: date, end: date, **params: str):
        return selectors.scope_from({"start": start.isoformat(), "end": end.isoformat(), **params}, user=user)

    return _scope


def _frequency(scope) -> dict:
    figure = dora.deployment_frequency(scope)[0]
    return {
        k: figure.extra[k] for k in ("days_per_week", "days_per_month", "deployment_days", "weeks", "months")
    } | {"count": figure.count}


# --- the helpers ----------------------------------------------------------------------------------------


@override_settings(TIME_ZONE=LONDON)
def test_offsets_find_the_changes_of_the_year_to_the_second():
    """London 2026: +0 until 29 Mar 01:00 UTC, +3600 until 25 Oct 01:00 UTC, then +0."""
    year = sql.offsets(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    march = int(datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp())
    october = int(datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp())
    assert year == [(int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()), 0), (march, 3600), (october, 0)]


@override_settings(TIME_ZONE="America/New_York")
def test_offsets_follow_the_setting():
    """New York 2026: EST (−5 h) until Sunday 8 March 07:00 UTC (02:00 EST → 03:00 EDT), then −4 h."""
    changes = sql.offsets(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [o for _, o in changes] == [-5 * HOUR, -4 * HOUR]
    assert changes[1][0] == int(datetime(2026, 3, 8, 7, tzinfo=UTC).timestamp())


# --- periods and buckets across the changes of clocks ---------------------------------------------------


@time_machine.travel(FROZEN, tick=False)
@override_settings(TIME_ZONE=LONDON)
def test_spring_forward_weeks(db, scope_for):
    """Mon 23 Mar – Sun 5 Apr 2026 (clocks go forward on Sun 29 Mar): the period runs from 23 Mar 00:00
    GMT (00:00 UTC) to 6 Apr 00:00 BST (5 Apr 23:00 UTC). Deployments, local time:
      Mon 23 Mar 00:30 GMT → day 23 Mar, week 1
      Sun 29 Mar 00:30 GMT (before the change) and 23:30 BST (22:30 UTC) → day 29 Mar, week 1
      Mon 30 Mar 00:30 BST (Sun 29 Mar 23:30 UTC) → day 30 Mar, week 2 (in UTC it would be week 1)
      Sun 5 Apr 23:30 BST (22:30 UTC), the last hour of the period → day 5 Apr, week 2
      Mon 6 Apr 00:30 BST (5 Apr 23:30 UTC) → after the period.
    Days per week 2 and 2 → median 2; per month March 3 (23, 29, 30), April 1 → median 2; five
    deployments on four days. (Bucketed in UTC it was weeks 2 and 1 → 1.5.)"""
    svc = ServiceFactory()
    for day, hour in [(23, 0.5), (29, 0.5), (29, 23.5), (30, 0.5)]:
        DeploymentFactory(service=svc, finished_at=local(date(2026, 3, day), hour))
    DeploymentFactory(service=svc, finished_at=local(date(2026, 4, 5), 23.5))
    DeploymentFactory(service=svc, finished_at=local(date(2026, 4, 6), 0.5))
    scope = scope_for(date(2026, 3, 23), date(2026, 4, 5))
    assert (scope.start, scope.end) == (
        datetime(2026, 3, 23, tzinfo=UTC),
        datetime(2026, 4, 5, 23, tzinfo=UTC),
    )
    assert _frequency(scope) == {
        "days_per_week": 2.0,
        "days_per_month": 2.0,
        "deployment_days": 4,
        "weeks": 2,
        "months": 2,
        "count": 5,
    }
    trend = selectors.weekly_trend(scope)
    assert [(w["week"], w["deployments"]) for w in trend] == [(date(2026, 3, 23), 3), (date(2026, 3, 30), 2)]


@time_machine.travel(FROZEN, tick=False)
@override_settings(TIME_ZONE=LONDON)
def test_fall_back_weeks(db, scope_for):
    """Mon 19 Oct – Sun 1 Nov 2026 (clocks go back on Sun 25 Oct): from 19 Oct 00:00 BST (18 Oct 23:00
    UTC) to 2 Nov 00:00 GMT (00:00 UTC). Deployments, local time:
      Mon 19 Oct 00:30 BST (Sun 18 Oct 23:30 UTC), the first hour → day 19 Oct, week 1
      Sun 25 Oct 01:30 BST and 01:30 GMT (the hour lived twice) and 23:30 GMT → day 25 Oct, week 1
      Mon 26 Oct 00:30 GMT → day 26 Oct, week 2
      Sun 1 Nov 23:30 GMT, the last hour → day 1 Nov, week 2.
    Weeks 2 and 2 → 2; months October 3 (19, 25, 26), November 1 → 2; six deployments on four days.
    (In UTC the first one fell on Sunday 18 Oct, a third week.)"""
    svc = ServiceFactory()
    sunday = date(2026, 10, 25)
    instants = [
        local(date(2026, 10, 19), 0.5),
        local(sunday, 1.5, fold=0),
        local(sunday, 1.5, fold=1),
        local(sunday, 23.5),
        local(date(2026, 10, 26), 0.5),
        local(date(2026, 11, 1), 23.5),
    ]
    assert instants[2].astimezone(UTC) - instants[1].astimezone(UTC) == timedelta(hours=1)  # same wall clock
    for at in instants:
        DeploymentFactory(service=svc, finished_at=at)
    scope = scope_for(date(2026, 10, 19), date(2026, 11, 1))
    assert (scope.start, scope.end) == (
        datetime(2026, 10, 18, 23, tzinfo=UTC),
        datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert _frequency(scope) == {
        "days_per_week": 2.0,
        "days_per_month": 2.0,
        "deployment_days": 4,
        "weeks": 2,
        "months": 2,
        "count": 6,
    }
    trend = selectors.weekly_trend(scope)
    assert [(w["week"], w["deployments"]) for w in trend] == [
        (date(2026, 10, 19), 4),
        (date(2026, 10, 26), 2),
    ]


# The same four local weeks in winter (Mon 5 Jan – Sun 1 Feb 2026) and in summer (Mon 6 Jul – Sun 2 Aug
# 2026): day offset from the Monday, local hour, status. Both periods touch two months, the last day
# alone in the second.
PATTERN = [
    (0, 0.5, "succeeded"),
    (0, 10, "succeeded"),
    (1, 23.5, "succeeded"),
    (2, 23.5, "failed"),
    (8, 12, "succeeded"),
    (13, 23.5, "succeeded"),
    (14, 0.25, "rolled_back"),
    (27, 23.5, "succeeded"),
]


@time_machine.travel(FROZEN, tick=False)
@override_settings(TIME_ZONE=LONDON)
@pytest.mark.parametrize("monday", [date(2026, 1, 5), date(2026, 7, 6)], ids=["winter", "summer"])
def test_summer_time_gives_the_figures_of_winter(db, scope_for, monday):
    """Deployment days (successful): offsets 0, 1, 8, 13, 27. Weeks (offsets 0–6, 7–13, 14–20, 21–27):
    2, 2, 0, 1 → sorted 0, 1, 2, 2 → median 1.5. Months: first 4 (offsets 0–13), second 1 (offset 27)
    → median 2.5. Change failure rate: 8 finished deployments; failed: the failed one, the rolled-back
    one and the one of offset 1 (an incident 15 minutes after it) → 3 / 8 = 0.375. Weekly trend:
    deployments 4, 2, 1, 1; failed 1, 0, 1, 0. In summer the first deployment (00:30 BST) is 23:30 UTC
    the Sunday before and the last (23:30 BST) 22:30 UTC — both inside, on their local days."""
    svc = ServiceFactory()
    for offset, hour, status in PATTERN:
        DeploymentFactory(
            service=svc, finished_at=local(monday + timedelta(days=offset), hour), status=status
        )
    opened = local(monday + timedelta(days=1), 23.75)
    TicketFactory(service=svc, opened_at=opened, resolved_at=opened + timedelta(hours=1), status="resolved")
    scope = scope_for(monday, monday + timedelta(days=27))
    assert _frequency(scope) == {
        "days_per_week": 1.5,
        "days_per_month": 2.5,
        "deployment_days": 5,
        "weeks": 4,
        "months": 2,
        "count": 6,
    }
    cfr = dora.change_failure_rate(scope)[0]
    assert (cfr.count, cfr.extra["failed"], cfr.value) == (8, 3, 0.375)
    trend = selectors.weekly_trend(scope)
    assert [w["week"] for w in trend] == [monday + timedelta(weeks=k) for k in range(4)]
    assert [(w["deployments"], w["failed"]) for w in trend] == [(4, 1), (2, 0), (1, 1), (1, 0)]


@time_machine.travel(FROZEN, tick=False)
@override_settings(TIME_ZONE=LONDON)
def test_a_summer_quarter_has_three_months(db, scope_for):
    """1 Jul – 30 Sep 2026 starts at 30 Jun 23:00 UTC; it is three months (in UTC it touched June too)
    and 14 weeks (Mon 29 Jun … Mon 28 Sep: 91 days apart = 13 weeks, plus the first). One deployment
    day, 15 Jul: months 1, 0, 0 → median 0; weeks 1 and thirteen 0 → 0."""
    DeploymentFactory(service=ServiceFactory(), finished_at=local(date(2026, 7, 15), 12))
    figures = _frequency(scope_for(date(2026, 7, 1), date(2026, 9, 30)))
    assert (figures["months"], figures["weeks"]) == (3, 14)
    assert (figures["days_per_month"], figures["days_per_week"], figures["deployment_days"]) == (0, 0, 1)


@time_machine.travel(FROZEN, tick=False)
@override_settings(TIME_ZONE=LONDON)
def test_late_evening_in_summer_is_that_local_day(db, scope_for):
    """One summer day, Wed 15 Jul 2026 (14 Jul 23:00 UTC to 15 Jul 23:00 UTC): deployments at 00:30 BST
    (14 Jul 23:30 UTC) and 23:30 BST (15 Jul 22:30 UTC) are both on 15 Jul — one deployment day in one
    week and one month; 23:30 BST on the 14th and 00:30 BST on the 16th are outside."""
    svc = ServiceFactory()
    for day, hour in [(14, 23.5), (15, 0.5), (15, 23.5), (16, 0.5)]:
        DeploymentFactory(service=svc, finished_at=local(date(2026, 7, day), hour))
    assert _frequency(scope_for(date(2026, 7, 15), date(2026, 7, 15))) == {
        "days_per_week": 1.0,
        "days_per_month": 1.0,
        "deployment_days": 1,
        "weeks": 1,
        "months": 1,
        "count": 2,
    }


@time_machine.travel(FROZEN, tick=False)
@override_settings(TIME_ZONE="Asia/Kolkata")
def test_the_zone_is_a_setting(db, scope_for):
    """TIME_ZONE = Asia/Kolkata (IST, UTC+05:30, no summer time). Mon 2 – Sun 8 Mar 2026 runs from
    1 Mar 18:30 UTC to 8 Mar 18:30 UTC. Deployments (UTC → IST):
      1 Mar 18:00 → 23:30 on Sun 1 Mar, outside
      1 Mar 18:45 → 00:15 on Mon 2 Mar
      2 Mar 18:00 → 23:30 on Mon 2 Mar
      2 Mar 19:00 → 00:30 on Tue 3 Mar
      8 Mar 18:45 → 00:15 on Mon 9 Mar, outside.
    Three deployments on two days (2 and 3 Mar), one week, one month → 2 a week, 2 a month. (In London
    the period would hold 2 Mar 18:00 and 19:00 and 8 Mar 18:45 instead: the zone is what decides.)"""
    svc = ServiceFactory()
    for day, hour in [(1, 18), (1, 18.75), (2, 18), (2, 19), (8, 18.75)]:
        DeploymentFactory(service=svc, finished_at=datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour))
    scope = scope_for(date(2026, 3, 2), date(2026, 3, 8))
    assert (scope.start, scope.end) == (
        datetime(2026, 3, 1, 18, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 18, 30, tzinfo=UTC),
    )
    assert sql.offsets(scope.start, scope.end) == [(int(scope.start.timestamp()), 19800)]
    assert _frequency(scope) == {
        "days_per_week": 2.0,
        "days_per_month": 2.0,
        "deployment_days": 2,
        "weeks": 1,
        "months": 1,
        "count": 3,
    }
    trend = selectors.weekly_trend(scope)
    assert [(w["week"], w["deployments"]) for w in trend] == [(date(2026, 3, 2), 3)]


@override_settings(TIME_ZONE="Asia/Kolkata")
def test_business_clock_follows_the_zone():
    """Office hours 09:00–17:30 IST are 03:30–12:00 UTC: Monday 8 Jan 2024 03:00 → 13:00 UTC holds the
    whole working day, 8.5 h; in London (09:00–17:30 GMT) the same span would hold 4 h."""
    monday = datetime(2024, 1, 8, tzinfo=UTC)
    assert clock.schedule().time_zone == "Asia/Kolkata"
    assert clock.clock(monday + timedelta(hours=13)) - clock.clock(monday + timedelta(hours=3)) == 8.5 * HOUR
    with override_settings(TIME_ZONE=LONDON):
        assert (
            clock.clock(monday + timedelta(hours=13)) - clock.clock(monday + timedelta(hours=3)) == 4 * HOUR
        )

"""The insights business clock: working seconds from a fixed origin on one calendar.

Every transition stores `business_clock` = working seconds from ORIGIN to its instant on the calendar
(`schedule()`), so the business time between any two transitions (of one object or across objects) is a
subtraction in SQL. The calendar is office hours (Mon–Fri 09:00–17:30, English bank holidays) in the
organisation's time zone (the `TIME_ZONE` setting, as every period and bucket of insights). Stored
clocks depend on it: after changing the hours or `TIME_ZONE`, rebuild with
`bimodal insights-backfill --rebuild`."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.conf import settings

from bimodal.core.calendars import Schedule, Timeline, business_seconds_between

OFFICE_HOURS = {d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)

# Working seconds from ORIGIN to the first instant of each (UTC) month, per time zone.
_months: dict[str, dict[tuple[int, int], float]] = {}
_lock = threading.Lock()


@functools.cache
def _schedule(time_zone: str) -> Schedule:
    return Schedule.from_spec(time_zone=time_zone, hours=OFFICE_HOURS, country="GB", subdivision="ENG")


def schedule() -> Schedule:
    """The business calendar: office hours in the organisation's time zone."""
    return _schedule(settings.TIME_ZONE)


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_clock(year: int, month: int) -> float:
    """Working seconds from ORIGIN to the first instant of a (UTC) month; cached."""
    calendar = schedule()
    if _month_start(year, month) < ORIGIN:
        return -business_seconds_between(calendar, _month_start(year, month), ORIGIN)
    key = (year, month)
    months = _months.setdefault(calendar.time_zone, {(2000, 1): 0.0})
    if key in months:
        return months[key]
    with _lock:
        cursor = max(k for k in months if k <= key)
        value = months[cursor]
        while cursor < key:
            following = _next(*cursor)
            value += business_seconds_between(calendar, _month_start(*cursor), _month_start(*following))
            cursor = following
            months[cursor] = value
    return months[key]


def day_clock(day: date) -> float:
    """Working seconds from ORIGIN to the first instant of a (UTC) day; cached."""
    return _day_clock(settings.TIME_ZONE, day)


@functools.lru_cache(maxsize=4096)
def _day_clock(time_zone: str, day: date) -> float:
    start = _month_start(day.year, day.month)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return month_clock(day.year, day.month) + business_seconds_between(_schedule(time_zone), start, midnight)


def clock(at: datetime) -> float:
    """Working seconds from ORIGIN to `at`."""
    at = at.astimezone(UTC)
    midnight = datetime(at.year, at.month, at.day, tzinfo=UTC)
    return day_clock(midnight.date()) + business_seconds_between(schedule(), midnight, at)


def clocks(instants: np.ndarray) -> np.ndarray:
    """`clock` of many instants (epoch seconds) at once (bulk loads and backfills)."""
    t = np.asarray(instants, dtype=np.float64)
    if not len(t):
        return np.zeros(0)
    first = datetime.fromtimestamp(float(t.min()), UTC)
    start = _month_start(first.year, first.month)
    last = datetime.fromtimestamp(float(t.max()), UTC) + timedelta(days=2)
    timeline = Timeline(schedule(), start, last)
    return month_clock(start.year, start.month) + timeline.between(start.timestamp(), t)

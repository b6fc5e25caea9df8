"""The insights business clock: working seconds from a fixed origin on one calendar.

Every transition stores `business_clock` = working seconds from ORIGIN to its instant on SCHEDULE, so the
business time between any two transitions (of one object or across objects) is a subtraction in SQL.
The calendar is London office hours (Mon–Fri 09:00–17:30, English bank holidays); it is set once here
because stored clocks depend on it (after changing it, rebuild with `bimodal insights-backfill --rebuild`)."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, date, datetime, timedelta

import numpy as np

from bimodal.core.calendars import Schedule, Timeline, business_seconds_between

OFFICE_HOURS = {d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SCHEDULE = Schedule.from_spec(time_zone="Europe/London", hours=OFFICE_HOURS, country="GB", subdivision="ENG")
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)

_months: dict[tuple[int, int], float] = {(2000, 1): 0.0}
_lock = threading.Lock()


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_clock(year: int, month: int) -> float:
    """Working seconds from ORIGIN to the first instant of a (UTC) month; cached."""
    key = (year, month)
    if key in _months:
        return _months[key]
    if _month_start(year, month) < ORIGIN:
        return -business_seconds_between(SCHEDULE, _month_start(year, month), ORIGIN)
    with _lock:
        cursor = max(k for k in _months if k <= key)
        value = _months[cursor]
        while cursor < key:
            following = _next(*cursor)
            value += business_seconds_between(SCHEDULE, _month_start(*cursor), _month_start(*following))
            cursor = following
            _months[cursor] = value
    return _months[key]


@functools.lru_cache(maxsize=4096)
def day_clock(day: date) -> float:
    """Working seconds from ORIGIN to the first instant of a (UTC) day; cached."""
    start = _month_start(day.year, day.month)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return month_clock(day.year, day.month) + business_seconds_between(SCHEDULE, start, midnight)


def clock(at: datetime) -> float:
    """Working seconds from ORIGIN to `at`."""
    at = at.astimezone(UTC)
    midnight = datetime(at.year, at.month, at.day, tzinfo=UTC)
    return day_clock(midnight.date()) + business_seconds_between(SCHEDULE, midnight, at)


def clocks(instants: np.ndarray) -> np.ndarray:
    """`clock` of many instants (epoch seconds) at once (bulk loads and backfills)."""
    t = np.asarray(instants, dtype=np.float64)
    if not len(t):
        return np.zeros(0)
    first = datetime.fromtimestamp(float(t.min()), UTC)
    start = _month_start(first.year, first.month)
    last = datetime.fromtimestamp(float(t.max()), UTC) + timedelta(days=2)
    timeline = Timeline(SCHEDULE, start, last)
    return month_clock(start.year, start.month) + timeline.between(start.timestamp(), t)

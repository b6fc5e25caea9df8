"""The release calendar of a cadence: which dates a mode's release train runs on (a calculation, no writes).

The rules, the same on any day they are computed:

- quarterly: the second Saturday of January, April, July and October (named `2027.Q1` …);
- monthly: the second Saturday of every month (`2027.01` …);
- fortnightly (every sprint): every other Wednesday, counted from Wednesday 3 January 2024, so the sprints
  run on whatever day the calendar is made (`2027.01.13` …);
- on demand: no train.

A date that `skip` refuses (a public holiday, a change freeze) moves to the next day it accepts; the name
stays that of the period, so a moved or cancelled release is never generated again. The cut-off (code
freeze) is a fixed number of days before the release date."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from bimodal.portfolio.choices import ReleaseCadence

SATURDAY, WEDNESDAY = 5, 2
SPRINT_EPOCH = date(2024, 1, 3)  # a Wednesday: fortnightly trains run on the Wednesdays 14k days from it
# How many days before the release date its cut-off falls, per cadence.
CUTOFF_DAYS: dict[str, int] = {
    ReleaseCadence.QUARTERLY: 14,
    ReleaseCadence.MONTHLY: 7,
    ReleaseCadence.FORTNIGHTLY: 2,
}
MAX_SHIFT_DAYS = 14


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The `n`-th `weekday` (Monday 0) of a month, e.g. the second Saturday."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _anchors(cadence: str, start: date, end: date) -> Iterator[tuple[str, date]]:
    """(name, date) of every date the cadence names in [start, end], before any shift."""
    if cadence in (ReleaseCadence.QUARTERLY, ReleaseCadence.MONTHLY):
        months = (1, 4, 7, 10) if cadence == ReleaseCadence.QUARTERLY else tuple(range(1, 13))
        for year in range(start.year, end.year + 1):
            for month in months:
                day = nth_weekday(year, month, SATURDAY, 2)
                if start <= day <= end:
                    name = (
                        f"{year}.Q{(month - 1) // 3 + 1}"
                        if cadence == ReleaseCadence.QUARTERLY
                        else f"{year}.{month:02d}"
                    )
                    yield name, day
    elif cadence == ReleaseCadence.FORTNIGHTLY:
        day = SPRINT_EPOCH + timedelta(days=-(-(start - SPRINT_EPOCH).days // 14) * 14)
        while day <= end:
            yield f"{day:%Y.%m.%d}", day
            day += timedelta(days=14)


def train_dates(
    cadence: str, start: date, end: date, *, skip: Callable[[date], bool] = lambda day: False
) -> list[tuple[str, date]]:
    """The release train of `cadence` from `start` to `end` (both included): (name, release date), by
    date. A date `skip` refuses moves to the next accepted day (within two weeks, and not past `end` or
    onto the next release); an on-demand cadence has no train."""
    out: list[tuple[str, date]] = []
    for name, day in _anchors(cadence, start, end):
        moved = day
        while skip(moved) and (moved - day).days < MAX_SHIFT_DAYS:
            moved += timedelta(days=1)
        if skip(moved) or moved > end or (out and moved <= out[-1][1]):
            continue
        out.append((name, moved))
    return out


def cutoff_for(cadence: str, release_date: date) -> date | None:
    """The cut-off (code freeze) of a release on `release_date`; None for a cadence without one."""
    days = CUTOFF_DAYS.get(cadence)
    return release_date - timedelta(days=days) if days is not None else None


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    return min(
        day.replace(year=year, month=month, day=1) + timedelta(days=day.day - 1),
        next_first - timedelta(days=1),
    )

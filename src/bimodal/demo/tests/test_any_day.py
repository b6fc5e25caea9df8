"""The demo loads completely, with the same story, on every day of the year (issue: the demo failed in
December because its Mode 1 changes landed in its own year-end freeze).

Each date runs the real loader under a frozen clock (time-machine), on top of the organisation (people,
teams, services: the part that does not depend on the day), which is loaded once per module. Every count of
every model and every status, state, outcome and result must equal those of a load on an ordinary Wednesday,
and a second load some weeks later must write nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from bimodal.demo.loader import load_demo, load_organisation
from bimodal.demo.tests.story import story

LONDON = zoneinfo.ZoneInfo("Europe/London")
REFERENCE = dt.datetime(2027, 6, 9, 11, 0, tzinfo=LONDON)  # an ordinary Wednesday morning


def _dates() -> list[dt.datetime]:
    """Every day from 1 December to 5 January (at an hour that moves round the clock), and the hard cases."""
    out = []
    day = dt.date(2026, 12, 1)
    while day <= dt.date(2027, 1, 5):
        hour = (len(out) * 5) % 24
        out.append(dt.datetime.combine(day, dt.time(hour, 30), tzinfo=LONDON))
        day += dt.timedelta(days=1)
    out += [
        dt.datetime(2026, 12, 31, 23, 59, tzinfo=LONDON),  # the last minute of the year
        dt.datetime(2028, 2, 29, 12, 0, tzinfo=LONDON),  # a leap day
        dt.datetime(2027, 3, 28, 1, 30, tzinfo=LONDON),  # spring forward: 01:30 does not exist
        dt.datetime(2027, 3, 28, 9, 0, tzinfo=LONDON),  # the 23-hour day, in the morning
        dt.datetime(2027, 10, 31, 1, 30, tzinfo=LONDON),  # fall back: 01:30 happens twice
        dt.datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=LONDON),  # … the second time
        dt.datetime(2027, 6, 12, 10, 0, tzinfo=LONDON),  # a Saturday
        dt.datetime(2027, 6, 13, 22, 30, tzinfo=LONDON),  # a Sunday night, in a Mode 1 window
        dt.datetime(2027, 5, 3, 11, 0, tzinfo=LONDON),  # the early-May bank holiday
        dt.datetime(2027, 4, 2, 16, 0, tzinfo=LONDON),  # Good Friday
    ]
    return out


DATES = _dates()


def _fast_hasher():
    """Module fixtures run outside the per-test settings fixture: hash the demo passwords quickly too."""
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def organisation(django_db_setup, django_db_blocker):
    """The day-independent organisation, loaded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), _fast_hasher():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with time_machine.travel(REFERENCE, tick=True):
                load_organisation()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def reference(organisation, django_db_blocker):
    """The story of a load on an ordinary day, taken in a savepoint that is rolled back."""
    with django_db_blocker.unblock(), _fast_hasher():
        sid = transaction.savepoint()
        try:
            with time_machine.travel(REFERENCE, tick=True):
                assert load_demo().total > 1000
            return story()
        finally:
            transaction.savepoint_rollback(sid)


def test_the_dates_cover_the_hard_cases():
    days = {d.date() for d in DATES}
    december_to_january = {dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(36)}
    assert december_to_january <= days
    assert {d.weekday() for d in DATES} == set(range(7))
    assert dt.date(2028, 2, 29) in days
    assert {d.hour for d in DATES} >= {0, 1, 9, 22, 23}


@pytest.mark.parametrize(
    "moment", DATES, ids=lambda d: d.strftime("%Y-%m-%dT%H:%M") + ("f" if d.fold else "")
)
def test_the_demo_tells_the_same_story_on_any_day(moment, reference, db):
    with time_machine.travel(moment, tick=True):
        result = load_demo()
    assert result.total > 1000
    got = story()
    differences = {k: (got.get(k), v) for k, v in reference.items() if got.get(k) != v}
    assert differences == {}, f"loaded at {moment.isoformat()}: (this day, reference) {differences}"
    # Loading again some weeks later (another month, perhaps another year) writes nothing.
    with time_machine.travel(moment + dt.timedelta(days=38, hours=5), tick=True):
        again = load_demo()
    assert again.total == 0, dict(again.created)
    assert story() == got

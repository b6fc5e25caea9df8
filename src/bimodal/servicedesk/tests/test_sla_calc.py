"""SLA arithmetic (`servicedesk/sla.py`) over support schedules: due times and elapsed business time across
weekends, bank holidays, closures, month and year ends and the clock changes, checked by hand, and
property tests that the due time and the elapsed time agree."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.servicedesk import sla
from bimodal.servicedesk.models import SlaDefinition, SlaInstance, SupportSchedule
from bimodal.servicedesk.tests.factories import OFFICE

LONDON = ZoneInfo("Europe/London")
H = 3600


def at(*args, tz=LONDON):
    return datetime(*args, tzinfo=tz)


def clock(start, target_seconds, *, elapsed=0.0, **schedule):
    """An unsaved clock running since `start` on a schedule (London office hours unless told)."""
    spec = {"time_zone": "Europe/London", "hours": OFFICE, "country": "GB", "subdivision": "ENG", **schedule}
    definition = SlaDefinition(target_seconds=target_seconds, schedule=SupportSchedule(**spec))
    return SlaInstance(definition=definition, running_since=start, elapsed_seconds=elapsed)


@pytest.mark.parametrize(
    ("start", "target", "due"),
    [
        # Inside one working day.
        (at(2025, 3, 4, 9), 4 * H, at(2025, 3, 4, 13)),
        # Opened before the office opens: the clock starts at 09:00.
        (at(2025, 3, 4, 7, 30), 1 * H, at(2025, 3, 4, 10)),
        # Opened after hours: the next morning.
        (at(2025, 3, 4, 18), 1 * H, at(2025, 3, 5, 10)),
        # Friday afternoon over the weekend to Monday.
        (at(2025, 3, 7, 16), 2 * H, at(2025, 3, 10, 10)),
        # Opened on a Saturday: Monday morning.
        (at(2025, 3, 8, 11), 30 * 60, at(2025, 3, 10, 9, 30)),
        # Month end (Friday 31 October) to Monday 3 November.
        (at(2025, 10, 31, 15), 8 * H, at(2025, 11, 3, 15)),
        # Christmas: Christmas Day and Boxing Day are bank holidays, then the weekend.
        (at(2025, 12, 24, 16), 4 * H, at(2025, 12, 29, 12)),
        # Year end: New Year's Day is a bank holiday in England.
        (at(2025, 12, 31, 16), 4 * H, at(2026, 1, 2, 12)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (at(2026, 4, 2, 16), 2 * H, at(2026, 4, 7, 10)),
        # The clocks go back on Sunday 26 October 2025: office hours stay 09:00-17:00 local.
        (at(2025, 10, 24, 16), 2 * H, at(2025, 10, 27, 10)),
        # The clocks go forward on Sunday 30 March 2025.
        (at(2025, 3, 28, 16), 2 * H, at(2025, 3, 31, 10)),
        # Several days: 20 business hours from Monday 09:00 is Wednesday 13:00.
        (at(2025, 6, 2, 9), 20 * H, at(2025, 6, 4, 13)),
    ],
)
def test_due_time_on_london_office_hours(start, target, due):
    assert sla.due_from(clock(start, target)) == due


def test_scottish_schedule_also_closes_on_the_second_of_january():
    # 2 January 2026 (a Friday) is a bank holiday in Scotland only: Monday 5 January.
    assert sla.due_from(clock(at(2025, 12, 31, 16), 4 * H, subdivision="SCT")) == at(2026, 1, 5, 12)


def test_closures_are_skipped():
    start = at(2025, 3, 4, 16)  # Tuesday
    assert sla.due_from(clock(start, 2 * H)) == at(2025, 3, 5, 10)
    assert sla.due_from(clock(start, 2 * H, closures=["2025-03-05"])) == at(2025, 3, 6, 10)


def test_twenty_four_seven_counts_real_time_across_the_clock_change():
    # 00:00 GMT to 03:00 BST on 30 March 2025 is two real hours.
    instance = clock(at(2025, 3, 30, 0), 10 * H, always_on=True)
    assert sla.elapsed_seconds(instance, at(2025, 3, 30, 3)) == 2 * H
    # And 00:00 BST to 03:00 GMT on 26 October is four.
    instance = clock(at(2025, 10, 26, 0), 10 * H, always_on=True)
    assert sla.elapsed_seconds(instance, at(2025, 10, 26, 3)) == 4 * H


def test_weekend_hours_on_the_day_the_clocks_go_forward():
    # A desk open 08:00-20:00 every day: on 30 March 2025 it still opens twelve local hours.
    every_day = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    instance = clock(at(2025, 3, 29, 19), 4 * H, hours=every_day, country="", subdivision="")
    assert sla.due_from(instance) == at(2025, 3, 30, 11)
    assert sla.elapsed_seconds(instance, at(2025, 3, 30, 20)) == 13 * H


def test_a_schedule_in_another_time_zone():
    # Tokyo office hours 09:00-17:00 JST; 08:00 UTC is 17:00 JST, so a clock opened then waits for the
    # next Tokyo morning (00:00 UTC).
    tokyo = ZoneInfo("Asia/Tokyo")
    instance = clock(datetime(2025, 3, 4, 8, tzinfo=UTC), 1 * H, time_zone="Asia/Tokyo", country="")
    assert sla.due_from(instance) == datetime(2025, 3, 5, 10, tzinfo=tokyo)


def test_banked_time_counts_towards_the_target():
    instance = clock(at(2025, 3, 4, 9), 4 * H, elapsed=3 * H)
    assert sla.due_from(instance) == at(2025, 3, 4, 10)
    assert sla.elapsed_seconds(instance, at(2025, 3, 4, 12)) == 6 * H


def test_a_clock_past_its_target_is_due_when_it_resumed():
    instance = clock(at(2025, 3, 4, 11), 4 * H, elapsed=5 * H)
    assert sla.due_from(instance) == at(2025, 3, 4, 11)


def test_a_paused_clock_has_no_due_time_and_keeps_its_banked_time():
    instance = clock(None, 4 * H, elapsed=1234.0)
    assert sla.due_from(instance) is None
    assert sla.elapsed_seconds(instance, at(2030, 1, 1)) == 1234.0


@pytest.mark.parametrize(
    ("elapsed", "target", "percent"), [(0, 100, 0.0), (50, 100, 50.0), (150, 100, 150.0), (10, 0, 100.0)]
)
def test_percent_used(elapsed, target, percent):
    assert sla.percent_used(elapsed, target) == percent


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0m"),
        (59, "0m"),
        (60, "1m"),
        (3600, "1h 00m"),
        (12345, "3h 25m"),
        (90000, "1d 1h"),
        (-3600, "1h 00m"),
    ],
)
def test_format_duration(seconds, text):
    assert sla.format_duration(seconds) == text


# Instants from 2024 to 2027 (leap day, four years of clock changes), to the minute, in UTC so that
# adding a timedelta adds real time.
instants = st.integers(0, 4 * 365 * 24 * 60).map(
    lambda m: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
)


@settings(max_examples=60, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 5))
def test_due_time_is_where_the_elapsed_time_reaches_the_target(start, minutes):
    instance = clock(start, minutes * 60)
    due = sla.due_from(instance)
    assert due is not None and due > start
    assert sla.elapsed_seconds(instance, due) == pytest.approx(minutes * 60)
    # Just before the due time the target is not yet reached.
    assert sla.elapsed_seconds(instance, due - timedelta(minutes=1)) < minutes * 60


@settings(max_examples=60, deadline=None)
@given(start=instants, first=st.integers(0, 60 * 24 * 10), second=st.integers(0, 60 * 24 * 10))
def test_elapsed_time_adds_up_over_consecutive_periods(start, first, second):
    instance = clock(start, H)
    middle = start + timedelta(minutes=first)
    end = middle + timedelta(minutes=second)
    later = clock(middle, H, elapsed=sla.elapsed_seconds(instance, middle))
    assert sla.elapsed_seconds(later, end) == pytest.approx(sla.elapsed_seconds(instance, end))
    assert 0 <= sla.elapsed_seconds(instance, middle) <= sla.elapsed_seconds(instance, end)


@settings(max_examples=40, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 3))
def test_on_twenty_four_seven_business_time_is_real_time(start, minutes):
    instance = clock(start, minutes * 60, always_on=True)
    assert sla.due_from(instance) == start + timedelta(minutes=minutes)


def test_twenty_four_seven_due_time_across_the_clock_change():
    # 23:00 GMT on 29 March 2025 plus three real hours is 03:00 BST.
    instance = clock(at(2025, 3, 29, 23), 3 * H, always_on=True)
    assert sla.due_from(instance) == at(2025, 3, 30, 3)

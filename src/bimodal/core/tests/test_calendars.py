"""Business-time arithmetic: hand-checked examples (holidays, DST) and property tests."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.core.calendars import (
    Schedule,
    Timeline,
    add_business_time,
    business_seconds_between,
    business_seconds_many,
    subtract_business_time,
)

LONDON = ZoneInfo("Europe/London")
WEEKDAY_HOURS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = Schedule.from_spec(time_zone="Europe/London", hours=WEEKDAY_HOURS, country="GB", subdivision="ENG")
ALL_DAY = Schedule.from_spec(
    time_zone="Europe/London",
    hours={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
)
SPLIT = Schedule.from_spec(
    time_zone="America/New_York",
    hours={"mon": [["08:00", "12:00"], ["13:00", "18:30"]], "sat": [["10:00", "14:00"]]},
    country="US",
    closures=["2025-07-07"],
)
H = 3600


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_same_day_and_overnight():
    assert business_seconds_between(OFFICE, london(2025, 3, 4, 10), london(2025, 3, 4, 12, 30)) == 2.5 * H
    # Tuesday 16:00 → Wednesday 10:00 is one hour on each day.
    assert business_seconds_between(OFFICE, london(2025, 3, 4, 16), london(2025, 3, 5, 10)) == 2 * H
    assert add_business_time(OFFICE, london(2025, 3, 4, 16), 2 * H) == london(2025, 3, 5, 10)


def test_weekend_is_skipped():
    # Friday 15:00 + 4 h → Monday 11:00.
    assert add_business_time(OFFICE, london(2025, 3, 7, 15), 4 * H) == london(2025, 3, 10, 11)
    assert business_seconds_between(OFFICE, london(2025, 3, 8, 9), london(2025, 3, 9, 17)) == 0


def test_bank_holiday_is_skipped():
    # Easter 2025: Good Friday 18 April and Easter Monday 21 April are English bank holidays.
    assert add_business_time(OFFICE, london(2025, 4, 17, 16), 2 * H) == london(2025, 4, 22, 10)
    assert business_seconds_between(OFFICE, london(2025, 4, 17, 9), london(2025, 4, 23, 9)) == 2 * 8 * H
    # The late-May bank holiday (26 May 2025) too.
    assert business_seconds_between(OFFICE, london(2025, 5, 23, 17), london(2025, 5, 27, 9)) == 0


def test_extra_closure():
    closed = Schedule.from_spec(time_zone="Europe/London", hours=WEEKDAY_HOURS, closures=["2025-03-05"])
    assert add_business_time(closed, london(2025, 3, 4, 16), 2 * H) == london(2025, 3, 6, 10)


def test_uk_spring_forward():
    # Clocks go forward at 01:00 UTC on Sunday 30 March 2025: the day has 23 hours.
    assert business_seconds_between(ALL_DAY, london(2025, 3, 30), london(2025, 3, 31)) == 23 * H
    # Office hours straddle the change unaffected: Friday 16:00 GMT → Monday 10:00 BST is 2 h.
    start = datetime(2025, 3, 28, 16, tzinfo=UTC)
    assert add_business_time(OFFICE, start, 2 * H) == datetime(2025, 3, 31, 9, tzinfo=UTC)


def test_uk_fall_back():
    # Clocks go back at 01:00 UTC on Sunday 26 October 2025: the day has 25 hours.
    assert business_seconds_between(ALL_DAY, london(2025, 10, 26), london(2025, 10, 27)) == 25 * H
    # Friday 09:00 BST (08:00 UTC) + 16 h → Monday 17:00 GMT (17:00 UTC).
    due = add_business_time(OFFICE, london(2025, 10, 24, 9), 16 * H)
    assert due == datetime(2025, 10, 27, 17, tzinfo=UTC)


def test_twenty_four_seven_is_wall_clock():
    always = Schedule.twenty_four_seven()
    a, b = london(2025, 10, 25, 12), london(2025, 10, 27, 12)
    # Python subtracts same-zone datetimes as wall-clock times; the real elapsed time is in UTC.
    elapsed = (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()
    assert business_seconds_between(always, a, b) == elapsed == 49 * H


def test_split_hours_other_zone_holiday_and_closure():
    ny = ZoneInfo("America/New_York")
    # Monday 30 June 11:00 + 3 h → 1 h before lunch, 2 h after → 15:00.
    assert add_business_time(SPLIT, datetime(2025, 6, 30, 11, tzinfo=ny), 3 * H) == datetime(
        2025, 6, 30, 15, tzinfo=ny
    )
    # Saturday 5 July has 4 h; Monday 7 July is closed; so 5 h from Saturday 10:00 ends Saturday 12 July 11:00.
    assert add_business_time(SPLIT, datetime(2025, 7, 5, 10, tzinfo=ny), 5 * H) == datetime(
        2025, 7, 12, 11, tzinfo=ny
    )


def test_naive_datetimes_refused_and_bad_specs():
    with pytest.raises(ValueError):
        naive = datetime(2025, 1, 1)  # noqa: DTZ001 (the point of the test)
        business_seconds_between(OFFICE, naive, naive + timedelta(days=1))
    with pytest.raises(ValueError):
        Schedule.from_spec(hours={"mon": [["10:00", "09:00"]]})
    with pytest.raises(ValueError):
        add_business_time(Schedule(), london(2025, 1, 1), 10)
    assert OFFICE.is_working_day(date(2025, 12, 24)) and not OFFICE.is_working_day(date(2025, 12, 25))


# hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda d: d.replace(microsecond=0))
durations = st.integers(min_value=0, max_value=400 * H)
schedules = st.sampled_from([OFFICE, ALL_DAY, SPLIT])


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, start=instants, seconds=durations)
def test_add_then_measure_round_trips(schedule, start, seconds):
    end = add_business_time(schedule, start, seconds)
    assert end >= start
    assert business_seconds_between(schedule, start, end) == seconds


def test_subtract_hand_checked():
    # Monday 10:00 less 4 working hours → Friday 14:00 (the weekend counts for nothing).
    assert subtract_business_time(OFFICE, london(2025, 3, 10, 10), 4 * H) == london(2025, 3, 7, 14)
    # From Saturday noon the clock stands at Friday 17:00: 1 hour back is Friday 16:00.
    assert subtract_business_time(OFFICE, london(2025, 3, 8, 12), H) == london(2025, 3, 7, 16)
    # Tuesday after Easter 10:00 less 2 hours skips Easter Monday and Good Friday → Thursday 16:00.
    assert subtract_business_time(OFFICE, london(2025, 4, 22, 10), 2 * H) == london(2025, 4, 17, 16)
    # Christmas: 27 December 2027 (Monday) and 28th are substitute bank holidays in England.
    assert subtract_business_time(OFFICE, london(2027, 12, 29, 9, 30), H) == london(2027, 12, 24, 16, 30)
    # Around the clock it is elapsed time: the autumn Sunday has 25 hours, so 24 hours before Monday
    # 00:00 GMT is the first 01:00 (BST) of that Sunday, 00:00 UTC.
    assert subtract_business_time(ALL_DAY, london(2025, 10, 27, 0), 24 * H) == datetime(
        2025, 10, 26, tzinfo=UTC
    )
    assert subtract_business_time(Schedule.twenty_four_seven(), london(2025, 3, 10, 10), H) == london(
        2025, 3, 10, 9
    )
    with pytest.raises(ValueError):
        subtract_business_time(OFFICE, london(2025, 3, 10, 10), -1)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, end=instants, seconds=durations)
def test_subtract_then_measure_round_trips(schedule, end, seconds):
    start = subtract_business_time(schedule, end, seconds)
    assert start <= end
    assert business_seconds_between(schedule, start, end) == seconds
    # The latest such instant: any later start has less working time before `end`.
    assert business_seconds_between(schedule, start + timedelta(seconds=1), end) < seconds or seconds == 0


@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants)
def test_24x7_equals_wall_clock(a, b):
    a, b = sorted([a, b])
    assert business_seconds_between(Schedule.twenty_four_seven(), a, b) == (b - a).total_seconds()


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, points=st.lists(instants, min_size=3, max_size=3))
def test_additive_over_split_points_and_monotone(schedule, points):
    a, m, b = sorted(points)
    whole = business_seconds_between(schedule, a, b)
    assert whole == business_seconds_between(schedule, a, m) + business_seconds_between(schedule, m, b)
    assert business_seconds_between(schedule, a, m) <= whole


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, start=instants, pause=st.integers(0, 200 * H), s1=durations)
def test_pausing_never_increases_elapsed(schedule, start, pause, s1):
    """Elapsed with a pause (clock stopped for a while) is at most the elapsed without it."""
    end = start + timedelta(seconds=s1 + pause)
    pause_from = start + timedelta(seconds=s1)
    with_pause = business_seconds_between(schedule, start, pause_from)
    assert with_pause <= business_seconds_between(schedule, start, end)


@settings(max_examples=50, deadline=None)
@given(schedule=schedules, starts=st.lists(instants, min_size=1, max_size=20), end=instants)
def test_bulk_matches_scalar(schedule, starts, end):
    epochs = np.array([s.timestamp() for s in starts])
    bulk = business_seconds_many(schedule, epochs, end)
    expected = [business_seconds_between(schedule, s, end) for s in starts]
    assert bulk.tolist() == expected


def test_timeline_locate_is_inverse_of_add():
    start = london(2025, 4, 16, 15)
    timeline = Timeline(OFFICE, start, london(2025, 6, 1))
    origin = timeline.measure(np.array([start.timestamp()]))
    for hours in (1, 2, 3, 30):
        located = timeline.locate(origin + hours * H)[0]
        assert located == add_business_time(OFFICE, start, hours * H).timestamp()


# Instants near the DST changes in London and the turn of the year, where a day-table lookup could slip.
_edges = [
    london(2024, 3, 31),
    london(2024, 10, 27),
    london(2024, 12, 31, 12),
    london(2025, 3, 30),
    london(2025, 10, 26),
    london(2025, 12, 31, 12),
]
edge_instants = st.builds(
    lambda base, offset: base + timedelta(seconds=offset),
    st.sampled_from(_edges),
    st.integers(-3 * 86400, 3 * 86400),
)


@settings(max_examples=150, deadline=None)
@given(
    schedule=st.sampled_from([OFFICE, ALL_DAY, SPLIT, Schedule.twenty_four_seven()]),
    points=st.lists(st.one_of(edge_instants, instants), min_size=1, max_size=30),
    fractions=st.lists(st.floats(0, 1), min_size=30, max_size=30),
)
def test_day_table_measure_equals_the_interval_search(schedule, points, fractions):
    """Timeline.measure (prefix sum over a table of local days) gives exactly what a binary search over
    the working intervals gives, at DST changes and year ends, at and beyond both ends of the timeline."""
    epochs = np.array([p.timestamp() + f for p, f in zip(points, fractions, strict=False)])
    start = min(points) + timedelta(days=1)  # some instants fall before the timeline, some after it
    timeline = Timeline(schedule, start, max(start, max(points) - timedelta(days=1)))
    assert timeline.measure(epochs).tolist() == timeline.measure_by_intervals(epochs).tolist()
    assert timeline.measure(epochs[0]) == timeline.measure_by_intervals(epochs[:1])[0]


def test_day_table_on_the_dst_sundays_of_an_all_day_schedule():
    """Hand-checked: the spring Sunday has 23 working hours around the clock, the autumn one 25."""
    timeline = Timeline(ALL_DAY, london(2025, 3, 29), london(2025, 10, 28))
    spring = timeline.measure(np.array([london(2025, 3, 30).timestamp(), london(2025, 3, 31).timestamp()]))
    autumn = timeline.measure(np.array([london(2025, 10, 26).timestamp(), london(2025, 10, 27).timestamp()]))
    assert (spring[1] - spring[0], autumn[1] - autumn[0]) == (23 * H, 25 * H)
    # An instant inside the autumn Sunday's repeated hour (01:30 BST, then 01:30 GMT).
    first = datetime(2025, 10, 26, 0, 30, tzinfo=UTC).timestamp()
    assert timeline.measure(np.array([first, first + H])).tolist() == [
        autumn[0] + 1.5 * H,
        autumn[0] + 2.5 * H,
    ]

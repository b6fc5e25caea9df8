"""The business clock: working seconds from the origin, cached per month and per day, must equal the
plain calendar arithmetic for any instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.core.calendars import business_seconds_between
from bimodal.insights import clock

# hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=datetime(2019, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def test_clock_hand_checked():
    """Monday 2024-01-08 10:00 to Tuesday 11:00 London (the default zone; GMT = UTC in January): 7.5 h on Monday
    (10:00–17:30) and 2 h on Tuesday (09:00–11:00)."""
    monday = datetime(2024, 1, 8, 10, tzinfo=UTC)
    tuesday = datetime(2024, 1, 9, 11, tzinfo=UTC)
    assert clock.clock(tuesday) - clock.clock(monday) == 9.5 * 3600
    # A weekend adds nothing: Friday 17:30 to Monday 09:00.
    assert clock.clock(datetime(2024, 1, 15, 9, tzinfo=UTC)) == clock.clock(
        datetime(2024, 1, 12, 17, 30, tzinfo=UTC)
    )


@settings(max_examples=60, deadline=None)
@given(at=instants)
def test_clock_is_working_seconds_from_the_origin(at):
    assert abs(clock.clock(at) - business_seconds_between(clock.schedule(), clock.ORIGIN, at)) < 1e-6


@settings(max_examples=60, deadline=None)
@given(a=instants, gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_clock_difference_is_business_time_between(a, gap):
    b = a + gap
    assert abs((clock.clock(b) - clock.clock(a)) - business_seconds_between(clock.schedule(), a, b)) < 1e-6

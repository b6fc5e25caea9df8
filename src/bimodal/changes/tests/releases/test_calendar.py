"""The release calendar of a cadence, checked by hand against a printed calendar and by properties."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.changes.releases import add_months, cutoff_for, nth_weekday, train_dates

HOLIDAYS_2027 = {date(2027, 1, 1), date(2027, 12, 25), date(2027, 12, 27)}


def test_quarterly_is_the_second_saturday_of_each_quarter():
    # January 2027 starts on a Friday: Saturdays 2 and 9; April starts on a Thursday: 3 and 10.
    assert train_dates("quarterly", date(2026, 12, 7), date(2027, 12, 7)) == [
        ("2027.Q1", date(2027, 1, 9)),
        ("2027.Q2", date(2027, 4, 10)),
        ("2027.Q3", date(2027, 7, 10)),
        ("2027.Q4", date(2027, 10, 9)),
    ]
    assert all(day.weekday() == 5 for _, day in train_dates("quarterly", date(2027, 1, 1), date(2030, 1, 1)))


def test_a_horizon_from_a_month_end_and_across_a_year_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    # From 31 January: February's second Saturday is the 13th; the horizon ends on 30 April.
    assert train_dates("monthly", date(2027, 1, 31), add_months(date(2027, 1, 31), 3)) == [
        ("2027.02", date(2027, 2, 13)),
        ("2027.03", date(2027, 3, 13)),
        ("2027.04", date(2027, 4, 10)),
    ]
    # Across the year end the names follow the release's year; the sprints keep their 14-day beat.
    assert train_dates("monthly", date(2027, 12, 1), date(2028, 1, 31)) == [
        ("2027.12", date(2027, 12, 11)),
        ("2028.01", date(2028, 1, 8)),
    ]
    assert train_dates("fortnightly", date(2026, 12, 20), date(2027, 1, 31)) == [
        ("2026.12.30", date(2026, 12, 30)),
        ("2027.01.13", date(2027, 1, 13)),
        ("2027.01.27", date(2027, 1, 27)),
    ]


def test_a_holiday_or_freeze_moves_the_release_to_the_next_day_it_allows():
    # 2030-12-25 is a sprint Wednesday (the epoch 2024-01-03 plus 182 sprints).
    assert date(2024, 1, 3) + timedelta(days=14 * 182) == date(2030, 12, 25)
    holidays = {date(2030, 12, 25), date(2030, 12, 26)}
    got = train_dates("fortnightly", date(2030, 12, 20), date(2031, 1, 10), skip=holidays.__contains__)
    assert got == [("2030.12.25", date(2030, 12, 27)), ("2031.01.08", date(2031, 1, 8))]
    # Moved past the horizon: left out.
    assert (
        train_dates("quarterly", date(2027, 1, 1), date(2027, 1, 9), skip={date(2027, 1, 9)}.__contains__)
        == []
    )


def test_on_demand_has_no_train_and_cutoffs_come_before_the_date():
    assert train_dates("on_demand", date(2027, 1, 1), date(2028, 1, 1)) == []
    assert cutoff_for("quarterly", date(2027, 4, 10)) == date(2027, 3, 27)
    assert cutoff_for("on_demand", date(2027, 4, 10)) is None
    assert nth_weekday(2027, 2, 5, 2) == date(2027, 2, 13)


# Saturdays to Saturdays: whole weeks; a quarter's second Saturday is 12 to 14 weeks after the last.
SPACING = {"quarterly": (84, 98), "monthly": (28, 35), "fortnightly": (14, 14)}


@settings(max_examples=200, deadline=None)
@given(
    cadence=st.sampled_from(["quarterly", "monthly", "fortnightly"]),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    months=st.integers(min_value=1, max_value=36),
)
def test_generated_dates_are_sorted_within_the_horizon_and_spaced_by_the_cadence(cadence, start, months):
    end = add_months(start, months)
    got = train_dates(cadence, start, end)
    days = [day for _, day in got]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert all(start <= day <= end for day in days)
    low, high = SPACING[cadence]
    gaps = [(b - a).days for a, b in pairwise(days)]
    assert all(low <= gap <= high and gap % 7 == 0 for gap in gaps)
    assert len({name for name, _ in got}) == len(got)
    # Nothing of the cadence is missed: no gap at either end longer than one spacing.
    if days:
        assert (days[0] - start).days < high and (end - days[-1]).days < high


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31)),
    skipped=st.sets(st.dates(min_value=date(2024, 1, 1), max_value=date(2037, 12, 31)), max_size=40),
)
def test_skipped_days_never_carry_a_release(start, skipped):
    end = add_months(start, 12)
    got = [day for _, day in train_dates("fortnightly", start, end, skip=skipped.__contains__)]
    assert not set(got) & skipped and got == sorted(got) and all(start <= d <= end for d in got)

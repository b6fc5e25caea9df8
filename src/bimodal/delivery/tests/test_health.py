"""RAG, slip, velocity and the agile forecast."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bimodal.delivery import health


def test_rag_rules():
    assert health.rag(slip=0, spend=Decimal("0.5")) == "green"
    assert health.rag(slip=-10, spend=None) == "green"
    assert health.rag(slip=1, spend=Decimal("0.5")) == "amber"
    assert health.rag(slip=0, spend=Decimal("1.05")) == "amber"
    assert health.rag(slip=0, spend=None, high_risks=1) == "amber"
    assert health.rag(slip=31, spend=None) == "red"
    assert health.rag(slip=0, spend=Decimal("1.11")) == "red"
    assert health.rag(slip=0, spend=None, high_risks=2) == "red"
    assert health.rag(slip=90, spend=None, override="green") == "green"


ORDER = {"green": 0, "amber": 1, "red": 2}


@given(slip=st.integers(-100, 200), extra=st.integers(0, 100), high=st.integers(0, 3))
def test_more_slip_never_improves_rag(slip, extra, high):
    assert (
        ORDER[health.rag(slip=slip + extra, spend=None, high_risks=high)]
        >= ORDER[health.rag(slip=slip, spend=None, high_risks=high)]
    )


def test_velocity_is_mean_of_last_three():
    assert health.velocity([]) is None
    assert health.velocity([10]) == Decimal(10)
    assert health.velocity([5, 10, 20, 30]) == Decimal(20)


def test_agile_forecast_in_whole_sprints():
    today = date(2025, 1, 1)
    # 45 points left at 20 a sprint: 3 sprints of 14 days.
    assert health.agile_forecast(
        remaining_points=45, velocity_points=Decimal(20), sprint_days=14, today=today
    ) == date(2025, 2, 12)
    assert (
        health.agile_forecast(remaining_points=0, velocity_points=None, sprint_days=14, today=today) == today
    )
    assert (
        health.agile_forecast(remaining_points=5, velocity_points=None, sprint_days=14, today=today) is None
    )


def test_slip_and_spend():
    assert health.slip_days(date(2025, 1, 1), date(2025, 1, 11)) == 10
    assert health.slip_days(None, date(2025, 1, 1)) is None
    assert health.spend_ratio(Decimal(0), Decimal(5)) is None
    assert health.spend_ratio(Decimal(200), Decimal(50)) == Decimal("0.25")

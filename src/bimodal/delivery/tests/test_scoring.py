"""The scoring function: hand-computed examples and properties (monotone in each factor, bounded)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bimodal.delivery import scoring

DEFAULT = {"value": 30, "urgency": 20, "fit": 25, "risk": 10, "cost": 15}
ratings = st.integers(min_value=1, max_value=5)
costs = st.decimals(min_value=0, max_value=5_000_000, places=2)
weights = st.fixed_dictionaries(
    {f: st.decimals(min_value=0, max_value=100, places=1) for f in scoring.FACTORS}
).filter(lambda w: sum(w.values()) > 0)


def score(weights=DEFAULT, value=3, urgency=3, fit=3, risk=3, cost=Decimal("0"), ceiling=Decimal("2000000")):
    return scoring.score(
        weights=weights, value=value, urgency=urgency, fit=fit, risk=risk, cost=cost, cost_ceiling=ceiling
    )


def test_hand_computed_examples():
    # All best: every level 1 → 100. All worst (ratings 5 for risk, 1 for the rest, cost at ceiling) → 0.
    assert score(value=5, urgency=5, fit=5, risk=1, cost=Decimal(0)) == Decimal("100.00")
    assert score(value=1, urgency=1, fit=1, risk=5, cost=Decimal(2_000_000)) == Decimal("0.00")
    # value 4 (0.75), urgency 3 (0.5), fit 5 (1), risk 2 (1-0.25=0.75), cost 500k of 2M (1-0.25=0.75):
    # (30×0.75 + 20×0.5 + 25×1 + 10×0.75 + 15×0.75) / 100 × 100 = 22.5+10+25+7.5+11.25 = 76.25
    assert score(value=4, urgency=3, fit=5, risk=2, cost=Decimal(500_000)) == Decimal("76.25")
    # Only value weighs: the score is the value level.
    only_value = {"value": 1, "urgency": 0, "fit": 0, "risk": 0, "cost": 0}
    assert score(weights=only_value, value=2) == Decimal("25.00")


def test_breakdown_adds_up_to_the_score():
    lines = scoring.breakdown(
        weights=DEFAULT,
        value=4,
        urgency=3,
        fit=5,
        risk=2,
        cost=Decimal(500_000),
        cost_ceiling=Decimal(2_000_000),
    )
    assert [line.factor for line in lines] == list(scoring.FACTORS)
    assert sum(line.points for line in lines) == Decimal("76.25")


@given(w=weights, value=ratings, urgency=ratings, fit=ratings, risk=ratings, cost=costs)
def test_score_is_bounded(w, value, urgency, fit, risk, cost):
    assert Decimal(0) <= score(w, value, urgency, fit, risk, cost) <= Decimal(100)


@given(w=weights, urgency=ratings, fit=ratings, risk=ratings, cost=costs, value=st.integers(1, 4))
def test_raising_value_never_lowers_the_score(w, urgency, fit, risk, cost, value):
    assert score(w, value + 1, urgency, fit, risk, cost) >= score(w, value, urgency, fit, risk, cost)


@given(w=weights, value=ratings, fit=ratings, risk=ratings, cost=costs, urgency=st.integers(1, 4))
def test_raising_urgency_never_lowers_the_score(w, value, fit, risk, cost, urgency):
    assert score(w, value, urgency + 1, fit, risk, cost) >= score(w, value, urgency, fit, risk, cost)


@given(w=weights, value=ratings, urgency=ratings, fit=ratings, cost=costs, risk=st.integers(1, 4))
def test_raising_risk_never_raises_the_score(w, value, urgency, fit, cost, risk):
    assert score(w, value, urgency, fit, risk + 1, cost) <= score(w, value, urgency, fit, risk, cost)


@given(w=weights, value=ratings, urgency=ratings, fit=ratings, risk=ratings, cost=costs, extra=costs)
def test_raising_cost_never_raises_the_score(w, value, urgency, fit, risk, cost, extra):
    assert score(w, value, urgency, fit, risk, cost + extra) <= score(w, value, urgency, fit, risk, cost)


@given(value=ratings, urgency=ratings, fit=ratings, risk=ratings, cost=costs, k=st.integers(1, 10))
def test_scaling_all_weights_changes_nothing(value, urgency, fit, risk, cost, k):
    scaled = {f: w * k for f, w in DEFAULT.items()}
    assert score(scaled, value, urgency, fit, risk, cost) == score(DEFAULT, value, urgency, fit, risk, cost)

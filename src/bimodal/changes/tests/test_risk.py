"""The risk score: hand-checked values and properties."""

from hypothesis import given
from hypothesis import strategies as st

from bimodal.changes.choices import RISK_QUESTIONS
from bimodal.changes.risk import blast_points, risk_level, risk_score


def test_hand_checked_scores():
    # tier 0 (30) + 3 dependants (10) + normal (10) + 25 % failures (5) + 1 yes (2) = 57
    assert risk_score(
        criticality=0, blast_radius=3, change_type="normal", failure_rate=0.25, answers={"downtime": True}
    ) == (57, "high")
    # tier 3 (0) + none (0) + standard (0) + no failures (0) = 0
    assert risk_score(criticality=3, blast_radius=0, change_type="standard", failure_rate=0.0) == (0, "low")
    # tier 1 (20) + 1 dependant (5) + emergency (20) + all failing (20) + 5 yes (10) = 75
    answers = {key: True for key, _ in RISK_QUESTIONS}
    assert risk_score(
        criticality=1, blast_radius=1, change_type="emergency", failure_rate=1.0, answers=answers
    ) == (75, "very_high")


def test_blast_points():
    assert [blast_points(n) for n in (0, 1, 3, 7, 15, 500)] == [0, 5, 10, 15, 20, 20]


def test_levels():
    assert [risk_level(s) for s in (0, 24, 25, 49, 50, 74, 75, 100)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "very_high",
        "very_high",
    ]


inputs = st.fixed_dictionaries(
    {
        "criticality": st.integers(0, 3),
        "blast_radius": st.integers(0, 10_000),
        "change_type": st.sampled_from(["standard", "normal", "emergency"]),
        "failure_rate": st.floats(-1, 2, allow_nan=False),
        "answers": st.dictionaries(st.sampled_from([k for k, _ in RISK_QUESTIONS]), st.booleans()),
    }
)


@given(inputs)
def test_score_is_bounded(kwargs):
    score, level = risk_score(**kwargs)
    assert 0 <= score <= 100
    assert level == risk_level(score)


@given(inputs, st.integers(0, 50))
def test_more_dependants_never_lower_the_score(kwargs, extra):
    assert (
        risk_score(**{**kwargs, "blast_radius": kwargs["blast_radius"] + extra})[0] >= risk_score(**kwargs)[0]
    )


@given(inputs)
def test_more_critical_never_lowers_the_score(kwargs):
    more = {**kwargs, "criticality": max(0, kwargs["criticality"] - 1)}
    assert risk_score(**more)[0] >= risk_score(**kwargs)[0]


@given(inputs, st.sampled_from([k for k, _ in RISK_QUESTIONS]))
def test_a_yes_answer_never_lowers_the_score(kwargs, key):
    more = {**kwargs, "answers": {**kwargs["answers"], key: True}}
    assert risk_score(**more)[0] >= risk_score(**kwargs)[0]

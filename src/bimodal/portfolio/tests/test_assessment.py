"""The scoring engine: hand-checked examples and property tests (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.portfolio import assessment as engine

SPECS = engine.default_specs()
SCORER = engine.Scorer(SPECS, ["mode-1", "mode-2"])
VALUES = ["none", "low", "medium", "high", "very_high"]
KEYS = [c.key for c in SPECS]


def test_total_weight_is_twice_the_mode_criteria_weights():
    assert SCORER.total_weight == 72  # (3+2+3+2+4+3+2+3+3+2+2+2+2+3) × 2 modes


def test_hand_checked_demand_against_release_effort():
    # change_requests very high (s=1, w=4), release effort none (s=0, w=3):
    # Mode 2 = (4·1 + 3·(1−0)) / 7 = 100; Mode 1 = (4·(1−1) + 3·0) / 7 = 0.
    result = SCORER.score({"change_requests": "very_high", "release_effort": "none"})
    assert result.scores == {"mode-1": 0.0, "mode-2": 100.0}
    assert result.recommended == "mode-2"
    # margin 100 → 1.0, times coverage 14/72.
    assert result.confidence == round(14 / 72, 2)
    assert [d.criterion for d in result.drivers] == ["change_requests", "release_effort"]
    assert result.drivers[0].effect == pytest.approx(100 * 4 / 7, abs=0.1)
    assert result.indices["demand_for_change"] == 100.0
    assert result.indices["cost_of_change"] == 0.0


def test_hand_checked_criticality_outweighs_medium_demand():
    # change requests medium (s=.5, w=4), criticality high (s=.75, w=3):
    # Mode 1 = (4·.5 + 3·.75) / 7 = 60.7; Mode 2 = (4·.5 + 3·.25) / 7 = 39.3.
    result = SCORER.score({"change_requests": "medium", "business_criticality": "high"})
    assert result.scores == {"mode-1": 60.7, "mode-2": 39.3}
    assert result.recommended == "mode-1"
    assert result.confidence == round(min(1, (4.25 - 2.75) / 7 * 100 / 30) * 14 / 72, 2)
    # Only criticality pushed Mode 1 ahead; medium demand is neutral.
    assert [d.criterion for d in result.drivers] == ["business_criticality"]
    rationale = result.rationale({"mode-1": "Mode 1", "mode-2": "Mode 2"})
    assert rationale[0].startswith("Recommended Mode 1: Mode 1 60.7, Mode 2 39.3")
    assert "Business criticality: Tier 1 (+21.4 points)" in rationale


def test_time_only_criteria_do_not_change_the_mode_scores():
    base = SCORER.score({"change_requests": "high"})
    with_fit = SCORER.score({"change_requests": "high", "functional_fit": "high", "technical_fit": "low"})
    assert base.scores == with_fit.scores
    assert (
        engine.time_rating(with_fit.indices["functional_fit"], with_fit.indices["technical_fit"]) == "migrate"
    )


def test_nothing_answered_recommends_nothing():
    result = SCORER.score({})
    assert result.recommended is None and result.scores == {} and result.confidence == 0


def test_validate_names_every_bad_answer():
    with pytest.raises(engine.AnswerError) as exc:
        SCORER.validate({"change_requests": "lots", "colour": "blue", "coupling": "", "test_effort": "low"})
    assert set(exc.value.errors) == {"change_requests", "colour"}
    assert SCORER.validate({"test_effort": "low", "coupling": ""}) == {"test_effort": "low"}


def test_quadrants_and_time():
    assert engine.quadrant(80, 10).startswith("Heritage")
    assert engine.quadrant(10, 80).startswith("Digital")
    assert engine.quadrant(80, 80).startswith("Pressure")
    assert engine.quadrant(10, 10).startswith("Commodity")
    assert [engine.time_rating(f, t) for f, t in [(80, 80), (80, 20), (20, 80), (20, 20)]] == [
        "invest",
        "migrate",
        "tolerate",
        "eliminate",
    ]


def test_answers_from_attributes():
    answers = engine.answers_from_attributes(
        {"criticality": 0, "regulatory_tags": ["SOX", "GDPR"], "hosting": "mainframe", "lifecycle": "live"}
    )
    assert answers == {
        "business_criticality": "very_high",
        "regulatory_burden": "medium",
        "technology_age": "very_high",
    }
    assert SCORER.score(answers).recommended == "mode-1"


# --- properties -----------------------------------------------------------------------------------

answers_strategy = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES))


def _bumped(answers: dict, key: str, low: int, high: int) -> tuple[dict, dict]:
    return {**answers, key: VALUES[low]}, {**answers, key: VALUES[high]}


@settings(max_examples=300)
@given(answers_strategy, st.sampled_from([c.key for c in SPECS if c.dimension == "demand_for_change"]),
       st.integers(0, 4), st.integers(0, 4))  # fmt: skip
def test_more_demand_never_lowers_the_mode_2_score(answers, key, a, b):
    lower, higher = _bumped(answers, key, min(a, b), max(a, b))
    assert SCORER.score(higher).scores["mode-2"] >= SCORER.score(lower).scores["mode-2"]


MODE_1_KEYS = [c.key for c in SPECS if c.dimension in {"cost_of_change", "criticality", "regulation"}]


@settings(max_examples=300)
@given(answers_strategy, st.sampled_from(MODE_1_KEYS), st.integers(0, 4), st.integers(0, 4))
def test_more_cost_criticality_or_regulation_never_lowers_the_mode_1_score(answers, key, a, b):
    lower, higher = _bumped(answers, key, min(a, b), max(a, b))
    assert SCORER.score(higher).scores["mode-1"] >= SCORER.score(lower).scores["mode-1"]


@settings(max_examples=300)
@given(answers_strategy)
def test_scores_in_range_and_recommendation_is_argmax(answers):
    result = SCORER.score(answers)
    if not result.scores:
        assert all(SPECS[KEYS.index(k)].dimension in {"functional_fit", "technical_fit"} for k in answers)
        return
    assert all(0 <= v <= 100 for v in result.scores.values())
    assert 0 <= result.confidence <= 1
    assert result.scores[result.recommended] == max(result.scores.values())
    assert all(d.effect > 0 for d in result.drivers)


@given(st.lists(answers_strategy, max_size=20))
def test_score_many_matches_score(rows):
    assert SCORER.score_many(rows) == [SCORER.score(r) for r in rows]

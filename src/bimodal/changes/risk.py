"""The risk score of a change: a pure function of its inputs, 0 (trivial) … 100 (as risky as it gets)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from bimodal.changes.choices import RISK_QUESTIONS

CRITICALITY_POINTS = {0: 30, 1: 20, 2: 10, 3: 0}
TYPE_POINTS = {"standard": 0, "normal": 10, "emergency": 20}
BLAST_MAX = 20
FAILURE_MAX = 20
QUESTION_POINTS = 2  # five questions: at most 10
LEVELS = [(25, "low"), (50, "medium"), (75, "high")]


def blast_points(size: int) -> int:
    """0 for no dependants, 5 for one, 10 for three, 15 for seven, capped at 20 (15 or more)."""
    return min(BLAST_MAX, round(5 * math.log2(1 + max(0, size))))


def risk_level(score: int) -> str:
    """low < 25 ≤ medium < 50 ≤ high < 75 ≤ very_high."""
    for bound, name in LEVELS:
        if score < bound:
            return name
    return "very_high"


def risk_score(
    *,
    criticality: int,
    blast_radius: int,
    change_type: str,
    failure_rate: float,
    answers: Mapping[str, bool] | None = None,
) -> tuple[int, str]:
    """(score, level) from the most critical tier touched, the number of services that depend on the
    changed ones, the change type, the recent change failure rate (0…1) and the yes-answers to the
    questionnaire."""
    answers = answers or {}
    yes = sum(1 for key, _ in RISK_QUESTIONS if answers.get(key))
    score = (
        CRITICALITY_POINTS.get(criticality, 0)
        + blast_points(blast_radius)
        + TYPE_POINTS.get(change_type, 10)
        + round(FAILURE_MAX * min(1.0, max(0.0, failure_rate)))
        + QUESTION_POINTS * yes
    )
    return score, risk_level(score)

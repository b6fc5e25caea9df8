"""The readiness-assessment scoring engine: pure Python, no ORM, fast enough for bulk classification.

One module per part: `base` (dimensions, criteria, results, answer errors), `scorer` (the compiled
questionnaire and its numpy bulk path), `attributes` (answers implied by a service's attributes),
`defaults` (the default questionnaire) and `quadrants` (the portfolio map's quadrants, TIME). Other code
imports this package (`from bimodal.portfolio import assessment as engine`), not its modules.

A questionnaire is a list of criteria. Each criterion has an importance `weight`, a `dimension` (cost of
change, demand for change …), scored answer options (0 = none/low … 4 = very high) and a signed
multiplier per mode (`mode_weights`): +1 means "a high answer speaks for this mode", -1 means "a low answer
speaks for this mode", 0 (or absent) means the criterion does not count for the mode.

For mode m and an answered criterion i with answer score s ∈ [0, 1] (the option's score / 4) and effective
weight w = weight × mode_weights[m]:

    contribution = |w| × s        if w > 0
                 = |w| × (1 − s)  if w < 0
    score(m)     = 100 × Σ contribution / Σ |w|      (over the answered criteria)

The recommended mode is the one with the highest score (the first in mode order on a tie). Confidence is
the margin between the best and the second-best score (30 points or more = full confidence) times the
share of the total weight that was answered. The rationale names the answers that pushed the
recommendation furthest ahead of the runner-up.

`Scorer` precomputes every (criterion, option) contribution once, so scoring a row is a handful of dict
look-ups and additions per criterion."""

from __future__ import annotations

from bimodal.portfolio.assessment.attributes import (
    answers_from_attributes,
)
from bimodal.portfolio.assessment.base import (
    COST_OF_CHANGE,
    DEMAND_FOR_CHANGE,
    FUNCTIONAL_FIT,
    TECHNICAL_FIT,
    AnswerError,
    CriterionSpec,
    Driver,
    Option,
    Result,
    confidence_label,
)
from bimodal.portfolio.assessment.defaults import (
    AGILE,
    DEFAULT_CRITERIA,
    STABLE,
    default_mode_weights,
    default_specs,
)
from bimodal.portfolio.assessment.quadrants import (
    quadrant,
    time_rating,
)
from bimodal.portfolio.assessment.scorer import (
    BULK_MIN_ROWS,
    DRIVERS_SHOWN,
    FULL_CONFIDENCE_MARGIN,
    MAX_SCORE,
    Scorer,
)
from bimodal.portfolio.assessment.scorer import (
    _round_like_python as _round_like_python,  # the tests check it directly
)

__all__ = [
    "AGILE",
    "BULK_MIN_ROWS",
    "COST_OF_CHANGE",
    "DEFAULT_CRITERIA",
    "DEMAND_FOR_CHANGE",
    "DRIVERS_SHOWN",
    "FULL_CONFIDENCE_MARGIN",
    "FUNCTIONAL_FIT",
    "MAX_SCORE",
    "STABLE",
    "TECHNICAL_FIT",
    "AnswerError",
    "CriterionSpec",
    "Driver",
    "Option",
    "Result",
    "Scorer",
    "answers_from_attributes",
    "confidence_label",
    "default_mode_weights",
    "default_specs",
    "quadrant",
    "time_rating",
]

"""The readiness-assessment scoring engine: pure Python, no ORM, fast enough for bulk classification.

One module per part: `base` (dimensions, criteria, results, answer errors), `scorer` (the compiled
questionnaire and its numpy bulk path), `attributes` (answers implied by a service's attributes),
`defaults` (the default questionnaire) and `quadrants` (the portfolio map's quadrants, TIME). Other code
imports this package (`from bimodal.portfolio import assessment as engine`), not its modules.

A questionnaire is a list of criteria. Each criterion has an importance `weight`, a `dimension` (cost of
change, demand for change …) and scored answer options (0 = none/low … 4 = very high). Every mode has a
place on the axis from stability (0) to exploration (1), and a criterion counts in one of two ways:

- On the axis (`axis` = +1: a high answer speaks for exploration, -1: for stability): an answer with score
  s ∈ [0, 1] (the option's score / 4) places the service at x = s (or 1 − s), and every mode with place p
  gets contribution = weight × (1 − |x − p|). Any number of modes is scored by the same rule, so the
  service is recommended the mode nearest the weighted median of its places: all answers at the stable
  end give the most stable mode, middling answers a middle mode, and moving one answer towards stability
  never moves the recommendation towards exploration. With two modes at 0 and 1 this is the same
  arithmetic as the signed multipliers ±1 below.
- Off the axis (`axis` = 0), by a signed multiplier per mode (`mode_weights`): +1 means "a high answer
  speaks for this mode", -1 "a low answer speaks for this mode", 0 (or absent) that the criterion does not
  count for the mode. With effective weight w = weight × mode_weights[m]:
  contribution = |w| × s if w > 0, |w| × (1 − s) if w < 0.

    score(m) = 100 × Σ contribution / Σ denominator   (over the answered criteria; the denominator is the
               weight on the axis, |w| off it)

On the axis the modes are taken from the most stable to the most exploratory place, and the recommended
mode is the one with the highest score (the first in that order on a tie). Confidence is
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
    AXIS,
    DEFAULT_CRITERIA,
    STABLE,
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
    "AXIS",
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
    "default_specs",
    "quadrant",
    "time_rating",
]

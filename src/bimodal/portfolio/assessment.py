"""The readiness-assessment scoring engine: pure Python, no ORM, fast enough for bulk classification.

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
look-ups and additions per criterion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MAX_SCORE = 4
FULL_CONFIDENCE_MARGIN = 30.0
DRIVERS_SHOWN = 3

# Dimensions of a criterion; the map plots the first two, TIME uses the last two.
COST_OF_CHANGE = "cost_of_change"
DEMAND_FOR_CHANGE = "demand_for_change"
FUNCTIONAL_FIT = "functional_fit"
TECHNICAL_FIT = "technical_fit"


@dataclass(frozen=True)
class Option:
    """One answer to a criterion with its score (0 … 4)."""

    value: str
    label: str
    score: int


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion as the engine sees it."""

    key: str
    label: str
    dimension: str
    weight: float
    mode_weights: Mapping[str, float]
    options: tuple[Option, ...]
    help: str = ""


@dataclass(slots=True)
class Driver:
    """An answer that moved the recommendation: `effect` points towards the recommended mode."""

    criterion: str
    label: str
    answer: str
    effect: float

    def __str__(self) -> str:
        return f"{self.label}: {self.answer} ({self.effect:+.1f})"


@dataclass(slots=True)
class Result:
    """What an assessment yields."""

    scores: dict[str, float]
    recommended: str | None
    confidence: float
    drivers: tuple[Driver, ...]
    indices: dict[str, float] = field(default_factory=dict)
    coverage: float = 1.0

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)

    def rationale(self, mode_names: Mapping[str, str] | None = None) -> list[str]:
        """Sentences that explain the result, naming the answers that drove it."""
        names = mode_names or {}
        if self.recommended is None:
            return ["No criterion was answered that counts for any mode."]
        ranked = sorted(self.scores.items(), key=lambda kv: -kv[1])
        lines = [
            f"Recommended {names.get(self.recommended, self.recommended)}: "
            + ", ".join(f"{names.get(k, k)} {v:.1f}" for k, v in ranked)
            + f"; confidence {self.confidence:.2f} ({self.confidence_label})."
        ]
        lines += [f"{d.label}: {d.answer} ({d.effect:+.1f} points)" for d in self.drivers]
        if self.coverage < 1:
            lines.append(f"Only {self.coverage:.0%} of the questionnaire's weight was answered.")
        return lines


def confidence_label(confidence: float) -> str:
    """high / medium / low."""
    if confidence >= 0.66:
        return "high"
    if confidence >= 0.33:
        return "medium"
    return "low"


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire; `errors` maps criterion key → message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Scorer:
    """A compiled questionnaire: scores answer dicts {criterion key: option value}."""

    def __init__(self, criteria: Sequence[CriterionSpec], modes: Sequence[str]):
        self.criteria = tuple(criteria)
        # Only modes that some criterion weighs can be scored.
        self.modes = tuple(m for m in modes if any(c.mode_weights.get(m) for c in self.criteria))
        self.labels = {c.key: c.label for c in self.criteria}
        # criterion key -> (denominators per mode, dimension index, weight, {value: (contributions, weight × s, label)})
        self._table: dict[str, tuple] = {}
        self.dimensions: list[str] = []
        self.total_weight = 0.0
        for c in self.criteria:
            weights = [float(c.weight) * float(c.mode_weights.get(m, 0) or 0) for m in self.modes]
            denominators = tuple(abs(w) for w in weights)
            self.total_weight += sum(denominators)
            if c.dimension not in self.dimensions:
                self.dimensions.append(c.dimension)
            options = {}
            for option in c.options:
                s = max(0.0, min(1.0, option.score / MAX_SCORE))
                contributions = tuple(abs(w) * (s if w > 0 else 1 - s) if w else 0.0 for w in weights)
                options[str(option.value)] = (contributions, float(c.weight) * s, option.label)
            self._table[c.key] = (denominators, self.dimensions.index(c.dimension), float(c.weight), options)

    # --- validation -----------------------------------------------------------------------------

    def validate(self, answers: Mapping[str, object]) -> dict[str, str]:
        """Normalised answers (values as text, blanks dropped); AnswerError names every bad key."""
        errors: dict[str, str] = {}
        clean: dict[str, str] = {}
        for key, value in answers.items():
            if value is None or str(value).strip() == "":
                continue
            entry = self._table.get(key)
            if entry is None:
                errors[key] = "not a criterion of this questionnaire"
                continue
            text = str(value).strip()
            if text not in entry[3]:
                errors[key] = f"“{text}” is not one of: {', '.join(entry[3])}"
                continue
            clean[key] = text
        if errors:
            raise AnswerError(errors)
        return clean

    # --- scoring --------------------------------------------------------------------------------

    def score(self, answers: Mapping[str, str]) -> Result:
        """Score one set of (valid) answers; unknown keys and values are ignored."""
        modes = self.modes
        n = len(modes)
        totals = [0.0] * n
        denominators = [0.0] * n
        dims = len(self.dimensions)
        dim_sum = [0.0] * dims
        dim_weight = [0.0] * dims
        hits = []
        table = self._table
        two = n == 2
        t0 = t1 = d0 = d1 = 0.0
        for key, value in answers.items():
            entry = table.get(key)
            if entry is None:
                continue
            hit = entry[3].get(value)
            if hit is None:
                continue
            contributions, denoms = hit[0], entry[0]
            if two:  # the common bimodal case, unrolled
                t0 += contributions[0]
                t1 += contributions[1]
                d0 += denoms[0]
                d1 += denoms[1]
            else:
                for i in range(n):
                    totals[i] += contributions[i]
                    denominators[i] += denoms[i]
            dim_sum[entry[1]] += hit[1]
            dim_weight[entry[1]] += entry[2]
            hits.append((key, hit, denoms))
        if two:
            totals, denominators = [t0, t1], [d0, d1]
        names = self.dimensions
        indices = {names[d]: round(100 * dim_sum[d] / dim_weight[d], 1) for d in range(dims) if dim_weight[d]}
        unrounded = [totals[i] / denominators[i] if denominators[i] else -1.0 for i in range(n)]
        scores = {modes[i]: round(100 * unrounded[i], 1) for i in range(n) if denominators[i]}
        if not scores:
            return Result({}, None, 0.0, (), indices, 0.0)
        coverage = sum(denominators) / self.total_weight
        best = max(range(n), key=unrounded.__getitem__)  # the first on a tie
        if len(scores) > 1:
            second = max((i for i in range(n) if i != best), key=unrounded.__getitem__)
            confidence = (
                min(1.0, 100 * (unrounded[best] - unrounded[second]) / FULL_CONFIDENCE_MARGIN) * coverage
            )
            db, ds = 100 / denominators[best], 100 / denominators[second]
            effects = [(h[0][best] * db - h[0][second] * ds, key, h[2]) for key, h, _ in hits]
        else:
            confidence = coverage
            db = 100 / denominators[best]
            effects = [(db * (h[0][best] - d[best] / 2), key, h[2]) for key, h, d in hits]
        effects.sort(reverse=True)
        labels = self.labels
        drivers = tuple(
            Driver(key, labels[key], label, round(effect, 1))
            for effect, key, label in effects[:DRIVERS_SHOWN]
            if effect > 1e-9
        )
        return Result(scores, modes[best], round(confidence, 2), drivers, indices, round(coverage, 3))

    def score_many(self, rows: Iterable[Mapping[str, str]]) -> list[Result]:
        """Score many answer sets (bulk classification)."""
        score = self.score
        return [score(row) for row in rows]


# --- answers from a service's attributes ------------------------------------------------------------

_CRITICALITY = {0: "very_high", 1: "high", 2: "medium", 3: "low"}
_TECHNOLOGY_AGE = {
    "mainframe": "very_high",
    "on_premises": "high",
    "hybrid": "medium",
    "private_cloud": "medium",
    "saas": "low",
    "public_cloud": "low",
}
_UNCERTAINTY = {"proposed": "high", "in_development": "high"}


def answers_from_attributes(attributes: Mapping[str, object]) -> dict[str, str]:
    """Answers that a service's catalogue attributes imply (criticality, regulation, hosting, lifecycle).

    Attributes are weak evidence: they answer only the criteria they say something about."""
    answers: dict[str, str] = {}
    criticality = attributes.get("criticality")
    if criticality not in (None, ""):
        answers["business_criticality"] = _CRITICALITY.get(int(criticality), "medium")
    tags = attributes.get("regulatory_tags")
    if tags is not None:
        count = tags if isinstance(tags, int) else len(tags)
        answers["regulatory_burden"] = ["none", "low", "medium", "high", "very_high"][min(count, 4)]
    hosting = attributes.get("hosting")
    if hosting in _TECHNOLOGY_AGE:
        answers["technology_age"] = _TECHNOLOGY_AGE[hosting]
    lifecycle = attributes.get("lifecycle")
    if lifecycle in _UNCERTAINTY:
        answers["requirement_uncertainty"] = _UNCERTAINTY[lifecycle]
    return answers


# --- the default questionnaire ------------------------------------------------------------------------

STABLE, AGILE = "stable", "agile"  # poles; replaced by the first and last mode keys when seeded


def _levels(*labels: str) -> list[dict]:
    """Five options none/low … very high scored 0 … 4, with the given labels."""
    values = ["none", "low", "medium", "high", "very_high"]
    return [
        {"value": v, "label": label, "score": i}
        for i, (v, label) in enumerate(zip(values, labels, strict=True))
    ]


_FIVE = ("None", "Low", "Medium", "High", "Very high")

# (key, label, dimension, weight, pole a high answer speaks for, options, help)
DEFAULT_CRITERIA: list[dict] = [
    {
        "key": "release_effort",
        "label": "Release effort",
        "dimension": COST_OF_CHANGE,
        "weight": 3,
        "pole": STABLE,
        "options": _levels("Push-button", "A few hours", "A day", "A planned weekend", "A programme"),
        "help": "How much work and coordination one release takes.",
    },
    {
        "key": "test_effort",
        "label": "Regression test effort",
        "dimension": COST_OF_CHANGE,
        "weight": 2,
        "pole": STABLE,
        "options": _levels("Minutes", "Hours", "Days", "Weeks", "Months"),
        "help": "Time to regression-test a change before release.",
    },
    {
        "key": "coupling",
        "label": "Coupling to other systems",
        "dimension": COST_OF_CHANGE,
        "weight": 3,
        "pole": STABLE,
        "options": _levels(
            "Standalone", "Few APIs", "Several integrations", "Shared database", "Hub of the estate"
        ),
        "help": "How many systems break or must change with it.",
    },
    {
        "key": "technology_age",
        "label": "Technology age",
        "dimension": COST_OF_CHANGE,
        "weight": 2,
        "pole": STABLE,
        "options": _levels("Current", "Recent", "Mature", "Ageing", "Legacy / mainframe"),
        "help": "How old and how scarce the skills for its technology are.",
    },
    {
        "key": "change_requests",
        "label": "Change requests per quarter",
        "dimension": DEMAND_FOR_CHANGE,
        "weight": 4,
        "pole": AGILE,
        "options": _levels("None", "1–2", "3–10", "11–50", "More than 50"),
        "help": "How often the business asks for something new.",
    },
    {
        "key": "business_volatility",
        "label": "Business volatility",
        "dimension": DEMAND_FOR_CHANGE,
        "weight": 3,
        "pole": AGILE,
        "options": _levels("Settled", "Slow", "Moderate", "Fast-moving", "Disrupted market"),
        "help": "How fast the market, product or rules around it change.",
    },
    {
        "key": "customer_facing",
        "label": "Customer facing",
        "dimension": DEMAND_FOR_CHANGE,
        "weight": 2,
        "pole": AGILE,
        "options": _levels(
            "Back office", "Staff tool", "Partner facing", "Customer facing", "Flagship channel"
        ),
        "help": "How directly customers use it.",
    },
    {
        "key": "business_criticality",
        "label": "Business criticality",
        "dimension": "criticality",
        "weight": 3,
        "pole": STABLE,
        "options": _levels("Negligible", "Tier 3", "Tier 2", "Tier 1", "Tier 0 — mission critical"),
        "help": "What an outage costs the business.",
    },
    {
        "key": "regulatory_burden",
        "label": "Regulatory burden",
        "dimension": "regulation",
        "weight": 3,
        "pole": STABLE,
        "options": _levels(
            "None", "One light regime", "Two regimes", "Three regimes", "Four or more / supervisor"
        ),
        "help": "Regulations in scope and the evidence they demand.",
    },
    {
        "key": "architecture_modularity",
        "label": "Architecture modularity",
        "dimension": "modularity",
        "weight": 2,
        "pole": AGILE,
        "options": _levels(
            "Monolith", "Layered monolith", "Modular", "Services", "Independent microservices"
        ),
        "help": "Whether parts can be changed and deployed independently.",
    },
    {
        "key": "deployment_automation",
        "label": "Deployment automation",
        "dimension": "automation",
        "weight": 2,
        "pole": AGILE,
        "options": _levels("Manual", "Scripted", "Partly pipelined", "Pipeline", "Continuous deployment"),
        "help": "How a change gets to production.",
    },
    {
        "key": "test_automation",
        "label": "Test automation",
        "dimension": "automation",
        "weight": 2,
        "pole": AGILE,
        "options": _levels("None", "Under 25 %", "25–60 %", "60–85 %", "Over 85 %"),
        "help": "Share of regression tests that run automatically.",
    },
    {
        "key": "team_skills",
        "label": "Team agile / DevOps skills",
        "dimension": "skills",
        "weight": 2,
        "pole": AGILE,
        "options": _levels("None", "Basic", "Some", "Strong", "Build-it-run-it team"),
        "help": "Whether the team can work in short cycles and run what it builds.",
    },
    {
        "key": "requirement_uncertainty",
        "label": "Requirement uncertainty",
        "dimension": "uncertainty",
        "weight": 3,
        "pole": AGILE,
        "options": _levels("Fully specified", "Mostly known", "Some unknowns", "Exploratory", "Discovery"),
        "help": "How much has to be learnt by trying.",
    },
    {
        "key": "functional_fit",
        "label": "Functional fit",
        "dimension": FUNCTIONAL_FIT,
        "weight": 1,
        "pole": None,
        "options": _levels("Fails the business", "Poor", "Adequate", "Good", "Excellent"),
        "help": "How well it meets business needs (TIME rating; does not affect the mode).",
    },
    {
        "key": "technical_fit",
        "label": "Technical fit",
        "dimension": TECHNICAL_FIT,
        "weight": 1,
        "pole": None,
        "options": _levels("Unsupportable", "Poor", "Adequate", "Good", "Excellent"),
        "help": "How sound, supportable and secure its technology is (TIME rating).",
    },
]


def default_mode_weights(pole: str | None, stable_key: str, agile_key: str) -> dict[str, float]:
    """+1 for the pole's mode, -1 for the other one; {} for TIME-only criteria."""
    if pole is None or stable_key == agile_key:
        return {}
    favoured, other = (stable_key, agile_key) if pole == STABLE else (agile_key, stable_key)
    return {favoured: 1.0, other: -1.0}


def default_specs(stable_key: str = "mode-1", agile_key: str = "mode-2") -> list[CriterionSpec]:
    """The default questionnaire as engine specs (used by tests and the benchmark)."""
    return [
        CriterionSpec(
            key=c["key"],
            label=c["label"],
            dimension=c["dimension"],
            weight=float(c["weight"]),
            mode_weights=default_mode_weights(c["pole"], stable_key, agile_key),
            options=tuple(Option(**o) for o in c["options"]),
            help=c["help"],
        )
        for c in DEFAULT_CRITERIA
    ]


# --- map quadrants and TIME ------------------------------------------------------------------------


def quadrant(cost_of_change: float | None, demand_for_change: float | None) -> str:
    """The heritage/digital quadrant of a point on the portfolio map (axes 0 … 100, split at 50)."""
    if cost_of_change is None or demand_for_change is None:
        return ""
    high_cost, high_demand = cost_of_change >= 50, demand_for_change >= 50
    if high_cost and not high_demand:
        return "Heritage — stabilise (Mode 1)"
    if high_demand and not high_cost:
        return "Digital — accelerate (Mode 2)"
    if high_cost and high_demand:
        return "Pressure — modernise, then move"
    return "Commodity — standardise or buy"


def time_rating(functional_fit: float | None, technical_fit: float | None) -> str:
    """Gartner's TIME: Tolerate, Invest, Migrate or Eliminate (fits 0 … 100, split at 50)."""
    if functional_fit is None or technical_fit is None:
        return ""
    good_function, good_technology = functional_fit >= 50, technical_fit >= 50
    if good_function and good_technology:
        return "invest"
    if good_function:
        return "migrate"
    if good_technology:
        return "tolerate"
    return "eliminate"

"""The engine's shared types: dimensions, criteria and their options, results and drivers, answer errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    axis: int = 0  # +1: a high answer places the service towards exploration, -1 towards stability


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

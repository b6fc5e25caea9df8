"""Demand scoring: a pure function of a demand's factors and the scoring model's weights.

Each factor is mapped to 0..1 where 1 is the most attractive: value, urgency and strategic fit (1–5) rise
with the rating; risk (1–5) and cost fall with it. The score is the weighted mean × 100, so 0–100 whatever
the weights. Raising value, urgency or fit never lowers the score; raising risk or cost never raises it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FACTORS = ("value", "urgency", "fit", "risk", "cost")
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class ScoreLine:
    """One factor's part of a score: its normalised level (0..1), weight and points contributed."""

    factor: str
    level: Decimal
    weight: Decimal
    points: Decimal


def _rating(value: int) -> Decimal:
    """1..5 → 0..1."""
    clamped = min(max(int(value), 1), 5)
    return (Decimal(clamped) - 1) / 4


def levels(*, value: int, urgency: int, fit: int, risk: int, cost: Decimal, cost_ceiling: Decimal) -> dict:
    """Each factor's attractiveness on 0..1."""
    ceiling = Decimal(cost_ceiling) if cost_ceiling and Decimal(cost_ceiling) > 0 else Decimal(1)
    cost_share = min(max(Decimal(cost), Decimal(0)) / ceiling, Decimal(1))
    return {
        "value": _rating(value),
        "urgency": _rating(urgency),
        "fit": _rating(fit),
        "risk": 1 - _rating(risk),
        "cost": 1 - cost_share,
    }


def breakdown(
    *, weights: dict, value: int, urgency: int, fit: int, risk: int, cost: Decimal, cost_ceiling: Decimal
) -> list[ScoreLine]:
    """The score factor by factor; the points add up to the score (before rounding)."""
    total = sum((Decimal(weights.get(f, 0)) for f in FACTORS), Decimal(0))
    lv = levels(value=value, urgency=urgency, fit=fit, risk=risk, cost=cost, cost_ceiling=cost_ceiling)
    lines = []
    for factor in FACTORS:
        weight = Decimal(weights.get(factor, 0))
        points = (lv[factor] * weight * 100 / total) if total > 0 else Decimal(0)
        lines.append(ScoreLine(factor=factor, level=lv[factor], weight=weight, points=points))
    return lines


def score(
    *, weights: dict, value: int, urgency: int, fit: int, risk: int, cost: Decimal, cost_ceiling: Decimal
) -> Decimal:
    """The demand's score, 0.00–100.00."""
    lines = breakdown(
        weights=weights,
        value=value,
        urgency=urgency,
        fit=fit,
        risk=risk,
        cost=cost,
        cost_ceiling=cost_ceiling,
    )
    total = sum((line.points for line in lines), Decimal(0))
    return min(max(total, Decimal(0)), Decimal(100)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

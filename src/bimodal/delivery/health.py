"""Pure calculations of delivery health: slip, spend, RAG status, velocity and the agile forecast."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from bimodal.delivery.choices import Rag

# Slip beyond this many days, or spend beyond this share of the budget, turns an initiative red.
RED_SLIP_DAYS = 30
RED_SPEND_RATIO = Decimal("1.10")
HIGH_EXPOSURE = 15
VELOCITY_WINDOW = 3


def slip_days(baseline: date | None, forecast: date | None) -> int | None:
    """Days the forecast end lies after the baseline end (negative: ahead); None when either is unknown."""
    if baseline is None or forecast is None:
        return None
    return (forecast - baseline).days


def spend_ratio(budget: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Actual spend over budget; None without a budget."""
    if not budget:
        return None
    return Decimal(actual or 0) / Decimal(budget)


def rag(*, slip: int | None, spend: Decimal | None, high_risks: int = 0, override: str = "") -> str:
    """Red: slipped more than 30 days, spent over 110 % or two high risks open. Amber: any slip, any
    overspend or one high risk. Green otherwise. A manual override wins."""
    if override:
        return override
    if (
        (slip is not None and slip > RED_SLIP_DAYS)
        or (spend is not None and spend > RED_SPEND_RATIO)
        or high_risks >= 2
    ):
        return Rag.RED
    if (slip is not None and slip > 0) or (spend is not None and spend > 1) or high_risks >= 1:
        return Rag.AMBER
    return Rag.GREEN


def velocity(completed: Sequence[int], window: int = VELOCITY_WINDOW) -> Decimal | None:
    """Mean points done over the last `window` closed sprints (oldest first in `completed`)."""
    recent = list(completed)[-window:]
    if not recent:
        return None
    return Decimal(sum(recent)) / len(recent)


def agile_forecast(
    *, remaining_points: int, velocity_points: Decimal | None, sprint_days: int, today: date
) -> date | None:
    """When the remaining backlog is done at the current velocity: whole sprints from today."""
    if remaining_points <= 0:
        return today
    if not velocity_points or velocity_points <= 0:
        return None
    sprints = math.ceil(Decimal(remaining_points) / velocity_points)
    return today + timedelta(days=sprints * sprint_days)

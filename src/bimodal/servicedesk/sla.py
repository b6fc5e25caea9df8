"""SLA computations (no writes): which definitions apply, elapsed business time, due times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bimodal.core.calendars import Schedule, add_business_time, business_seconds_between
from bimodal.servicedesk.models import SlaDefinition, SlaInstance, Ticket


def match_definitions(ticket: Ticket, definitions: Iterable[SlaDefinition]) -> dict[str, SlaDefinition]:
    """For each target (response, resolution) the most specific active definition matching the ticket."""
    chosen: dict[str, SlaDefinition] = {}
    for definition in definitions:
        if not definition.matches(ticket):
            continue
        best = chosen.get(definition.target)
        if best is None or (definition.specificity, -definition.pk) > (best.specificity, -best.pk):
            chosen[definition.target] = definition
    return chosen


def elapsed_seconds(instance: SlaInstance, now: datetime, schedule: Schedule | None = None) -> float:
    """Business seconds the clock has run up to `now`."""
    if instance.running_since is None:
        return instance.elapsed_seconds
    schedule = schedule or instance.definition.schedule.as_schedule()
    return instance.elapsed_seconds + business_seconds_between(schedule, instance.running_since, now)


def due_from(instance: SlaInstance, schedule: Schedule | None = None) -> datetime | None:
    """When a running clock reaches its target (None while paused or stopped)."""
    if instance.running_since is None:
        return None
    schedule = schedule or instance.definition.schedule.as_schedule()
    left = max(instance.definition.target_seconds - instance.elapsed_seconds, 0)
    return add_business_time(schedule, instance.running_since, left)


def percent_used(elapsed: float, target: int) -> float:
    return 100.0 * elapsed / target if target else 100.0


def format_duration(seconds: float) -> str:
    """12345 → '3h 25m'."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"

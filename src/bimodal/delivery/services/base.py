"""Shared pieces of delivery's writes: default gate criteria and WIP limits, references, transition checks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max

from bimodal.delivery.choices import (
    PhaseKind,
)
from bimodal.delivery.models import (
    Demand,
)
from bimodal.governance import services as governance_services

APPROVE_DEMAND = "approve_demand"
APPROVE_STAGE_GATE = "approve_stage_gate"
DEFAULT_WIP_LIMITS = {"in_progress": 3, "review": 2}
DEFAULT_DURATION_DAYS = 182
# The criteria each gate starts with; the initiative's owner adds or renames them.
DEFAULT_GATE_CRITERIA: dict[str, list[str]] = {
    PhaseKind.INITIATION: ["Business case signed off", "Sponsor named", "Budget confirmed"],
    PhaseKind.REQUIREMENTS: ["Requirements baselined", "Acceptance criteria agreed"],
    PhaseKind.DESIGN: ["Solution design approved by the architecture board", "Security review done"],
    PhaseKind.BUILD: ["Code complete", "Unit tests pass"],
    PhaseKind.TEST: ["System and integration tests passed", "User acceptance signed off"],
    PhaseKind.DEPLOY: ["Change approved by the CAB", "Operational handover to support"],
}
DEMAND_FIELDS = frozenset(Demand.EDITABLE)
SCORED_FIELDS = {"value", "urgency", "risk", "strategic_fit", "cost_estimate"}


def _governance():
    """The governance services (imported late: governance and delivery import each other's models)."""

    return governance_services


def _next_reference(model, prefix: str, width: int) -> str:
    last = model.objects.aggregate(n=Max("pk"))["n"] or 0
    n = last + 1
    while model.objects.filter(reference=f"{prefix}-{n:0{width}d}").exists():
        n += 1
    return f"{prefix}-{n:0{width}d}"


def _check(transitions: dict[str, Any], source: str, target: str, label: str, choices) -> None:
    if target not in transitions.get(source, frozenset()):
        raise ValidationError(
            {"status": f"{label} cannot go from “{choices(source).label}” to “{choices(target).label}”."}
        )

"""Shared pieces of delivery's writes: default gate criteria and WIP limits, references, transition checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.db.models.functions import Length

from bimodal.delivery.choices import (
    PhaseKind,
)
from bimodal.delivery.models import (
    Demand,
    Initiative,
)

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
SCORED_FIELDS = frozenset({"value", "urgency", "risk", "strategic_fit", "cost_estimate"})

# The fields a person sets on each model: the pages' forms, the API's write serializers and the services'
# keyword arguments list the same names (delivery/tests/test_fieldspec.py checks that they do not drift).
DEMAND_FIELDS: Final = Demand.EDITABLE
SCORING_FIELDS: Final = (
    "weight_value",
    "weight_urgency",
    "weight_fit",
    "weight_risk",
    "weight_cost",
    "cost_ceiling",
    "note",
)
INITIATIVE_FIELDS: Final = (
    *Initiative.START_FIELDS,
    "rag_override",
    "rag_note",
    "sprint_length_days",
    "wip_limits",
)
# What an edit changes: not the approach, mode or org unit, nor the baseline (initiative_rebaseline).
INITIATIVE_EDITABLE: Final = tuple(
    name
    for name in INITIATIVE_FIELDS
    if name not in {"approach", "mode", "org_unit", "baseline_start", "baseline_end"}
)
RISK_FIELDS: Final = ("title", "probability", "impact", "status", "owner", "mitigation")
PHASE_FIELDS: Final = ("forecast_start", "forecast_end")
MILESTONE_FIELDS: Final = ("phase", "name", "baseline_date", "forecast_date", "actual_date")
MILESTONE_EDITABLE: Final = ("name", "forecast_date", "actual_date")
EPIC_FIELDS: Final = ("title", "description", "rank")
STORY_FIELDS: Final = ("title", "description", "points", "epic", "sprint", "assignee", "rank")


def _next_reference(model: type[Demand | Initiative], prefix: str, width: int) -> str:
    """The reference after the highest one of `prefix` (DEM-0041 after DEM-0040), whatever the row ids."""
    highest = (
        model._default_manager.filter(reference__regex=rf"^{prefix}-[0-9]+$")
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    n = int(highest.rsplit("-", 1)[1]) + 1 if highest else 1
    while model._default_manager.filter(reference=f"{prefix}-{n:0{width}d}").exists():
        n += 1
    return f"{prefix}-{n:0{width}d}"


def _check(
    transitions: Mapping[str, Any], source: str, target: str, label: str, choices: type[TextChoices]
) -> None:
    if target not in transitions.get(source, frozenset()):
        raise ValidationError(
            {"status": f"{label} cannot go from “{choices(source).label}” to “{choices(target).label}”."}
        )

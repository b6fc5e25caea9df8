"""Writes of the delivery app, one module per seam: demand and its scoring, initiatives with their risks and
dependencies, waterfall phases and stage gates, agile epics, stories and sprints, money and people.

Every function checks permissions, validates, writes and audits in one transaction. Decisions of the
portfolio board (approve a demand, pass a stage gate) are taken in the governance app: delivery opens a
decision request there, and governance calls back the handlers registered in `handlers.py`. Other apps
import from this package, not from its modules."""

from __future__ import annotations

from bimodal.delivery.services.agile import (
    epic_create,
    epic_update,
    sprint_close,
    sprint_create,
    sprint_start,
    story_create,
    story_move,
    story_update,
    wip_violation,
)
from bimodal.delivery.services.base import (
    APPROVE_DEMAND,
    APPROVE_STAGE_GATE,
    DEFAULT_DURATION_DAYS,
    DEFAULT_GATE_CRITERIA,
    DEFAULT_WIP_LIMITS,
    DEMAND_FIELDS,
    SCORED_FIELDS,
)
from bimodal.delivery.services.demand import (
    approach_for,
    demand_create,
    demand_decided,
    demand_score,
    demand_submit,
    demand_update,
    demand_withdraw,
    score_for,
    scoring_model_current,
    scoring_model_update,
)
from bimodal.delivery.services.initiatives import (
    INITIATIVE_EDITABLE,
    dependency_create,
    dependency_delete,
    initiative_create,
    initiative_rebaseline,
    initiative_transition,
    initiative_update,
    may_work,
    refresh_forecast,
    risk_create,
    risk_update,
)
from bimodal.delivery.services.money import (
    actual_record,
    allocation_set,
    budget_set,
    capacity_set,
    reallocate_apply,
)
from bimodal.delivery.services.waterfall import (
    criterion_add,
    criterion_set,
    gate_decided,
    gate_pass,
    gate_submit,
    milestone_create,
    milestone_update,
    phase_update,
    unmet_criteria,
)

__all__ = [
    "APPROVE_DEMAND",
    "APPROVE_STAGE_GATE",
    "DEFAULT_DURATION_DAYS",
    "DEFAULT_GATE_CRITERIA",
    "DEFAULT_WIP_LIMITS",
    "DEMAND_FIELDS",
    "INITIATIVE_EDITABLE",
    "SCORED_FIELDS",
    "actual_record",
    "allocation_set",
    "approach_for",
    "budget_set",
    "capacity_set",
    "criterion_add",
    "criterion_set",
    "demand_create",
    "demand_decided",
    "demand_score",
    "demand_submit",
    "demand_update",
    "demand_withdraw",
    "dependency_create",
    "dependency_delete",
    "epic_create",
    "epic_update",
    "gate_decided",
    "gate_pass",
    "gate_submit",
    "initiative_create",
    "initiative_rebaseline",
    "initiative_transition",
    "initiative_update",
    "may_work",
    "milestone_create",
    "milestone_update",
    "phase_update",
    "reallocate_apply",
    "refresh_forecast",
    "risk_create",
    "risk_update",
    "score_for",
    "scoring_model_current",
    "scoring_model_update",
    "sprint_close",
    "sprint_create",
    "sprint_start",
    "story_create",
    "story_move",
    "story_update",
    "unmet_criteria",
    "wip_violation",
]

"""Models of the delivery app, one module per area: demand intake and its scoring model, initiatives with
their risks and dependencies, waterfall delivery (phases, stage gates, milestones), agile delivery (epics,
stories, sprints, kanban), and money and people (budgets and actuals by mode, capacity and allocations by
team and mode).

Other apps import from this package, not from its modules."""

from __future__ import annotations

from bimodal.delivery.models.agile import (
    Epic,
    Sprint,
    Story,
    StoryTransition,
    TransitionQuerySet,
)
from bimodal.delivery.models.base import (
    NON_NEGATIVE,
    ONE_TO_FIVE,
)
from bimodal.delivery.models.demand import (
    Demand,
    DemandQuerySet,
    ScoringModel,
)
from bimodal.delivery.models.initiatives import (
    Initiative,
    InitiativeChildQuerySet,
    InitiativeDependency,
    InitiativeQuerySet,
    InitiativeRisk,
)
from bimodal.delivery.models.money import (
    Actual,
    Budget,
    CapacityAllocation,
    TeamCapacity,
)
from bimodal.delivery.models.waterfall import (
    CriterionQuerySet,
    GateChildQuerySet,
    GateCriterion,
    Milestone,
    Phase,
    StageGate,
)

__all__ = [
    "NON_NEGATIVE",
    "ONE_TO_FIVE",
    "Actual",
    "Budget",
    "CapacityAllocation",
    "CriterionQuerySet",
    "Demand",
    "DemandQuerySet",
    "Epic",
    "GateChildQuerySet",
    "GateCriterion",
    "Initiative",
    "InitiativeChildQuerySet",
    "InitiativeDependency",
    "InitiativeQuerySet",
    "InitiativeRisk",
    "Milestone",
    "Phase",
    "ScoringModel",
    "Sprint",
    "StageGate",
    "Story",
    "StoryTransition",
    "TeamCapacity",
    "TransitionQuerySet",
]

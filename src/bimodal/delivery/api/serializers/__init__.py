"""Serializers of the delivery API, one module per area: demand and scoring, initiatives (with risks and
dependencies), waterfall, agile, and money and people. They validate and shape data; service functions write.

The views import this package, not its modules."""

from __future__ import annotations

from bimodal.delivery.api.serializers.agile import (
    EpicSerializer,
    EpicUpdateSerializer,
    MoveSerializer,
    SprintSerializer,
    StorySerializer,
    StoryUpdateSerializer,
)
from bimodal.delivery.api.serializers.base import (
    USERNAME,
    DeliveryReasonSerializer,
    initiative_field,
    mode_field,
)
from bimodal.delivery.api.serializers.demand import (
    DemandSerializer,
    DemandWriteSerializer,
    ScoringModelSerializer,
)
from bimodal.delivery.api.serializers.initiatives import (
    DependencySerializer,
    InitiativeSerializer,
    InitiativeWriteSerializer,
    RebaselineSerializer,
    RiskSerializer,
    RiskUpdateSerializer,
    TransitionSerializer,
)
from bimodal.delivery.api.serializers.money import (
    ActualSerializer,
    AllocationSerializer,
    BudgetLineSerializer,
    BudgetSerializer,
    CapacityLineSerializer,
    ContentionSerializer,
    InitiativeMoneySerializer,
    TeamCapacitySerializer,
    WhatIfResultSerializer,
    WhatIfSerializer,
)
from bimodal.delivery.api.serializers.waterfall import (
    CriterionCreateSerializer,
    CriterionWriteSerializer,
    GateCriterionSerializer,
    MilestoneSerializer,
    MilestoneUpdateSerializer,
    PhaseSerializer,
    PhaseWriteSerializer,
    StageGateSerializer,
)

__all__ = [
    "USERNAME",
    "ActualSerializer",
    "AllocationSerializer",
    "BudgetLineSerializer",
    "BudgetSerializer",
    "CapacityLineSerializer",
    "ContentionSerializer",
    "CriterionCreateSerializer",
    "CriterionWriteSerializer",
    "DeliveryReasonSerializer",
    "DemandSerializer",
    "DemandWriteSerializer",
    "DependencySerializer",
    "EpicSerializer",
    "EpicUpdateSerializer",
    "GateCriterionSerializer",
    "InitiativeMoneySerializer",
    "InitiativeSerializer",
    "InitiativeWriteSerializer",
    "MilestoneSerializer",
    "MilestoneUpdateSerializer",
    "MoveSerializer",
    "PhaseSerializer",
    "PhaseWriteSerializer",
    "RebaselineSerializer",
    "RiskSerializer",
    "RiskUpdateSerializer",
    "ScoringModelSerializer",
    "SprintSerializer",
    "StageGateSerializer",
    "StorySerializer",
    "StoryUpdateSerializer",
    "TeamCapacitySerializer",
    "TransitionSerializer",
    "WhatIfResultSerializer",
    "WhatIfSerializer",
    "initiative_field",
    "mode_field",
]

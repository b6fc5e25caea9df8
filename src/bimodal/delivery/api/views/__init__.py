"""API views of the delivery app, one module per area: demand and scoring, initiatives (with risks and
dependencies), waterfall work, agile work, and money and people (budgets, actuals, capacity, contention and
what-if reallocation).

Querysets start from `restrict(user, "view")`; writes and workflow steps call one service each. `urls.py`
imports this package, not its modules."""

from __future__ import annotations

from bimodal.delivery.api.views.agile import (
    EpicViewSet,
    SprintViewSet,
    StoryViewSet,
)
from bimodal.delivery.api.views.base import (
    READ,
)
from bimodal.delivery.api.views.demand import (
    DemandViewSet,
    ScoringModelViewSet,
)
from bimodal.delivery.api.views.initiatives import (
    DependencyViewSet,
    InitiativeViewSet,
    RiskViewSet,
)
from bimodal.delivery.api.views.money import (
    CONTENTION_PERMS,
    YEAR,
    ActualViewSet,
    AllocationViewSet,
    BudgetViewSet,
    ContentionViewSet,
    TeamCapacityViewSet,
    contention_data,
)
from bimodal.delivery.api.views.waterfall import (
    GateCriterionViewSet,
    MilestoneViewSet,
    PhaseViewSet,
    StageGateViewSet,
)

__all__ = [
    "CONTENTION_PERMS",
    "READ",
    "YEAR",
    "ActualViewSet",
    "AllocationViewSet",
    "BudgetViewSet",
    "ContentionViewSet",
    "DemandViewSet",
    "DependencyViewSet",
    "EpicViewSet",
    "GateCriterionViewSet",
    "InitiativeViewSet",
    "MilestoneViewSet",
    "PhaseViewSet",
    "RiskViewSet",
    "ScoringModelViewSet",
    "SprintViewSet",
    "StageGateViewSet",
    "StoryViewSet",
    "TeamCapacityViewSet",
    "contention_data",
]

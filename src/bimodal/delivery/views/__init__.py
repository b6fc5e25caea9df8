"""Pages of the delivery app, one module per area: the portfolio across both approaches (with CSV export),
the demand backlog and scoring model, initiatives (waterfall phases and gates, agile backlog, sprints and the
kanban board), budgets and capacity with contention and what-if reallocation.

Reads start from the restricted querysets (selectors); each step calls one service function. A refused
step is a 403 (PermissionDenied) or a message with nothing written (ValidationError)."""

from __future__ import annotations

from bimodal.delivery.views.base import (
    AREA,
    PER_PAGE,
)
from bimodal.delivery.views.demand import (
    DemandDetail,
    DemandEdit,
    DemandList,
    demand_step,
    scoring_model,
)
from bimodal.delivery.views.initiatives import (
    InitiativeCreate,
    InitiativeDetail,
    board,
    criterion_update,
    gate_step,
    initiative_step,
    milestone_update,
    phase_forecast,
    sprint_step,
    story_move,
)
from bimodal.delivery.views.money import (
    BUDGET_CSV_COLUMNS,
    budgets,
    capacity,
    what_if,
)
from bimodal.delivery.views.portfolio import (
    CSV_COLUMNS,
    portfolio,
    portfolio_csv,
)

__all__ = [
    "AREA",
    "BUDGET_CSV_COLUMNS",
    "CSV_COLUMNS",
    "PER_PAGE",
    "DemandDetail",
    "DemandEdit",
    "DemandList",
    "InitiativeCreate",
    "InitiativeDetail",
    "board",
    "budgets",
    "capacity",
    "criterion_update",
    "demand_step",
    "gate_step",
    "initiative_step",
    "milestone_update",
    "phase_forecast",
    "portfolio",
    "portfolio_csv",
    "scoring_model",
    "sprint_step",
    "story_move",
    "what_if",
]

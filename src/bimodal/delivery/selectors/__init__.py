"""Reads of the delivery app, one module per area: the demand backlog, the portfolio across both
approaches, the kanban board and sprints, budget roll-ups and capacity contention. The decision requests
about demands and stage gates are read from governance and re-exported here.

Roll-ups are set-based (GROUP BY in the database); Python only merges a handful of grouped rows and
applies what-if adjustments. Other apps import from this package, not from its modules."""

from __future__ import annotations

from bimodal.delivery.selectors.agile import (
    BoardColumn,
    board,
    cycle_time,
    sprint_stats,
    stories_with_cycle,
)
from bimodal.delivery.selectors.base import (
    MONEY,
    ZERO,
)
from bimodal.delivery.selectors.demand import (
    demand_backlog,
    demand_list,
    scoring_models,
)
from bimodal.delivery.selectors.initiatives import (
    PortfolioRow,
    initiative_health,
    initiative_list,
    org_units,
    portfolio,
    portfolio_rows,
    portfolio_totals,
)
from bimodal.delivery.selectors.money import (
    BudgetLine,
    CapacityLine,
    allocations,
    budget_rollup,
    capacity_contention,
    fiscal_years,
    money_contention,
)
from bimodal.governance.selectors import decisions_for, latest_decision_for, open_decision_for

__all__ = [
    "MONEY",
    "ZERO",
    "BoardColumn",
    "BudgetLine",
    "CapacityLine",
    "PortfolioRow",
    "allocations",
    "board",
    "budget_rollup",
    "capacity_contention",
    "cycle_time",
    "decisions_for",
    "demand_backlog",
    "demand_list",
    "fiscal_years",
    "initiative_health",
    "initiative_list",
    "latest_decision_for",
    "money_contention",
    "open_decision_for",
    "org_units",
    "portfolio",
    "portfolio_rows",
    "portfolio_totals",
    "scoring_models",
    "sprint_stats",
    "stories_with_cycle",
]

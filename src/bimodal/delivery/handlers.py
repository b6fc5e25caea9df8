"""What delivery does when governance records a decision about one of its objects.

Registered in DeliveryConfig.ready(); governance calls them inside the transaction that records the
decision, after it has checked that the decider holds the decision right."""

from __future__ import annotations

from bimodal.delivery import services
from bimodal.delivery.models import Demand, StageGate
from bimodal.governance import registry

APPROVED, REJECTED = "approved", "rejected"


def on_demand_decided(request, *, actor) -> None:
    """An approved demand becomes an initiative with its budget; a rejected one goes back to its requester."""
    demand = request.subject
    if not isinstance(demand, Demand) or request.status not in {APPROVED, REJECTED}:
        return
    services.demand_decided(
        actor=actor, demand=demand, approved=request.status == APPROVED, note=request.outcome_note
    )


def on_gate_decided(request, *, actor) -> None:
    """An approved stage gate passes (its phase completes, the next starts); a rejected one reopens."""
    gate = request.subject
    if not isinstance(gate, StageGate) or request.status not in {APPROVED, REJECTED}:
        return
    services.gate_decided(
        actor=actor, gate=gate, approved=request.status == APPROVED, note=request.outcome_note
    )


def register() -> None:
    """Register the handlers with the governance app."""

    registry.register_decision_handler(services.APPROVE_DEMAND, on_demand_decided)
    registry.register_decision_handler(services.APPROVE_STAGE_GATE, on_gate_decided)

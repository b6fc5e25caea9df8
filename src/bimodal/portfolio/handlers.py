"""What the portfolio does when governance records a decision about one of its objects.

Registered in PortfolioConfig.ready(); governance calls it inside the transaction that records the
decision, after it has checked that the decider holds the decision right."""

from __future__ import annotations

from bimodal.portfolio import services
from bimodal.portfolio.models import ReclassificationProposal


def on_reclassification_decided(request, *, actor) -> None:
    """An approved proposal moves its service to the proposed mode; a rejected one closes."""
    proposal = request.subject
    if not isinstance(proposal, ReclassificationProposal) or request.status not in {"approved", "rejected"}:
        return
    services.proposal_decided(
        actor=actor, proposal=proposal, accepted=request.status == "approved", note=request.outcome_note
    )


def register() -> None:
    """Register the handler with the governance app."""
    from bimodal.governance import registry

    registry.register_decision_handler(services.RECLASSIFY_SERVICE, on_reclassification_decided)

"""Choices of the suppliers app: tiers, statuses and their transitions, contacts, evaluation criteria."""

from django.db import models


class SupplierTier(models.TextChoices):
    """Tiering by the value a supplier adds, not by spend."""

    STRATEGIC = "strategic", "Strategic partner"
    TIER_1 = "tier_1", "Tier 1"
    TACTICAL = "tactical", "Tactical"
    COMMODITY = "commodity", "Commodity"


class SupplierStatus(models.TextChoices):
    """Where a supplier stands with us."""

    PROSPECT = "prospect", "Prospect (under evaluation)"
    ACTIVE = "active", "Active"
    EXITING = "exiting", "Exiting"
    EXITED = "exited", "Exited"


class ContactRole(models.TextChoices):
    """What a supplier contact is for."""

    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SERVICE_DELIVERY = "service_delivery", "Service delivery manager"
    ESCALATION = "escalation", "Escalation"
    TECHNICAL = "technical", "Technical lead"
    COMMERCIAL = "commercial", "Commercial / billing"


class ContractStatus(models.TextChoices):
    """A contract's life."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


C = ContractStatus
# Allowed transitions, declared once; services enforce them.
CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    C.DRAFT: {C.ACTIVE, C.TERMINATED},
    C.ACTIVE: {C.EXPIRED, C.TERMINATED},
    C.EXPIRED: {C.ACTIVE},  # renewed after it lapsed
    C.TERMINATED: set(),
}


class EvaluationStatus(models.TextChoices):
    """An MSP evaluation is open until the decision is recorded."""

    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"
    CANCELLED = "cancelled", "Cancelled"


EVALUATION_TRANSITIONS: dict[str, set[str]] = {
    EvaluationStatus.OPEN: {EvaluationStatus.DECIDED, EvaluationStatus.CANCELLED},
    EvaluationStatus.DECIDED: set(),
    EvaluationStatus.CANCELLED: set(),
}


class Criterion(models.TextChoices):
    """The criteria an MSP evaluation weighs."""

    CAPABILITY = "capability", "Capability fit"
    RESPONSE = "response", "Demonstrated response times"
    COVERAGE = "coverage", "Degrees of support (coverage)"
    CUSTOMISATION = "customisation", "Customisation"
    COST = "cost", "Cost"


DEFAULT_WEIGHTS = {
    Criterion.CAPABILITY: 30,
    Criterion.RESPONSE: 25,
    Criterion.COVERAGE: 20,
    Criterion.CUSTOMISATION: 10,
    Criterion.COST: 15,
}

# The ticket priorities a contract or an evaluation sets targets for (the service desk's priorities).
PRIORITIES = ("P1", "P2", "P3", "P4")

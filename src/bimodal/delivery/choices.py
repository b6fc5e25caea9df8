"""Choices of the delivery app; the state machines of demand, initiatives, gates and stories live here."""

from django.db import models


class DemandStatus(models.TextChoices):
    """Where a demand item is on its way to the portfolio board."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted to the board"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


DEMAND_TRANSITIONS: dict[str, frozenset[str]] = {
    DemandStatus.DRAFT: frozenset({DemandStatus.SUBMITTED, DemandStatus.WITHDRAWN}),
    DemandStatus.SUBMITTED: frozenset({DemandStatus.APPROVED, DemandStatus.REJECTED, DemandStatus.WITHDRAWN}),
    DemandStatus.REJECTED: frozenset({DemandStatus.DRAFT}),
    DemandStatus.APPROVED: frozenset(),
    DemandStatus.WITHDRAWN: frozenset(),
}
# Demand still competing for the board's attention (the prioritised backlog).
OPEN_DEMAND = frozenset({DemandStatus.DRAFT, DemandStatus.SUBMITTED})


class Approach(models.TextChoices):
    """How an initiative is delivered."""

    WATERFALL = "waterfall", "Waterfall (phases and stage gates)"
    AGILE = "agile", "Agile (backlog, sprints, kanban)"


class InvestmentClass(models.TextChoices):
    """Run the bank, grow it, or transform it."""

    RUN = "run", "Run"
    GROW = "grow", "Grow"
    TRANSFORM = "transform", "Transform"


class InitiativeStatus(models.TextChoices):
    """An initiative's life."""

    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


INITIATIVE_TRANSITIONS: dict[str, frozenset[str]] = {
    InitiativeStatus.ACTIVE: frozenset(
        {InitiativeStatus.ON_HOLD, InitiativeStatus.COMPLETED, InitiativeStatus.CANCELLED}
    ),
    InitiativeStatus.ON_HOLD: frozenset({InitiativeStatus.ACTIVE, InitiativeStatus.CANCELLED}),
    InitiativeStatus.COMPLETED: frozenset(),
    InitiativeStatus.CANCELLED: frozenset(),
}


class Rag(models.TextChoices):
    """Red / amber / green."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class PhaseKind(models.TextChoices):
    """The waterfall phases, in order."""

    INITIATION = "initiation", "Initiation"
    REQUIREMENTS = "requirements", "Requirements"
    DESIGN = "design", "Design"
    BUILD = "build", "Build"
    TEST = "test", "Test"
    DEPLOY = "deploy", "Deploy"


PHASE_ORDER = [k.value for k in PhaseKind]


class PhaseStatus(models.TextChoices):
    """Where a phase is."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class GateStatus(models.TextChoices):
    """A stage gate at the end of a phase."""

    OPEN = "open", "Open"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PASSED = "passed", "Passed"
    REJECTED = "rejected", "Rejected"


GATE_TRANSITIONS: dict[str, frozenset[str]] = {
    GateStatus.OPEN: frozenset({GateStatus.AWAITING_APPROVAL}),
    GateStatus.AWAITING_APPROVAL: frozenset({GateStatus.PASSED, GateStatus.REJECTED}),
    GateStatus.REJECTED: frozenset({GateStatus.AWAITING_APPROVAL}),
    GateStatus.PASSED: frozenset(),
}


class StoryStatus(models.TextChoices):
    """Columns of the kanban board, left to right."""

    BACKLOG = "backlog", "Backlog"
    READY = "ready", "Ready"
    IN_PROGRESS = "in_progress", "In progress"
    REVIEW = "review", "Review"
    DONE = "done", "Done"


BOARD_COLUMNS = [s.value for s in StoryStatus]
# Columns where work is "started": a story's cycle time runs from entering the first to reaching done.
STARTED = frozenset({StoryStatus.IN_PROGRESS, StoryStatus.REVIEW})
# Columns that may carry a WIP limit.
LIMITABLE = frozenset({StoryStatus.READY, StoryStatus.IN_PROGRESS, StoryStatus.REVIEW})


class SprintStatus(models.TextChoices):
    """A sprint's life."""

    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


SPRINT_TRANSITIONS: dict[str, frozenset[str]] = {
    SprintStatus.PLANNED: frozenset({SprintStatus.ACTIVE}),
    SprintStatus.ACTIVE: frozenset({SprintStatus.CLOSED}),
    SprintStatus.CLOSED: frozenset(),
}


class RiskStatus(models.TextChoices):
    """An initiative risk."""

    OPEN = "open", "Open"
    MITIGATED = "mitigated", "Mitigated"
    CLOSED = "closed", "Closed"


class WhatIfKind(models.TextChoices):
    """What a what-if moves."""

    FTE = "fte", "People (FTE)"
    MONEY = "money", "Money (budget)"

"""Choices of the governance app."""

from django.db import models


class ForumKind(models.TextChoices):
    """What a forum decides."""

    CAB = "cab", "Change advisory board"
    ECAB = "ecab", "Emergency CAB"
    PORTFOLIO_BOARD = "portfolio_board", "Portfolio board"
    ARCHITECTURE_BOARD = "architecture_board", "Architecture board"


class PolicyEffect(models.TextChoices):
    """What a policy does when its expression is true."""

    ALLOW = "allow", "Allow"
    DENY = "deny", "Deny"
    REQUIRE_APPROVAL = "require_approval", "Require approval"
    REQUIRE_EVIDENCE = "require_evidence", "Require evidence"
    REQUIRE_WINDOW = "require_window", "Require a change window"
    RECORD_ONLY = "record_only", "Record only (deployment gate off)"


class DecisionOutcome(models.TextChoices):
    """The outcome of evaluating the policies for a change."""

    ALLOW = "allow", "Allow"
    DENY = "deny", "Deny"
    NEEDS_APPROVAL = "needs_approval", "Needs approval"


CHANGE_TYPES = ("standard", "normal", "emergency")


class Raci(models.TextChoices):
    """A party's part in a decision: Responsible, Accountable, Consulted, Informed."""

    R = "R", "Responsible"
    A = "A", "Accountable"
    C = "C", "Consulted"
    I = "I", "Informed"  # noqa: E741 — the RACI letter


class PartyKind(models.TextChoices):
    """Who holds a decision right: everyone with a role, a forum, a team or the head of the org unit."""

    ROLE = "role", "Role"
    FORUM = "forum", "Forum"
    TEAM = "team", "Team"
    HEAD = "head", "Head of the org unit"


class StepKind(models.TextChoices):
    """What an approval step on a route names."""

    FORUM = "forum", "Forum"
    ROLE = "role", "Role"
    PERSON = "person", "Person"
    TEAM = "team", "Team"


class DecisionStatus(models.TextChoices):
    """Where a decision request is."""

    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


DECISION_TRANSITIONS: dict[str, frozenset[str]] = {
    DecisionStatus.PENDING: frozenset(
        {DecisionStatus.APPROVED, DecisionStatus.REJECTED, DecisionStatus.WITHDRAWN}
    ),
    DecisionStatus.APPROVED: frozenset(),
    DecisionStatus.REJECTED: frozenset(),
    DecisionStatus.WITHDRAWN: frozenset(),
}


class MeetingStatus(models.TextChoices):
    """Where a forum meeting is."""

    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


MEETING_TRANSITIONS: dict[str, frozenset[str]] = {
    MeetingStatus.PLANNED: frozenset({MeetingStatus.HELD, MeetingStatus.CANCELLED}),
    MeetingStatus.HELD: frozenset({MeetingStatus.HELD}),  # minutes may be corrected after the meeting
    MeetingStatus.CANCELLED: frozenset(),
}


class AgendaOutcome(models.TextChoices):
    """What the forum did with an agenda item."""

    OPEN = "", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DEFERRED = "deferred", "Deferred"
    NOTED = "noted", "Noted"


# How each governance model routes approvals (shown on org-unit pages; the rules are in routing.py).
GovernanceModelText: dict[str, str] = {
    "centralised": "Decisions go to the party holding A (a central forum or role); above a decision type's "
    "spend threshold the central forum decides.",
    "federated": "The unit decides for itself: its own accountable party, else its head; above a spend "
    "threshold the central forum is consulted.",
    "agile": "The product team decides below the threshold; above it the team prepares and the central "
    "forum decides.",
}

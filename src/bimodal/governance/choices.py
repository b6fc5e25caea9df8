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


class DecisionOutcome(models.TextChoices):
    """The outcome of evaluating the policies for a change."""

    ALLOW = "allow", "Allow"
    DENY = "deny", "Deny"
    NEEDS_APPROVAL = "needs_approval", "Needs approval"


CHANGE_TYPES = ("standard", "normal", "emergency")

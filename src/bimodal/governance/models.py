"""Governance models: forums (CAB …) and versioned declarative policies written in CEL."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.core.roles import Role
from bimodal.governance.choices import CHANGE_TYPES, ForumKind, PolicyEffect


class Forum(TimeStampedModel):
    """A decision-making forum (CAB, portfolio board …) with members and a quorum."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=30, choices=ForumKind.choices, default=ForumKind.CAB)
    charter = models.TextField(blank=True)
    cadence = models.CharField(max_length=120, blank=True, help_text="e.g. “Weekly, Tuesday 10:00”")
    quorum = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    chair = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="chaired_forums"
    )
    members = models.ManyToManyField(User, blank=True, related_name="forums")

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:forum_list") + f"#{self.slug}"


class PolicyQuerySet(RestrictedQuerySet):
    """Every version of every policy is visible to those with the view permission."""

    def current(self) -> PolicyQuerySet:
        """Only the current version of each policy."""
        return self.filter(is_current=True)


def _check_list(value, allowed: tuple | None, label: str) -> None:
    if not isinstance(value, list):
        raise ValidationError(f"{label}: enter a list.")
    if allowed is not None:
        bad = [v for v in value if v not in allowed]
        if bad:
            raise ValidationError(f"{label}: unknown value(s) {', '.join(map(str, bad))}.")


def validate_change_types(value) -> None:
    """A list of change types."""
    _check_list(value, CHANGE_TYPES, "Change types")


def validate_criticalities(value) -> None:
    """A list of criticality tiers 0–3."""
    _check_list(value, (0, 1, 2, 3), "Criticality tiers")


def validate_names(value) -> None:
    """A list of names."""
    _check_list(value, None, "Names")


class Policy(TimeStampedModel):
    """One version of a declarative policy: a CEL condition, a scope and an effect.

    Editing a policy adds a new version (a new row with the same key); the old rows are its history."""

    key = models.SlugField(max_length=80, help_text="Stable identity shared by all versions.")
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    policy_set = models.CharField(max_length=60, blank=True, help_text="e.g. “mode-1-defaults”")
    enabled = models.BooleanField(default=True)
    priority = models.IntegerField(default=100, help_text="Lower runs first; listed first in decisions.")
    # Scope: empty means "any". Mode keys, not foreign keys, so that a version is a frozen document.
    modes = models.JSONField(default=list, blank=True, validators=[validate_names])
    change_types = models.JSONField(default=list, blank=True, validators=[validate_change_types])
    criticalities = models.JSONField(default=list, blank=True, validators=[validate_criticalities])
    expression = models.TextField(
        default="true",
        help_text="CEL condition over change, service and evidence; the effect applies when true.",
    )
    effect = models.CharField(max_length=30, choices=PolicyEffect.choices)
    message = models.CharField(
        max_length=255, blank=True, help_text="The reason given when the policy fires."
    )
    approver_role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    approver_forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    approvals_required = models.PositiveSmallIntegerField(default=1)
    evidence = models.JSONField(default=list, blank=True, validators=[validate_names])
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedManager.from_queryset(PolicyQuerySet)()

    class Meta:
        ordering = ["priority", "key", "-version"]
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="unique_policy_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_current=True), name="one_current_policy_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("governance:policy_detail", args=[self.key])

    def clean(self) -> None:
        from bimodal.governance.engine import expression_errors

        errors: dict[str, list[str]] = {}
        problem = expression_errors(self.expression)
        if problem:
            errors["expression"] = [problem]
        if self.effect == PolicyEffect.REQUIRE_APPROVAL and not (
            self.approver_role or self.approver_forum_id
        ):
            errors["approver_role"] = ["Name the role or the forum that approves."]
        if self.effect == PolicyEffect.REQUIRE_EVIDENCE and not self.evidence:
            errors["evidence"] = ["Name at least one required artefact."]
        if errors:
            raise ValidationError(errors)

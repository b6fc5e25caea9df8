"""Governance models: forums (CAB …) and their meetings, decision types and rights (RACI per org unit),
decision requests, and versioned declarative policies written in CEL."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone

from bimodal.core.models import OrgUnit, Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.core.roles import Role
from bimodal.governance.choices import (
    CHANGE_TYPES,
    AgendaOutcome,
    DecisionStatus,
    ForumKind,
    MeetingStatus,
    PartyKind,
    PolicyEffect,
    Raci,
)


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
        return reverse("governance:forum_detail", args=[self.slug])


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
    policy_set = models.CharField(
        max_length=60,
        blank=True,
        help_text="e.g. “all-modes”; “profile:<mode key>” is generated from a mode's profile",
    )
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


class DecisionType(TimeStampedModel):
    """A kind of decision (approve a change, a stage gate, spend over a threshold …) that rights govern."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    spend_threshold = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Amounts above this escalate (empty: no escalation by amount).",
    )
    default_forum_kind = models.CharField(
        max_length=30,
        choices=ForumKind.choices,
        blank=True,
        help_text="The kind of forum that takes this decision when no right names one.",
    )
    order = models.PositiveSmallIntegerField(default=100)

    objects = RestrictedManager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class DecisionRightQuerySet(RestrictedQuerySet):
    """Decision rights are visible to every holder of the view permission."""

    def defaults(self) -> DecisionRightQuerySet:
        """The organisation-wide rights (no org unit)."""
        return self.filter(org_unit__isnull=True)


class DecisionRight(TimeStampedModel):
    """One cell of a RACI matrix: a party's part in a decision type, for one org unit or organisation-wide."""

    decision_type = models.ForeignKey(DecisionType, on_delete=models.PROTECT, related_name="rights")
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision_rights",
        help_text="Empty: the organisation-wide default.",
    )
    party_kind = models.CharField(max_length=10, choices=PartyKind.choices)
    role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, null=True, blank=True, related_name="rights")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="rights")
    raci = models.CharField(max_length=1, choices=Raci.choices)

    objects = RestrictedManager.from_queryset(DecisionRightQuerySet)()

    class Meta:
        ordering = ["decision_type__order", "decision_type__name", "raci", "party_kind", "pk"]

    def __str__(self) -> str:
        scope = self.org_unit.name if self.org_unit_id else "organisation-wide"
        return f"{self.decision_type}: {self.party_label} = {self.raci} ({scope})"

    @property
    def party(self) -> str:
        """The party as a token: role:<key>, forum:<slug>, team:<slug> or head."""
        if self.party_kind == PartyKind.ROLE:
            return f"role:{self.role}"
        if self.party_kind == PartyKind.FORUM:
            return f"forum:{self.forum.slug}" if self.forum_id else "forum:"
        if self.party_kind == PartyKind.TEAM:
            return f"team:{self.team.slug}" if self.team_id else "team:"
        return "head"

    @property
    def party_label(self) -> str:
        """The party as people read it."""
        if self.party_kind == PartyKind.ROLE:
            return Role(self.role).label if self.role in Role.values else self.role
        if self.party_kind == PartyKind.FORUM:
            return str(self.forum)
        if self.party_kind == PartyKind.TEAM:
            return str(self.team)
        return "Head of the unit"

    def clean(self) -> None:
        needed = {
            PartyKind.ROLE: ("role", bool(self.role)),
            PartyKind.FORUM: ("forum", bool(self.forum_id)),
            PartyKind.TEAM: ("team", bool(self.team_id)),
            PartyKind.HEAD: (None, True),
        }
        field, present = needed.get(self.party_kind, (None, True))
        if field and not present:
            raise ValidationError({field: "Name the party that holds this right."})
        if (
            self.party_kind == PartyKind.TEAM
            and self.team_id
            and self.org_unit_id
            and self.team.org_unit_id != self.org_unit_id
        ):
            raise ValidationError({"team": "The team belongs to another org unit."})


class DecisionRequestQuerySet(RestrictedQuerySet):
    """Decision requests are visible to every holder of the view permission, and to their requester."""

    def with_related(self) -> DecisionRequestQuerySet:
        """Everything a list shows, in a fixed number of queries."""
        return self.select_related(
            "decision_type", "org_unit", "mode", "requested_by", "decided_by", "forum", "meeting"
        )

    def pending(self) -> DecisionRequestQuerySet:
        """Requests still waiting for a decision."""
        return self.filter(status=DecisionStatus.PENDING)


class DecisionRequest(TimeStampedModel):
    """A request for a decision, routed by the org unit's governance model and decision rights."""

    decision_type = models.ForeignKey(DecisionType, on_delete=models.PROTECT, related_name="requests")
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="decision_requests"
    )
    mode = models.ForeignKey(
        "portfolio.Mode", on_delete=models.PROTECT, null=True, blank=True, related_name="decision_requests"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    requested_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision_requests",
        help_text="Empty: raised by the system (e.g. drift detection proposing a reclassification)",
    )
    requested_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.PENDING, db_index=True
    )
    route = models.JSONField(default=dict, blank=True, help_text="The route computed when it was opened.")
    step_count = models.PositiveSmallIntegerField(default=0, help_text="Approval steps on the route.")
    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, null=True, blank=True, related_name="decision_requests"
    )
    meeting = models.ForeignKey(
        "Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions_taken"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(DecisionRequestQuerySet)()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"DR-{self.pk or 0:05d} {self.title}"

    @property
    def reference(self) -> str:
        """A short reference people can quote."""
        return f"DR-{self.pk:05d}"

    def get_absolute_url(self) -> str:
        return reverse("governance:request_detail", args=[self.pk])

    @property
    def steps(self) -> list[dict]:
        """The approval steps of the route."""
        return list((self.route or {}).get("steps", []))


class MeetingQuerySet(RestrictedQuerySet):
    """Meetings are visible to every holder of the view permission."""

    def with_related(self) -> MeetingQuerySet:
        """Everything a list shows, in a fixed number of queries."""
        return self.select_related("forum", "forum__chair")


class Meeting(TimeStampedModel):
    """One sitting of a forum: attendance, agenda, minutes and the decisions taken."""

    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="meetings")
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    attendees = models.ManyToManyField(User, blank=True, related_name="meetings_attended")
    minutes = models.TextField(blank=True)
    quorum_met = models.BooleanField(default=False, help_text="Computed when attendance is recorded.")

    objects = RestrictedManager.from_queryset(MeetingQuerySet)()

    class Meta:
        ordering = ["-scheduled_for", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.forum} — {formats.date_format(timezone.localtime(self.scheduled_for), 'DATETIME_FORMAT')}"
        )

    def get_absolute_url(self) -> str:
        return reverse("governance:meeting_detail", args=[self.pk])


class AgendaItem(models.Model):
    """One item on a meeting's agenda: a decision request, an item from another app, or a free topic."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=0)
    decision_request = models.ForeignKey(
        DecisionRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    topic = models.CharField(max_length=255)
    url = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="Where the item came from.")
    outcome = models.CharField(max_length=12, choices=AgendaOutcome.choices, blank=True, default="")
    notes = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "decision_request"],
                condition=Q(decision_request__isnull=False),
                name="one_agenda_item_per_request",
            ),
            models.UniqueConstraint(
                fields=["meeting", "content_type", "object_id"],
                condition=Q(object_id__isnull=False),
                name="one_agenda_item_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.topic}"

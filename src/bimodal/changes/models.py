"""Models of the changes app: release trains, change records, approvals, windows and freezes, pipeline
tokens, deployment-gate requests and deployments."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.changes.choices import (
    FINISHED,
    ChangeSource,
    ChangeStatus,
    ChangeType,
    DeploymentSource,
    DeploymentStatus,
    Environment,
    GateOutcome,
    ReleaseStatus,
    TemplateStatus,
    Vote,
    WindowKind,
)
from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.core.roles import Role
from bimodal.governance.choices import DecisionOutcome, PolicyEffect
from bimodal.governance.models import Forum
from bimodal.portfolio.choices import Hosting
from bimodal.portfolio.models import Mode, Service


class Release(TimeStampedModel):
    """One release of a mode's release train: its date, an optional cut-off (code freeze) before it, and
    the changes and deployments that join it."""

    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="releases")
    name = models.CharField(max_length=40, help_text="e.g. 2027.Q1, 2027.01")
    planned_date = models.DateField(help_text="The release date (organisation time zone)")
    cutoff_date = models.DateField(null=True, blank=True, help_text="Code freeze: no new changes join after")
    status = models.CharField(max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED)
    cadence = models.CharField(
        max_length=20, blank=True, help_text="The cadence that generated it (blank: added by hand)"
    )
    notes = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["planned_date", "mode__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["mode", "name"], name="unique_release_name_per_mode")]
        indexes = [models.Index(fields=["mode", "planned_date"], name="release_mode_date_idx")]

    def __str__(self) -> str:
        return f"{self.mode.short_name or self.mode.name} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("changes:release_detail", args=[self.pk])

    def clean(self) -> None:
        if self.cutoff_date and self.planned_date and self.cutoff_date > self.planned_date:
            raise ValidationError({"cutoff_date": "The cut-off must be on or before the release date."})


class StandardChangeTemplateQuerySet(RestrictedQuerySet):
    """Templates are visible to everyone with the view permission; a template is edited (revised, retired)
    by its owner or a change manager (`manage_change`)."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("changes.manage_change"):
            return None
        return Q(owner=user)

    def with_usage(self) -> StandardChangeTemplateQuerySet:
        """Each version with the number of changes raised from it, finished and failed (or backed out)."""
        finished = ("completed", "failed", "backed_out")
        return self.annotate(
            used=models.Count("changes", distinct=True),
            finished=models.Count("changes", filter=Q(changes__result__in=finished), distinct=True),
            failed=models.Count("changes", filter=Q(changes__result__in=finished[1:]), distinct=True),
        )


class StandardChangeTemplate(TimeStampedModel):
    """One version of a pre-approved standard change of the catalogue: what it applies to (services,
    or else modes and hostings), its fixed plans, its risk ceiling, owner and review date."""

    key = models.SlugField(max_length=80, help_text="Shared by every version of the template")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.PROPOSED)
    services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="standard_change_templates",
        help_text="None: any service of its modes",
    )
    modes = models.ManyToManyField(
        Mode, blank=True, related_name="standard_change_templates", help_text="None: every mode"
    )
    hostings = models.JSONField(
        default=list, blank=True, help_text="The kinds of service (by hosting) it applies to; empty: any"
    )
    implementation_plan = models.TextField()
    backout_plan = models.TextField()
    test_plan = models.TextField()
    risk_ceiling = models.PositiveSmallIntegerField(
        default=30, help_text="The highest risk score (0–100) a change from it may have"
    )
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="standard_change_templates")
    review_date = models.DateField(help_text="Approved until this day; reviewed before it")
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True, help_text="Why it was last approved, suspended or retired")

    objects = RestrictedManager.from_queryset(StandardChangeTemplateQuerySet)()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="unique_template_version"),
            models.CheckConstraint(condition=Q(risk_ceiling__lte=100), name="template_risk_ceiling_max"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("changes:template_detail", args=[self.pk])

    def clean(self) -> None:
        unknown = sorted(set(self.hostings or []) - set(Hosting.values))
        if not isinstance(self.hostings, list) or unknown:
            raise ValidationError({"hostings": f"Unknown hosting(s): {', '.join(map(str, unknown))}."})
        if self.risk_ceiling is not None and self.risk_ceiling > 100:
            raise ValidationError({"risk_ceiling": "A risk ceiling is a score from 0 to 100."})

    @property
    def in_date(self) -> bool:
        """Whether its review date has not passed (in the organisation's time zone)."""
        return self.review_date >= timezone.localdate()

    def coverage(self) -> Q:
        """The services it applies to, as a condition on Service: named, or else of its modes and hostings."""
        named = [s.pk for s in self.services.all()]
        if named:
            return Q(pk__in=named)
        condition = Q()
        modes = [m.pk for m in self.modes.all()]
        if modes:
            condition &= Q(mode__in=modes)
        if self.hostings:
            condition &= Q(hosting__in=self.hostings)
        return condition

    @property
    def success_rate(self) -> float | None:
        """Of the finished changes from it (`with_usage()`), the share that completed; None: none yet."""
        finished: int = getattr(self, "finished", 0)
        failed: int = getattr(self, "failed", 0)
        return (finished - failed) / finished if finished else None

    @property
    def usable(self) -> bool:
        """Whether a standard change may be raised from it now: approved and in date."""
        return self.status == TemplateStatus.APPROVED and self.in_date


class ChangeQuerySet(RestrictedQuerySet):
    """Changes are visible to everyone with the view permission; editable by their requester, the owner
    teams of their services, or change managers (`manage_change`)."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("changes.manage_change"):
            return None
        return (
            Q(requester=user)
            | Q(services__owner_team__members=user)
            | Q(services__owner_team__lead=user)
            | Q(services__service_owner=user)
        )

    def with_related(self) -> ChangeQuerySet:
        """Everything a list shows, in a fixed number of queries."""
        return self.select_related("requester", "approver_forum", "release", "template").prefetch_related(
            "services__mode"
        )


class Change(TimeStampedModel):
    """One change to one or more services, in either mode."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    change_type = models.CharField(max_length=20, choices=ChangeType.choices, default=ChangeType.NORMAL)
    status = models.CharField(max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    source = models.CharField(max_length=10, choices=ChangeSource.choices, default=ChangeSource.MANUAL)
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.PRODUCTION)
    services = models.ManyToManyField(Service, related_name="changes")
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="requested_changes")
    description = models.TextField(blank=True)
    implementation_plan = models.TextField(blank=True)
    backout_plan = models.TextField(blank=True)
    test_plan = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True, help_text="Named artefacts, e.g. test_report: URL")
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    risk_answers = models.JSONField(default=dict, blank=True)
    risk_score = models.PositiveSmallIntegerField(default=0)
    risk_level = models.CharField(max_length=12, default="low")
    decision = models.JSONField(default=dict, blank=True, help_text="The last policy decision")
    approver_forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approver_role = models.CharField(max_length=40, blank=True)
    approvals_required = models.PositiveSmallIntegerField(default=0)
    window_required = models.BooleanField(default=False)
    retrospective_approval = models.BooleanField(default=False)
    approval_round = models.PositiveSmallIntegerField(
        default=1,
        help_text="Votes of earlier rounds no longer count: a material edit after approval starts a new one",
    )
    result = models.CharField(
        max_length=20, blank=True, help_text="completed / failed / backed_out, kept after review and closure"
    )
    review_notes = models.TextField(blank=True, help_text="Post-implementation review")
    version = models.CharField(max_length=100, blank=True)
    release = models.ForeignKey(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    template = models.ForeignKey(
        StandardChangeTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        help_text="The standard-change template (version) it instantiates",
    )

    objects = RestrictedManager.from_queryset(ChangeQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("approve_change", "Can vote on changes awaiting approval"),
            ("manage_change", "Can assess, schedule and close any change"),
        ]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["planned_start", "planned_end"]),
            # The lists' order: a page of 50 is read from the index instead of sorting every change.
            models.Index(fields=["-created_at", "-id"], name="change_created_idx"),
            # The failure rate the gate reads on every call: the finished changes of its window, without
            # walking every change of the service (most of a Mode 2 service's are open deployments).
            models.Index(
                fields=["updated_at"],
                include=["result"],
                condition=Q(result__in=sorted(FINISHED)),
                name="change_finished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("changes:change_detail", args=[self.reference])

    @property
    def decision_shown(self) -> dict[str, Any]:
        """The last policy decision as pages show it: outcome, rule effects and roles by their display names."""
        decision = dict(self.decision or {})
        outcome = decision.get("outcome", "")
        decision["outcome_label"] = dict(DecisionOutcome.choices).get(outcome, outcome)
        effects = dict(PolicyEffect.choices)
        decision["fired"] = [
            {**rule, "effect_label": effects.get(rule.get("effect", ""), rule.get("effect", ""))}
            for rule in decision.get("fired") or []
        ]
        roles = dict(Role.choices)
        decision["approvals"] = [
            {**a, "role_label": roles.get(a.get("role", ""), a.get("role", ""))}
            for a in decision.get("approvals") or []
        ]
        return decision

    def clean(self) -> None:
        if self.planned_start and self.planned_end and self.planned_end <= self.planned_start:
            raise ValidationError({"planned_end": "The planned end must be after the planned start."})


class ChangeApproval(models.Model):
    """One approver's vote on a change, with their comment."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="change_votes")
    vote = models.CharField(max_length=10, choices=Vote.choices)
    comment = models.TextField(blank=True)
    retrospective = models.BooleanField(default=False)
    round = models.PositiveSmallIntegerField(default=1, help_text="The change's approval round it counts for")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "approver", "round"], name="one_vote_per_approver_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.approver} {self.vote} {self.change.reference}"


class ChangeWindow(TimeStampedModel):
    """A change window or a freeze, for some modes and/or services (neither: the whole estate)."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=WindowKind.choices, default=WindowKind.WINDOW)
    start = models.DateTimeField()
    end = models.DateTimeField()
    modes = models.ManyToManyField(Mode, blank=True, related_name="change_windows")
    services = models.ManyToManyField(Service, blank=True, related_name="change_windows")
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["kind", "start", "end"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})


def hash_secret(secret: str) -> str:
    """SHA-256 of a pipeline token's secret (the token itself is never stored)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class PipelineToken(TimeStampedModel):
    """A CI/CD pipeline's credential for the deployment gate, valid for some services only."""

    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part, for lookup")
    secret_hash = models.CharField(max_length=64)
    services = models.ManyToManyField(Service, related_name="pipeline_tokens")
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="pipeline_tokens", help_text="Machine account it acts as"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# Reporters whose deployment ids are the provider's, numbered within a repository (see Deployment.Meta).
PROVIDER_SOURCES: tuple[str, ...] = (DeploymentSource.GITHUB.value, DeploymentSource.GITLAB.value)


class Deployment(TimeStampedModel):
    """One deployment of a version of a service: opened by the gate and closed by the pipeline's result,
    or reported by a GitHub/GitLab webhook, the bulk API or an import."""

    change = models.ForeignKey(
        Change, on_delete=models.PROTECT, null=True, blank=True, related_name="deployments"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="deployments")
    environment = models.CharField(max_length=20, choices=Environment.choices)
    version = models.CharField(max_length=100, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    pipeline_url = models.URLField(blank=True, max_length=500)
    status = models.CharField(
        max_length=20, choices=DeploymentStatus.choices, default=DeploymentStatus.IN_PROGRESS
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=DeploymentSource.choices, default=DeploymentSource.GATE)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The reporter's id of this deployment (idempotent upserts)"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    repository = models.ForeignKey(
        "integrations.Repository",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deployments",
    )
    release = models.ForeignKey(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="deployments"
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # A reporter's id names a deployment only within its scope: a provider's (GitHub, GitLab) within the
        # repository it came from (a provider's ids are unique only on its own instance), any other
        # reporter's (the gate, the bulk API, an import) within the service.
        constraints = [
            models.UniqueConstraint(
                fields=["source", "repository", "external_id"],
                condition=Q(source__in=PROVIDER_SOURCES) & ~Q(external_id=""),
                name="unique_deployment_external_id_per_repository",
            ),
            models.UniqueConstraint(
                fields=["source", "service", "external_id"],
                condition=~Q(source__in=PROVIDER_SOURCES) & ~Q(external_id=""),
                name="unique_deployment_external_id_per_service",
            ),
        ]
        indexes = [
            models.Index(
                fields=["service", "environment", "status", "finished_at"], name="deployment_dora_idx"
            ),
            # The lists' order (a million deployments are not sorted for a page of 50).
            models.Index(fields=["-created_at", "-id"], name="deployment_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.version or self.commit[:8]} → {self.environment}"


class GateRequest(TimeStampedModel):
    """One call of the deployment gate and its answer (idempotent on the pipeline's key)."""

    token = models.ForeignKey(PipelineToken, on_delete=models.PROTECT, related_name="gate_requests")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="gate_requests")
    idempotency_key = models.CharField(max_length=120)
    environment = models.CharField(max_length=20, choices=Environment.choices)
    version = models.CharField(max_length=100, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    pipeline_url = models.URLField(blank=True, max_length=500)
    evidence = models.JSONField(default=dict, blank=True)
    request_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the request's canonical JSON: a key is bound to its body",
    )
    outcome = models.CharField(max_length=20, choices=GateOutcome.choices)
    reasons = models.JSONField(default=list, blank=True)
    requirements = models.JSONField(default=dict, blank=True)
    change = models.ForeignKey(
        Change, on_delete=models.PROTECT, null=True, blank=True, related_name="gate_requests"
    )
    deployment = models.OneToOneField(
        Deployment, on_delete=models.PROTECT, null=True, blank=True, related_name="gate_request"
    )
    # Set on an answer the gate gives again for a replayed key (never stored): the API says it is a
    # replay, when it was decided, and what has changed since.
    replayed: bool = False
    replay_notes: list[str] = []

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "idempotency_key"], name="unique_gate_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"gate {self.service} {self.idempotency_key}: {self.outcome}"

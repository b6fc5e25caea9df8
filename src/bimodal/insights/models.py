"""Models of the insights app: the state-transition log behind the value-stream heat maps, and the
two-speed maturity assessment (capability areas scored per org unit over time)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.insights.choices import Definitions, MaturityMode, Stream

USER = settings.AUTH_USER_MODEL


class Transition(models.Model):
    """One state change of a ticket, request, change or deployment, with the time spent in the state it left.

    `wall_seconds` and `business_seconds` are measured from the previous transition of the same object
    (0 for the first), and copied onto that previous transition as its `next_*`; `business_clock` is the working seconds from a fixed origin to `at` on the
    insights business calendar, so business time between any two transitions is a subtraction in SQL."""

    stream = models.CharField(max_length=12, choices=Stream.choices)
    kind = models.CharField(
        max_length=20, blank=True, help_text="incident / problem / request, or the change type"
    )
    object_id = models.BigIntegerField()
    reference = models.CharField(max_length=40, blank=True)
    service = models.ForeignKey(
        "portfolio.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30)
    at = models.DateTimeField(default=timezone.now)
    party = models.CharField(max_length=160, blank=True, help_text="Team or supplier holding it")
    from_party = models.CharField(max_length=160, blank=True)
    wall_seconds = models.FloatField(default=0)
    business_seconds = models.FloatField(default=0)
    business_clock = models.FloatField(default=0)
    # Filled when the object's next transition is written: when it came and the time this party held
    # the object until then (the party hand-off figures read these instead of a window over the log).
    next_at = models.DateTimeField(null=True, blank=True)
    next_wall_seconds = models.FloatField(null=True, blank=True)
    next_business_seconds = models.FloatField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["at", "id"]
        permissions = [("view_insights", "Can see the insights dashboards and metrics")]
        indexes = [
            models.Index(fields=["stream", "object_id", "at"], name="ins_tr_object"),
            models.Index(fields=["stream", "at"], name="ins_tr_stream_at"),
            models.Index(fields=["service", "at"], name="ins_tr_service_at"),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.object_id}: {self.from_state or '∅'} → {self.to_state}"


class CommitLead(models.Model):
    """The first successful production deployment of a commit (per service) and its lead time: one row
    per commit deployed, so the lead-time figure is one aggregate. Kept by `services.dora_facts_refresh`
    from the deployments and deployment commits (see docs/insights.md, Performance)."""

    # No database constraints: the rows are derived and rewritten in bulk; deletions cascade in Django.
    commit = models.ForeignKey(
        "integrations.Commit", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    service = models.ForeignKey(
        "portfolio.Service", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    authored_at = models.DateTimeField()
    deployed_at = models.DateTimeField()
    lead_seconds = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["commit", "service"], name="ins_one_lead_per_commit")]

    def __str__(self) -> str:
        return f"{self.commit_id}: {self.lead_seconds:.0f} s"


class IncidentAttribution(models.Model):
    """The deployment an incident is attributed to: the latest successful production deployment of its
    service finished before it was opened (none: NULL). Kept by `services.dora_facts_refresh`."""

    ticket = models.OneToOneField(
        "servicedesk.Ticket",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )
    deployment = models.ForeignKey(
        "changes.Deployment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.deployment_id}"


class FactsMark(models.Model):
    """How far the DORA facts are up to date: rows changed after `changed_after` and deployment commits
    above `last_link_id` are looked at again by the next refresh."""

    name = models.CharField(max_length=40, primary_key=True)
    changed_after = models.DateTimeField(null=True, blank=True)
    last_link_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.changed_after}"


class MetricSettingsQuerySet(RestrictedQuerySet):
    """Everyone who sees the insights sees the settings in force; changing them is a governance action."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" and user.has_perm("insights.view_insights"):
            return None
        if action == "change" and user.has_perm("insights.manage_metric_settings"):
            return None
        return Q(pk__in=[])


class MetricSettings(models.Model):
    """The organisation's settings for the figures: one row (pk 1). `definitions` picks the definitions
    of DORA's four keys the dashboards and the API use (docs/insights.md, definitions table)."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    definitions = models.CharField(
        max_length=12,
        choices=Definitions.choices,
        default=Definitions.BIMODAL,
        help_text="Which definitions of DORA's four keys the figures follow",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager.from_queryset(MetricSettingsQuerySet)()

    class Meta:
        verbose_name_plural = "metric settings"
        permissions = [("manage_metric_settings", "Can choose the definitions the delivery figures follow")]

    def __str__(self) -> str:
        return f"definitions: {self.definitions}"

    @classmethod
    def current(cls) -> MetricSettings:
        """The settings in force (the defaults until someone saves them)."""
        return cls.objects.filter(pk=cls.SINGLETON).first() or cls(pk=cls.SINGLETON)


class CapabilityAreaQuerySet(RestrictedQuerySet):
    """Everyone with the view permission sees every capability area."""


class CapabilityArea(TimeStampedModel):
    """One area of the two-speed ITSM audit (e.g. change enablement), scored 1–5."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    mode = models.CharField(max_length=12, choices=MaturityMode.choices, default=MaturityMode.BOTH)
    default_target = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    objects = RestrictedManager.from_queryset(CapabilityAreaQuerySet)()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class MaturityAssessmentQuerySet(RestrictedQuerySet):
    """Assessments are visible to everyone with the view permission; editable by their assessor or
    by whoever may manage assessments."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("insights.manage_maturity"):
            return None
        return Q(assessed_by=user)


class MaturityAssessment(TimeStampedModel):
    """An audit of one org unit at one date: a score and target per capability area."""

    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="maturity_assessments"
    )
    assessed_on = models.DateField(default=timezone.localdate)
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(MaturityAssessmentQuerySet)()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        permissions = [("manage_maturity", "Can record and edit any maturity assessment")]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "assessed_on"], name="ins_one_assessment_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.assessed_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("insights:maturity_detail", args=[self.pk])


class MaturityScoreQuerySet(RestrictedQuerySet):
    """Scores are visible with their assessment."""


class MaturityScore(models.Model):
    """The score (1–5) of one capability area in one assessment, against its target, with evidence."""

    assessment = models.ForeignKey(MaturityAssessment, on_delete=models.CASCADE, related_name="scores")
    area = models.ForeignKey(CapabilityArea, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    target = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    evidence = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(MaturityScoreQuerySet)()

    class Meta:
        ordering = ["area__order", "area__name"]
        constraints = [models.UniqueConstraint(fields=["assessment", "area"], name="ins_one_score_per_area")]

    def __str__(self) -> str:
        return f"{self.area}: {self.score}/{self.target}"

    @property
    def gap(self) -> int:
        return self.target - self.score

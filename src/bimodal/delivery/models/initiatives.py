"""Initiatives, the restriction their rows share, and their risks and dependencies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bimodal.core.models import OrgUnit, Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.delivery.choices import (
    LIMITABLE,
    Approach,
    InitiativeStatus,
    InvestmentClass,
    Rag,
    RiskStatus,
)
from bimodal.delivery.models.base import ONE_TO_FIVE
from bimodal.delivery.models.demand import Demand
from bimodal.portfolio.models import Mode, Service


class InitiativeQuerySet(RestrictedQuerySet):
    """Everyone with the view permission sees the portfolio; an initiative is worked by its owner, its
    team (members and lead), the owners of its services, or portfolio managers (`manage_all_initiatives`)."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("delivery.manage_all_initiatives"):
            return None
        return Q(owner=user) | Q(team__members=user) | Q(team__lead=user) | Q(services__service_owner=user)


class Initiative(TimeStampedModel):
    """A funded piece of delivery work in one mode, run waterfall or agile."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    approach = models.CharField(max_length=12, choices=Approach.choices)
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="initiatives")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="initiatives")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_initiatives")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="initiatives"
    )
    services = models.ManyToManyField(Service, blank=True, related_name="initiatives")
    demand = models.OneToOneField(
        Demand, on_delete=models.PROTECT, null=True, blank=True, related_name="initiative"
    )
    investment_class = models.CharField(
        max_length=12, choices=InvestmentClass.choices, default=InvestmentClass.GROW
    )
    status = models.CharField(
        max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.ACTIVE
    )
    rag_override = models.CharField(
        max_length=6, choices=Rag.choices, blank=True, help_text="Set to overrule the computed RAG"
    )
    rag_note = models.CharField(max_length=255, blank=True)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    forecast_end = models.DateField(null=True, blank=True)
    sprint_length_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    wip_limits = models.JSONField(
        default=dict, blank=True, help_text='Kanban WIP limits per column, e.g. {"in_progress": 3}'
    )

    # What starting an initiative asks for (the form and the API share this list, in display order).
    START_FIELDS = (
        "name",
        "description",
        "approach",
        "mode",
        "org_unit",
        "owner",
        "team",
        "services",
        "investment_class",
        "baseline_start",
        "baseline_end",
    )

    objects = RestrictedManager.from_queryset(InitiativeQuerySet)()

    class Meta:
        ordering = ["reference"]
        permissions = [("manage_all_initiatives", "Can work any initiative, not only their own or team's")]
        indexes = [models.Index(fields=["mode", "approach", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:initiative_detail", args=[self.reference])

    def clean(self) -> None:
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValidationError({"baseline_end": "The baseline end cannot be before its start."})
        limits = self.wip_limits or {}
        if not isinstance(limits, dict):
            raise ValidationError({"wip_limits": "WIP limits are a map of column to a number."})
        for column, limit in limits.items():
            if column not in LIMITABLE:
                raise ValidationError({"wip_limits": f"“{column}” is not a column that takes a WIP limit."})
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValidationError({"wip_limits": f"The limit of “{column}” must be a whole number ≥ 1."})


class InitiativeChildQuerySet(RestrictedQuerySet):
    """Rows of an initiative (phases, stories …) follow the initiative's rule."""

    initiative_path = "initiative"

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" or user.has_perm("delivery.manage_all_initiatives"):
            return None
        p = self.initiative_path
        return (
            Q(**{f"{p}__owner": user})
            | Q(**{f"{p}__team__members": user})
            | Q(**{f"{p}__team__lead": user})
            | Q(**{f"{p}__services__service_owner": user})
        )


class InitiativeRisk(models.Model):
    """A risk to an initiative, probability × impact."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    probability = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE)
    impact = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    mitigation = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "-probability", "-impact", "pk"]
        verbose_name = "risk"

    def __str__(self) -> str:
        return self.title

    @property
    def exposure(self) -> int:
        """Probability × impact (1–25); 15 and above is high."""
        return self.probability * self.impact


class InitiativeDependency(models.Model):
    """`initiative` needs something from `depends_on`, by a date."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="dependents")
    description = models.CharField(max_length=255, blank=True)
    needed_by = models.DateField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "needed_by", "pk"]
        verbose_name = "dependency"
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["initiative", "depends_on"], name="one_dependency_per_pair"),
            models.CheckConstraint(
                condition=~Q(initiative=models.F("depends_on")), name="no_self_dependency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} → {self.depends_on_id}"

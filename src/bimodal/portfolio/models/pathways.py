"""Migration pathways between modes, their steps and readiness criteria."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse

from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.portfolio.choices import (
    PathwayStatus,
    StepStatus,
)
from bimodal.portfolio.models.assessment import ReclassificationProposal, _service_rule
from bimodal.portfolio.models.catalogue import Mode, Service


class PathwayQuerySet(RestrictedQuerySet["MigrationPathway"]):
    """Pathways are seen with their service; changed by its owners, the pathway owner or governance."""

    def restriction(self, user, action: str) -> Q | None:
        rule = _service_rule(user, action)
        if action == "view" or rule is None:
            return rule
        return rule | Q(owner=user)

    def with_related(self) -> PathwayQuerySet:
        return self.select_related("service__mode", "service__owner_team", "from_mode", "to_mode", "owner")


class MigrationPathway(TimeStampedModel):
    """A plan to move a service from one mode to another: steps, readiness criteria, progress, blockers."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="pathways")
    title = models.CharField(max_length=160)
    from_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    to_mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=PathwayStatus.choices, default=PathwayStatus.PLANNED)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="migration_pathways")
    target_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    proposal = models.ForeignKey(
        ReclassificationProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="pathways"
    )

    objects = RestrictedManager.from_queryset(PathwayQuerySet)()

    class Meta:
        ordering = ["target_date", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_mode=models.F("to_mode")), name="pathway_changes_mode")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portfolio:pathway_detail", args=[self.pk])


class PathwayStepQuerySet(RestrictedQuerySet):
    """Steps follow their pathway."""

    def restriction(self, user, action: str) -> Q | None:
        rule = _service_rule(user, action, prefix="pathway__service__")
        if action == "view" or rule is None:
            return rule
        return rule | Q(pathway__owner=user) | Q(owner=user)


class PathwayStep(models.Model):
    """One step of a migration pathway with its owner, due date and (when stuck) blocker."""

    pathway = models.ForeignKey(MigrationPathway, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=160)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.TODO)
    done = models.BooleanField(default=False, editable=False, help_text="Kept equal to status = done.")
    done_at = models.DateTimeField(null=True, blank=True)
    blocker = models.CharField(max_length=255, blank=True, help_text="What stops this step, if anything.")
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(PathwayStepQuerySet)()

    class Meta:
        ordering = ["pathway", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class ReadinessCriterionQuerySet(PathwayStepQuerySet):
    """Readiness criteria follow their pathway."""

    def restriction(self, user, action: str) -> Q | None:
        rule = _service_rule(user, action, prefix="pathway__service__")
        if action == "view" or rule is None:
            return rule
        return rule | Q(pathway__owner=user)


class ReadinessCriterion(models.Model):
    """A condition the service must meet before it moves (e.g. deployment automation in place)."""

    pathway = models.ForeignKey(MigrationPathway, on_delete=models.CASCADE, related_name="readiness")
    label = models.CharField(max_length=160)
    met = models.BooleanField(default=False)
    evidence = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(ReadinessCriterionQuerySet)()

    class Meta:
        ordering = ["pathway", "order", "pk"]
        verbose_name_plural = "readiness criteria"

    def __str__(self) -> str:
        return self.label

"""Waterfall delivery: phases, the stage gate at the end of each and its criteria, milestones."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from bimodal.core.models import User
from bimodal.core.querysets import RestrictedManager
from bimodal.delivery.choices import (
    GateStatus,
    PhaseKind,
    PhaseStatus,
)
from bimodal.delivery.models.initiatives import Initiative, InitiativeChildQuerySet


class GateChildQuerySet(InitiativeChildQuerySet):
    initiative_path = "phase__initiative"


class CriterionQuerySet(InitiativeChildQuerySet):
    initiative_path = "gate__phase__initiative"


class Phase(models.Model):
    """One waterfall phase of an initiative with its baseline and forecast dates."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=20, choices=PhaseKind.choices)
    order = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=PhaseStatus.choices, default=PhaseStatus.NOT_STARTED)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    forecast_start = models.DateField(null=True, blank=True)
    forecast_end = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "order"]
        constraints = [models.UniqueConstraint(fields=["initiative", "kind"], name="one_phase_of_each_kind")]

    def __str__(self) -> str:
        return f"{self.initiative.reference} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.forecast_start and self.forecast_end and self.forecast_end < self.forecast_start:
            raise ValidationError({"forecast_end": "The forecast end cannot be before its start."})
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValidationError({"baseline_end": "The baseline end cannot be before its start."})


class StageGate(models.Model):
    """The gate at the end of a phase: it passes when its named criteria are met and it is approved."""

    phase = models.OneToOneField(Phase, on_delete=models.CASCADE, related_name="gate")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=GateStatus.choices, default=GateStatus.OPEN)
    requested_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_note = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(GateChildQuerySet)()

    class Meta:
        ordering = ["phase__initiative", "phase__order"]
        verbose_name = "stage gate"

    def __str__(self) -> str:
        return self.name

    @property
    def initiative(self) -> Initiative:
        return self.phase.initiative


class GateCriterion(models.Model):
    """A named criterion a stage gate needs met (e.g. “Business case signed off”), with its evidence."""

    gate = models.ForeignKey(StageGate, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=160)
    description = models.CharField(max_length=255, blank=True)
    met = models.BooleanField(default=False)
    evidence = models.CharField(max_length=500, blank=True)
    met_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    met_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(CriterionQuerySet)()

    class Meta:
        ordering = ["gate", "pk"]
        verbose_name_plural = "gate criteria"
        constraints = [models.UniqueConstraint(fields=["gate", "name"], name="unique_criterion_per_gate")]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """A dated milestone with its baseline, forecast and actual dates."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="milestones"
    )
    name = models.CharField(max_length=160)
    baseline_date = models.DateField()
    forecast_date = models.DateField()
    actual_date = models.DateField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "baseline_date", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def slip_days(self) -> int:
        """Days the forecast (or actual) lies after the baseline."""
        return ((self.actual_date or self.forecast_date) - self.baseline_date).days

"""MSP evaluations: the services to outsource, required skills, candidate providers and the decision."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.suppliers.choices import (
    DEFAULT_WEIGHTS,
    PRIORITIES,
    Criterion,
    EvaluationStatus,
)
from bimodal.suppliers.models.base import NOTHING, USER
from bimodal.suppliers.models.suppliers import Supplier


class EvaluationQuerySet(RestrictedQuerySet):
    """Evaluations are commercially sensitive: never visible to supplier agents."""

    def restriction(self, user, action: str) -> Q | None:
        return NOTHING if user.supplier_id else None


def default_weights() -> dict:
    return {str(k): v for k, v in DEFAULT_WEIGHTS.items()}


class MspEvaluation(TimeStampedModel):
    """A comparison of candidate providers for outsourcing a set of services, and the decision taken."""

    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN)
    services = models.ManyToManyField(
        "portfolio.Service", blank=True, related_name="msp_evaluations", help_text="Services to outsource."
    )
    weights = models.JSONField(default=default_weights, help_text="Weight of each criterion (0–100).")
    required_response = models.JSONField(
        default=dict, blank=True, help_text='Required response in minutes per priority, e.g. {"P1": 15}.'
    )
    needs_on_site = models.BooleanField(default=False)
    needs_remote = models.BooleanField(default=True)
    regions = models.JSONField(default=list, blank=True, help_text="Regions that must be served.")
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    chosen = models.ForeignKey(
        "MspCandidate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(EvaluationQuerySet)()

    class Meta:
        ordering = ["-created_at", "name"]
        permissions = [("decide_mspevaluation", "Can record the decision of an MSP evaluation")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:evaluation_detail", args=[self.slug])

    def clean(self):
        errors = {}
        w = self.weights
        if (
            not isinstance(w, dict)
            or set(w) != set(Criterion.values)
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100 for v in w.values())
        ):
            errors["weights"] = f"Give a whole weight 0–100 for each of {', '.join(Criterion.values)}."
        elif sum(w.values()) == 0:
            errors["weights"] = "At least one criterion must carry weight."
        if problem := check_minutes(self.required_response):
            errors["required_response"] = problem
        if not isinstance(self.regions, list) or not all(isinstance(r, str) and r for r in self.regions):
            errors["regions"] = "Regions are a list of short codes, e.g. GB, EU."
        if errors:
            raise ValidationError(errors)


def check_minutes(value) -> str:
    """'' when `value` maps priorities to positive whole minutes, else the problem."""
    if not isinstance(value, dict) or set(value) - set(PRIORITIES):
        return f"Keys are priorities ({', '.join(PRIORITIES)})."
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value.values()):
        return "Minutes must be positive numbers."
    return ""


class EvaluationChildQuerySet(RestrictedQuerySet):
    """Rows of an evaluation share its visibility."""

    def restriction(self, user, action: str) -> Q | None:
        return NOTHING if user.supplier_id else None


class MspRequirement(models.Model):
    """A skill or technology the outsourced services need, now or as planned (future) technology."""

    evaluation = models.ForeignKey(MspEvaluation, on_delete=models.CASCADE, related_name="requirements")
    skill = models.ForeignKey("people.Skill", on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    future = models.BooleanField(default=False, help_text="A planned future technology.")

    objects = RestrictedManager.from_queryset(EvaluationChildQuerySet)()

    class Meta:
        ordering = ["future", "-weight", "skill__name"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "skill"], name="sup_req_once")]

    def __str__(self) -> str:
        return f"{self.skill} ×{self.weight}"

    def get_absolute_url(self) -> str:
        return self.evaluation.get_absolute_url()


class MspCandidate(models.Model):
    """A provider under evaluation, with its demonstrated response times, customisation and cost."""

    evaluation = models.ForeignKey(MspEvaluation, on_delete=models.CASCADE, related_name="candidates")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="candidacies")
    demonstrated_response = models.JSONField(
        default=dict, blank=True, help_text="Demonstrated response in minutes per priority."
    )
    response_source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the response times come from (tickets, references, trial).",
    )
    customisation = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(5)], help_text="0–5: how far they adapt to our processes."
    )
    annual_cost = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    notes = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(EvaluationChildQuerySet)()

    class Meta:
        ordering = ["supplier__name"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "supplier"], name="sup_candidate_once")]

    def __str__(self) -> str:
        return f"{self.supplier} in {self.evaluation}"

    def get_absolute_url(self) -> str:
        return self.evaluation.get_absolute_url()

    def clean(self):
        if problem := check_minutes(self.demonstrated_response):
            raise ValidationError({"demonstrated_response": problem})

"""Demand: ideas and requests from the business and the versioned model that scores them."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import OrgUnit, Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.delivery.choices import (
    Approach,
    DemandStatus,
    InvestmentClass,
)
from bimodal.delivery.models.base import NON_NEGATIVE, ONE_TO_FIVE, _fte, _money
from bimodal.portfolio.models import Mode, Service


class ScoringModel(models.Model):
    """One version of the demand scoring weights; the highest version is current, older ones are kept."""

    version = models.PositiveIntegerField(unique=True)
    weight_value = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("30"), validators=NON_NEGATIVE
    )
    weight_urgency = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("20"), validators=NON_NEGATIVE
    )
    weight_fit = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("25"), validators=NON_NEGATIVE
    )
    weight_risk = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10"), validators=NON_NEGATIVE
    )
    weight_cost = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("15"), validators=NON_NEGATIVE
    )
    cost_ceiling = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("2000000"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="A cost estimate at or above this scores nothing on the cost factor.",
    )
    note = models.CharField(max_length=255, blank=True, help_text="Why the weights changed")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Scoring model v{self.version}"

    def clean(self) -> None:
        total = sum(
            (w or 0)
            for w in (
                self.weight_value,
                self.weight_urgency,
                self.weight_fit,
                self.weight_risk,
                self.weight_cost,
            )
        )
        if total <= 0:
            raise ValidationError({"weight_value": "At least one weight must be above zero."})

    @property
    def weights(self) -> dict[str, Decimal]:
        """Factor → weight."""
        return {
            "value": self.weight_value,
            "urgency": self.weight_urgency,
            "fit": self.weight_fit,
            "risk": self.weight_risk,
            "cost": self.weight_cost,
        }


class DemandQuerySet(RestrictedQuerySet):
    """Portfolio people see all demand; a requester sees and edits only their own."""

    def restriction(self, user, action: str) -> Q | None:
        if user.has_perm("delivery.manage_demand"):
            return None
        if action == "view" and user.has_perm("delivery.view_all_demand"):
            return None
        return Q(requester=user)

    def with_related(self) -> DemandQuerySet:
        return self.select_related("requester", "org_unit", "mode", "service", "team", "scoring_model")


class Demand(TimeStampedModel):
    """An idea or request from the business, scored and prioritised, decided by the portfolio board."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="demands")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="demands")
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="demands")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="demands"
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        help_text="Proposed team",
    )
    investment_class = models.CharField(
        max_length=12, choices=InvestmentClass.choices, default=InvestmentClass.GROW
    )
    value = models.PositiveSmallIntegerField(
        default=3, validators=ONE_TO_FIVE, help_text="Business value, 1–5"
    )
    urgency = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE, help_text="1–5")
    risk = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE, help_text="Delivery risk, 1–5")
    strategic_fit = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE, help_text="1–5")
    cost_estimate = _money(default=Decimal("0"))
    fte_estimate = _fte(default=Decimal("0"), help_text="People it needs while delivered")
    approach = models.CharField(
        max_length=12, choices=Approach.choices, blank=True, help_text="Blank: chosen by the mode"
    )
    desired_start = models.DateField(null=True, blank=True)
    desired_end = models.DateField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    scoring_model = models.ForeignKey(
        ScoringModel, on_delete=models.PROTECT, null=True, blank=True, related_name="demands"
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=DemandStatus.choices, default=DemandStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(DemandQuerySet)()

    # What its requester describes (forms, the API and the services share this list, in display order).
    EDITABLE = (
        "title",
        "description",
        "org_unit",
        "mode",
        "service",
        "team",
        "investment_class",
        "value",
        "urgency",
        "risk",
        "strategic_fit",
        "cost_estimate",
        "fte_estimate",
        "approach",
        "desired_start",
        "desired_end",
    )

    class Meta:
        ordering = ["-score", "reference"]
        permissions = [
            ("manage_demand", "Can see, score and edit any demand"),
            ("view_all_demand", "Can see every demand, not only their own"),
        ]
        indexes = [models.Index(fields=["status", "score"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("delivery:demand_detail", args=[self.reference])

    def clean(self) -> None:
        if self.desired_start and self.desired_end and self.desired_end < self.desired_start:
            raise ValidationError({"desired_end": "The end cannot be before the start."})

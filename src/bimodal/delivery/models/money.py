"""Money and people: budgets and actuals by mode and investment class, teams' capacity and allocations."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from bimodal.core.models import Team, User
from bimodal.core.querysets import RestrictedManager
from bimodal.delivery.choices import (
    InvestmentClass,
)
from bimodal.delivery.models.base import _fte, _money
from bimodal.delivery.models.initiatives import Initiative
from bimodal.portfolio.models import Mode


class Budget(models.Model):
    """Money for a year: a mode's envelope for one investment class (no initiative), or an initiative's
    budget (its mode and class)."""

    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="budgets")
    investment_class = models.CharField(max_length=12, choices=InvestmentClass.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="budgets"
    )
    amount = _money()
    note = models.CharField(max_length=255, blank=True)

    objects = RestrictedManager()

    class Meta:
        # Not through the nullable initiative: PostgreSQL refuses row locks on the outer side of a join.
        ordering = ["fiscal_year", "mode__order", "investment_class", "initiative_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "mode", "investment_class"],
                condition=Q(initiative__isnull=True),
                name="one_envelope_per_year_mode_class",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "initiative"],
                condition=Q(initiative__isnull=False),
                name="one_budget_per_year_initiative",
            ),
        ]

    def __str__(self) -> str:
        what = (
            self.initiative.reference
            if self.initiative_id
            else f"{self.mode.short_name} {self.investment_class}"
        )
        return f"FY{self.fiscal_year} {what}: {self.amount}"


class Actual(models.Model):
    """Money spent in a month, by mode and investment class, and by initiative where it is one's."""

    period = models.DateField(help_text="The month (its first day)")
    fiscal_year = models.PositiveSmallIntegerField(editable=False)
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="actuals")
    investment_class = models.CharField(max_length=12, choices=InvestmentClass.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="actuals"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-period", "pk"]
        indexes = [models.Index(fields=["fiscal_year", "mode", "investment_class"])]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.amount}"


class TeamCapacity(models.Model):
    """How many FTE a team has to give to one mode in a year (the supply)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="capacities")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="capacities")
    fte = _fte()

    objects = RestrictedManager()

    class Meta:
        ordering = ["fiscal_year", "team__name", "mode__order"]
        verbose_name_plural = "team capacities"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "fiscal_year", "mode"], name="one_capacity_per_team_year_mode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} FY{self.fiscal_year} {self.mode.short_name}: {self.fte} FTE"


class CapacityAllocation(models.Model):
    """FTE of a team asked for by an initiative (or by running a mode's services): the demand for people."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="allocations")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="allocations")
    investment_class = models.CharField(max_length=12, choices=InvestmentClass.choices)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    fte = _fte()
    note = models.CharField(max_length=255, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["fiscal_year", "team__name", "mode__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "fiscal_year", "initiative"],
                condition=Q(initiative__isnull=False),
                name="one_allocation_per_team_year_initiative",
            ),
            models.UniqueConstraint(
                fields=["team", "fiscal_year", "mode", "investment_class"],
                condition=Q(initiative__isnull=True),
                name="one_run_allocation_per_team_year_mode_class",
            ),
        ]

    def __str__(self) -> str:
        what = (
            self.initiative.reference
            if self.initiative_id
            else f"{self.mode.short_name} {self.investment_class}"
        )
        return f"{self.team} FY{self.fiscal_year} {what}: {self.fte} FTE"

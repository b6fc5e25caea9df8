"""Money and people: budgets, actuals, capacity and allocations, contention and what-if reallocation."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from bimodal.core.api.serializers import (
    RestrictedSlugRelatedField,
)
from bimodal.core.models import Team, User
from bimodal.delivery.api.serializers.base import USERNAME, initiative_field, mode_field
from bimodal.delivery.choices import WhatIfKind
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    TeamCapacity,
)


class BudgetSerializer(serializers.ModelSerializer):
    """A mode's envelope (no initiative) or an initiative's budget for a year; POST sets it."""

    mode = mode_field(required=False, allow_null=True)
    initiative = initiative_field(required=False, allow_null=True)

    class Meta:
        model = Budget
        fields = ["id", "fiscal_year", "mode", "investment_class", "initiative", "amount", "note"]
        extra_kwargs = {"investment_class": {"required": False}}
        validators: list = []


class ActualSerializer(serializers.ModelSerializer):
    """Money spent in a month."""

    mode = mode_field(required=False, allow_null=True)
    initiative = initiative_field(required=False, allow_null=True)
    recorded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        **USERNAME, allow_null=True
    )

    class Meta:
        model = Actual
        fields = [
            "id",
            "period",
            "fiscal_year",
            "mode",
            "investment_class",
            "initiative",
            "amount",
            "description",
            "recorded_by",
        ]
        read_only_fields = ["fiscal_year", "recorded_by"]
        extra_kwargs = {"investment_class": {"required": False}}


class TeamCapacitySerializer(serializers.ModelSerializer):
    """A team's FTE for a mode in a year (the supply); POST sets it."""

    team = RestrictedSlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    mode = mode_field()

    class Meta:
        model = TeamCapacity
        fields = ["id", "team", "fiscal_year", "mode", "fte"]
        validators: list = []


class AllocationSerializer(serializers.ModelSerializer):
    """FTE asked of a team by an initiative or a mode's running (the demand); POST sets it."""

    team = RestrictedSlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    mode = mode_field(required=False, allow_null=True)
    initiative = initiative_field(required=False, allow_null=True)

    class Meta:
        model = CapacityAllocation
        fields = ["id", "team", "fiscal_year", "mode", "investment_class", "initiative", "fte", "note"]
        extra_kwargs = {"investment_class": {"required": False}}
        validators: list = []


class CapacityLineSerializer(serializers.Serializer):
    """Supply and demand of FTE for a team and/or mode."""

    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    mode = serializers.CharField(source="mode.key", allow_null=True, default=None)
    supply = serializers.DecimalField(max_digits=9, decimal_places=2)
    demand = serializers.DecimalField(max_digits=9, decimal_places=2)
    gap = serializers.DecimalField(max_digits=9, decimal_places=2)
    over = serializers.BooleanField()


class BudgetLineSerializer(serializers.Serializer):
    """Money of a mode (and investment class) in a year."""

    mode = serializers.CharField(source="mode.key")
    investment_class = serializers.CharField()
    envelope = serializers.DecimalField(max_digits=16, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=16, decimal_places=2)
    unallocated = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    variance = serializers.DecimalField(max_digits=16, decimal_places=2)
    pipeline = serializers.DecimalField(max_digits=16, decimal_places=2)
    over_committed = serializers.BooleanField()
    over_with_pipeline = serializers.BooleanField()


class InitiativeMoneySerializer(serializers.Serializer):
    """An initiative's budget and actual spend in a year."""

    initiative = serializers.CharField(source="initiative.reference")
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=16, decimal_places=2)


class ContentionSerializer(serializers.Serializer):
    """Supply against demand for people and money in a year, and where demand exceeds supply."""

    fiscal_year = serializers.IntegerField()
    capacity = CapacityLineSerializer(many=True)
    capacity_by_mode = CapacityLineSerializer(many=True)
    capacity_by_team = CapacityLineSerializer(many=True)
    people_contention = CapacityLineSerializer(many=True)
    budget = BudgetLineSerializer(many=True)
    budget_by_mode = BudgetLineSerializer(many=True)
    money_contention = BudgetLineSerializer(many=True)
    initiatives = InitiativeMoneySerializer(many=True)


class WhatIfSerializer(serializers.Serializer):
    """A reallocation: source "capacity:<id>" | "allocation:<id>" | "budget:<id>", target "mode:<id>" |
    "initiative:<id>", the quantity (FTE or money) and, to apply it, a reason."""

    # DRF's metaclass takes declared fields off the class: this does not replace Field.source.
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WhatIfResultSerializer(serializers.Serializer):
    """The contention after the reallocation (previewed or applied)."""

    kind = serializers.CharField(help_text="capacity, allocation or budget: what the source row is")
    unit = serializers.ChoiceField(choices=WhatIfKind.choices)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    applied = serializers.BooleanField()
    before = ContentionSerializer()
    after = ContentionSerializer()

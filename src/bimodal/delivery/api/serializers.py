"""Serializers of the delivery API. They validate and shape data; service functions write."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bimodal.core.api.serializers import (
    OrgUnitRefSerializer,
    RestrictedSlugRelatedField,
    TeamRefSerializer,
    user_field,
)
from bimodal.core.models import OrgUnit, Team
from bimodal.delivery.choices import InitiativeStatus, Rag, StoryStatus, WhatIfKind
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Demand,
    Epic,
    GateCriterion,
    Initiative,
    InitiativeDependency,
    InitiativeRisk,
    Milestone,
    Phase,
    ScoringModel,
    Sprint,
    StageGate,
    Story,
    TeamCapacity,
)
from bimodal.portfolio.api.serializers import ServiceRefSerializer
from bimodal.portfolio.models import Mode, Service

USERNAME = {"slug_field": "username", "read_only": True}


def mode_field(**kwargs):
    return RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all(), **kwargs)


def initiative_field(**kwargs):
    return RestrictedSlugRelatedField(slug_field="reference", queryset=Initiative.objects.all(), **kwargs)


class ScoringModelSerializer(serializers.ModelSerializer):
    """One version of the scoring weights (POST saves the next version)."""

    created_by = serializers.SlugRelatedField(**USERNAME, allow_null=True)

    class Meta:
        model = ScoringModel
        fields = [
            "version",
            "weight_value",
            "weight_urgency",
            "weight_fit",
            "weight_risk",
            "weight_cost",
            "cost_ceiling",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["version", "created_by", "created_at"]


class DemandSerializer(serializers.ModelSerializer):
    """A demand as read."""

    requester = serializers.SlugRelatedField(**USERNAME)
    org_unit = OrgUnitRefSerializer(read_only=True)
    mode = serializers.SlugRelatedField(slug_field="key", read_only=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    scoring_model_version = serializers.IntegerField(
        source="scoring_model.version", read_only=True, allow_null=True
    )
    initiative = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "reference",
            "title",
            "description",
            "requester",
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
            "score",
            "scoring_model_version",
            "scored_at",
            "status",
            "submitted_at",
            "decided_at",
            "decision_note",
            "initiative",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_initiative(self, demand: Demand) -> str | None:
        initiative = getattr(demand, "initiative", None)
        return initiative.reference if initiative else None


class DemandWriteSerializer(serializers.ModelSerializer):
    """A demand as written: org unit, service and team by slug, mode by key."""

    # Any org unit may raise demand: requesters pick theirs without seeing the organisation pages.
    org_unit = serializers.SlugRelatedField(slug_field="slug", queryset=OrgUnit.objects.all())
    mode = mode_field()
    service = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True
    )
    team = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Demand
        fields = list(Demand.EDITABLE)


class DeliveryReasonSerializer(serializers.Serializer):
    """An optional reason, recorded in the audit log."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class InitiativeSerializer(serializers.ModelSerializer):
    """An initiative with its portfolio figures: budget, actual spend, slip, RAG, risks, dependencies."""

    mode = serializers.SlugRelatedField(slug_field="key", read_only=True)
    org_unit = OrgUnitRefSerializer(read_only=True)
    owner = serializers.SlugRelatedField(**USERNAME)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    services = ServiceRefSerializer(many=True, read_only=True)
    demand = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    budget_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    actual_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    open_risks = serializers.IntegerField(read_only=True)
    high_risks = serializers.IntegerField(read_only=True)
    dependency_count = serializers.IntegerField(read_only=True)
    dependencies_at_risk = serializers.IntegerField(read_only=True)
    slip_days = serializers.SerializerMethodField()
    rag = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = [
            "reference",
            "name",
            "description",
            "approach",
            "mode",
            "org_unit",
            "owner",
            "team",
            "services",
            "demand",
            "investment_class",
            "status",
            "rag",
            "rag_override",
            "rag_note",
            "baseline_start",
            "baseline_end",
            "forecast_end",
            "slip_days",
            "budget_total",
            "actual_total",
            "open_risks",
            "high_risks",
            "dependency_count",
            "dependencies_at_risk",
            "sprint_length_days",
            "wip_limits",
            "created_at",
            "updated_at",
        ]

    def _row(self, initiative):
        from bimodal.delivery import selectors

        cache = self.context.setdefault("_rows", {})
        if initiative.pk not in cache:
            cache[initiative.pk] = selectors.portfolio_rows([initiative])[0]
        return cache[initiative.pk]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_slip_days(self, initiative) -> int | None:
        return self._row(initiative).slip

    @extend_schema_field(serializers.ChoiceField(choices=Rag.choices))
    def get_rag(self, initiative) -> str:
        return self._row(initiative).rag


class InitiativeWriteSerializer(serializers.ModelSerializer):
    """An initiative as written (create: its approach, mode and org unit; edit: name, team, RAG override…)."""

    mode = mode_field()
    org_unit = RestrictedSlugRelatedField(slug_field="slug", queryset=OrgUnit.objects.all())
    owner = user_field(required=False)
    team = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    services = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False
    )
    wip_limits = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False)

    class Meta:
        model = Initiative
        fields = [*Initiative.START_FIELDS, "rag_override", "rag_note", "sprint_length_days", "wip_limits"]


class TransitionSerializer(serializers.Serializer):
    """Move an initiative to another status."""

    status = serializers.ChoiceField(choices=InitiativeStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RebaselineSerializer(serializers.Serializer):
    """A new baseline, with the reason."""

    baseline_start = serializers.DateField()
    baseline_end = serializers.DateField()
    reason = serializers.CharField()


class GateCriterionSerializer(serializers.ModelSerializer):
    """A named criterion of a stage gate."""

    met_by = serializers.SlugRelatedField(**USERNAME, allow_null=True)

    class Meta:
        model = GateCriterion
        fields = ["id", "gate", "name", "description", "met", "evidence", "met_by", "met_at"]
        read_only_fields = ["id", "met_by", "met_at"]


class CriterionWriteSerializer(serializers.Serializer):
    """Mark a criterion met (evidence required) or not met."""

    met = serializers.BooleanField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class CriterionCreateSerializer(serializers.Serializer):
    """Add a criterion to a gate."""

    gate = serializers.PrimaryKeyRelatedField(queryset=StageGate.objects.all())
    name = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StageGateSerializer(serializers.ModelSerializer):
    """A stage gate with its criteria."""

    initiative = serializers.CharField(source="phase.initiative.reference", read_only=True)
    phase = serializers.CharField(source="phase.kind", read_only=True)
    criteria = GateCriterionSerializer(many=True, read_only=True)
    decided_by = serializers.SlugRelatedField(**USERNAME, allow_null=True)

    class Meta:
        model = StageGate
        fields = [
            "id",
            "initiative",
            "phase",
            "name",
            "status",
            "requested_at",
            "decided_at",
            "decided_by",
            "decision_note",
            "criteria",
        ]


class PhaseSerializer(serializers.ModelSerializer):
    """A waterfall phase with baseline and forecast dates."""

    initiative = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    gate = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Phase
        fields = [
            "id",
            "initiative",
            "kind",
            "order",
            "status",
            "baseline_start",
            "baseline_end",
            "forecast_start",
            "forecast_end",
            "actual_end",
            "gate",
        ]
        read_only_fields = ["kind", "order", "status", "baseline_start", "baseline_end", "actual_end"]


class PhaseWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["forecast_start", "forecast_end"]


class MilestoneSerializer(serializers.ModelSerializer):
    """A milestone with baseline, forecast and actual dates."""

    initiative = initiative_field()
    slip_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "initiative",
            "phase",
            "name",
            "baseline_date",
            "forecast_date",
            "actual_date",
            "slip_days",
        ]
        extra_kwargs = {"forecast_date": {"required": False}}


class MilestoneUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["name", "forecast_date", "actual_date"]


class EpicSerializer(serializers.ModelSerializer):
    """An epic of an agile initiative."""

    initiative = initiative_field()

    class Meta:
        model = Epic
        fields = ["id", "initiative", "title", "description", "rank"]
        read_only_fields = ["rank"]


class EpicUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Epic
        fields = ["title", "description", "rank"]


class StorySerializer(serializers.ModelSerializer):
    """A story: estimate, column, sprint, epic."""

    initiative = initiative_field()
    assignee = user_field(required=False, allow_null=True)

    class Meta:
        model = Story
        fields = [
            "id",
            "initiative",
            "epic",
            "sprint",
            "title",
            "description",
            "points",
            "status",
            "rank",
            "assignee",
            "started_at",
            "done_at",
        ]
        read_only_fields = ["status", "rank", "started_at", "done_at"]


class StoryUpdateSerializer(serializers.ModelSerializer):
    assignee = user_field(required=False, allow_null=True)

    class Meta:
        model = Story
        fields = ["title", "description", "points", "epic", "sprint", "assignee", "rank"]


class MoveSerializer(serializers.Serializer):
    """Move a story to a board column."""

    status = serializers.ChoiceField(choices=StoryStatus.choices)
    rank = serializers.IntegerField(required=False, min_value=0)


class SprintSerializer(serializers.ModelSerializer):
    """A sprint: committed vs completed points."""

    initiative = initiative_field()

    class Meta:
        model = Sprint
        fields = [
            "id",
            "initiative",
            "name",
            "goal",
            "start",
            "end",
            "status",
            "committed_points",
            "completed_points",
        ]
        read_only_fields = ["status", "committed_points", "completed_points"]
        extra_kwargs = {"end": {"required": False}}


class RiskSerializer(serializers.ModelSerializer):
    """A risk to an initiative."""

    initiative = initiative_field()
    owner = user_field(required=False, allow_null=True)
    exposure = serializers.IntegerField(read_only=True)

    class Meta:
        model = InitiativeRisk
        fields = [
            "id",
            "initiative",
            "title",
            "probability",
            "impact",
            "exposure",
            "status",
            "owner",
            "mitigation",
        ]


class RiskUpdateSerializer(serializers.ModelSerializer):
    owner = user_field(required=False, allow_null=True)

    class Meta:
        model = InitiativeRisk
        fields = ["title", "probability", "impact", "status", "owner", "mitigation"]


class DependencySerializer(serializers.ModelSerializer):
    """`initiative` needs `depends_on` by `needed_by`."""

    initiative = initiative_field()
    depends_on = initiative_field()

    class Meta:
        model = InitiativeDependency
        fields = ["id", "initiative", "depends_on", "description", "needed_by"]


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
    recorded_by = serializers.SlugRelatedField(**USERNAME, allow_null=True)

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

    source = serializers.CharField()
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

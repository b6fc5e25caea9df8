"""Initiatives as read (with their portfolio figures) and written, their status, baseline, risks and dependencies."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bimodal.core.api.serializers import (
    OrgUnitRefSerializer,
    RestrictedSlugRelatedField,
    TeamRefSerializer,
    user_field,
)
from bimodal.core.models import OrgUnit, Team, User
from bimodal.delivery.api.serializers.base import USERNAME, initiative_field, mode_field
from bimodal.delivery.choices import InitiativeStatus, Rag
from bimodal.delivery.models import (
    Demand,
    Initiative,
    InitiativeDependency,
    InitiativeRisk,
)
from bimodal.delivery.services import INITIATIVE_FIELDS, RISK_FIELDS
from bimodal.portfolio.api.serializers import ServiceRefSerializer
from bimodal.portfolio.models import Mode, Service


class InitiativeSerializer(serializers.ModelSerializer):
    """An initiative with its portfolio figures: budget, actual spend, slip, RAG, risks, dependencies."""

    mode: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    org_unit = OrgUnitRefSerializer(read_only=True)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(**USERNAME)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    services = ServiceRefSerializer(many=True, read_only=True)
    demand: serializers.SlugRelatedField[Demand] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
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
        fields = list(INITIATIVE_FIELDS)


class TransitionSerializer(serializers.Serializer):
    """Move an initiative to another status."""

    status = serializers.ChoiceField(choices=InitiativeStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RebaselineSerializer(serializers.Serializer):
    """A new baseline, with the reason."""

    baseline_start = serializers.DateField()
    baseline_end = serializers.DateField()
    reason = serializers.CharField()


class RiskSerializer(serializers.ModelSerializer):
    """A risk to an initiative."""

    initiative = initiative_field()
    owner = user_field(required=False, allow_null=True)
    exposure = serializers.IntegerField(read_only=True)

    class Meta:
        model = InitiativeRisk
        fields = ["id", "initiative", *RISK_FIELDS, "exposure"]


class RiskUpdateSerializer(serializers.ModelSerializer):
    owner = user_field(required=False, allow_null=True)

    class Meta:
        model = InitiativeRisk
        fields = list(RISK_FIELDS)


class DependencySerializer(serializers.ModelSerializer):
    """`initiative` needs `depends_on` by `needed_by`."""

    initiative = initiative_field()
    depends_on = initiative_field()

    class Meta:
        model = InitiativeDependency
        fields = ["id", "initiative", "depends_on", "description", "needed_by"]

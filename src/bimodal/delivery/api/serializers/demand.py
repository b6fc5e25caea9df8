"""Demand and the scoring model, as read and as written."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bimodal.core.api.serializers import (
    OrgUnitRefSerializer,
    RestrictedSlugRelatedField,
)
from bimodal.core.models import OrgUnit, Team, User
from bimodal.delivery.api.serializers.base import USERNAME, mode_field
from bimodal.delivery.models import (
    Demand,
    ScoringModel,
)
from bimodal.delivery.services import DEMAND_FIELDS, SCORING_FIELDS
from bimodal.portfolio.models import Mode, Service


class ScoringModelSerializer(serializers.ModelSerializer):
    """One version of the scoring weights (POST saves the next version)."""

    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(**USERNAME, allow_null=True)

    class Meta:
        model = ScoringModel
        fields = ["version", *SCORING_FIELDS, "created_by", "created_at"]
        read_only_fields = ["version", "created_by", "created_at"]


class DemandSerializer(serializers.ModelSerializer):
    """A demand as read."""

    requester: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(**USERNAME)
    org_unit = OrgUnitRefSerializer(read_only=True)
    mode: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
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
        fields = list(DEMAND_FIELDS)

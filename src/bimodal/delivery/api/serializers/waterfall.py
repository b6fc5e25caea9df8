"""Waterfall work: phases, stage gates with their criteria, milestones."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.models import User
from bimodal.delivery.api.serializers.base import USERNAME, initiative_field
from bimodal.delivery.models import (
    GateCriterion,
    Initiative,
    Milestone,
    Phase,
    StageGate,
)
from bimodal.delivery.services import MILESTONE_EDITABLE, MILESTONE_FIELDS, PHASE_FIELDS


class GateCriterionSerializer(serializers.ModelSerializer):
    """A named criterion of a stage gate."""

    met_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(**USERNAME, allow_null=True)

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
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(**USERNAME, allow_null=True)

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

    initiative: serializers.SlugRelatedField[Initiative] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True
    )
    gate: serializers.PrimaryKeyRelatedField[StageGate] = serializers.PrimaryKeyRelatedField(read_only=True)

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
        fields = list(PHASE_FIELDS)


class MilestoneSerializer(serializers.ModelSerializer):
    """A milestone with baseline, forecast and actual dates."""

    initiative = initiative_field()
    slip_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "initiative", *MILESTONE_FIELDS, "slip_days"]
        extra_kwargs = {"forecast_date": {"required": False}}


class MilestoneUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = list(MILESTONE_EDITABLE)

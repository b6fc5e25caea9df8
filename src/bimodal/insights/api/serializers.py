"""Serializers of the insights API."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.models import OrgUnit, User
from bimodal.insights.models import (
    CapabilityArea,
    MaturityAssessment,
    MaturityScore,
    MetricSettings,
    Transition,
)


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = [
            "id",
            "stream",
            "kind",
            "object_id",
            "reference",
            "service",
            "from_state",
            "to_state",
            "at",
            "party",
            "from_party",
            "wall_seconds",
            "business_seconds",
        ]


class CapabilityAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = CapabilityArea
        fields = ["slug", "name", "description", "mode", "default_target", "order", "active"]


class MaturityScoreSerializer(serializers.ModelSerializer):
    area: serializers.SlugRelatedField[CapabilityArea] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    gap = serializers.IntegerField(read_only=True)

    class Meta:
        model = MaturityScore
        fields = ["area", "score", "target", "gap", "evidence"]


class MaturityAssessmentSerializer(serializers.ModelSerializer):
    org_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    assessed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    scores = MaturityScoreSerializer(many=True, read_only=True)

    class Meta:
        model = MaturityAssessment
        fields = ["id", "org_unit", "assessed_on", "assessed_by", "notes", "scores"]


class ScoreWriteSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(slug_field="slug", queryset=CapabilityArea.objects.all())
    score = serializers.IntegerField(min_value=1, max_value=5)
    target = serializers.IntegerField(min_value=1, max_value=5, required=False)
    evidence = serializers.CharField(required=False, allow_blank=True)


class MaturityAssessmentWriteSerializer(serializers.Serializer):
    org_unit = serializers.SlugRelatedField(slug_field="slug", queryset=OrgUnit.objects.all())
    assessed_on = serializers.DateField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    scores = ScoreWriteSerializer(many=True)


class MetricSettingsSerializer(serializers.ModelSerializer):
    """The organisation's settings for the figures."""

    class Meta:
        model = MetricSettings
        fields = ["definitions", "updated_at"]
        read_only_fields = ["updated_at"]

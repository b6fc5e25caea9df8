"""Serializers of readiness assessments, the questionnaire and reclassification proposals."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import (
    RestrictedSlugRelatedField,
)
from bimodal.core.models import User
from bimodal.portfolio.api.serializers.catalogue import ModeRefSerializer, ServiceRefSerializer
from bimodal.portfolio.models import (
    Assessment,
    Criterion,
    Mode,
    Questionnaire,
    ReclassificationProposal,
    Service,
)


class CriterionSerializer(serializers.ModelSerializer):
    """A criterion of a questionnaire."""

    class Meta:
        model = Criterion
        fields = [
            "key",
            "label",
            "help_text",
            "dimension",
            "weight",
            "axis",
            "mode_weights",
            "options",
            "order",
        ]


class QuestionnaireSerializer(serializers.ModelSerializer):
    """A questionnaire version with its criteria."""

    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["version", "name", "status", "notes", "published_at", "criteria"]


class AssessmentSerializer(serializers.ModelSerializer):
    """A recorded assessment."""

    service = ServiceRefSerializer(read_only=True)
    current_mode = ModeRefSerializer(read_only=True)
    recommended_mode = ModeRefSerializer(read_only=True, allow_null=True)
    assessed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    questionnaire = serializers.IntegerField(source="questionnaire.version", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "service",
            "questionnaire",
            "assessed_by",
            "assessed_at",
            "source",
            "answers",
            "scores",
            "current_mode",
            "recommended_mode",
            "confidence",
            "rationale",
            "cost_of_change",
            "demand_for_change",
            "functional_fit",
            "technical_fit",
            "time_rating",
            "notes",
            "is_latest",
        ]


class AssessmentWriteSerializer(serializers.Serializer):
    """Assess a service: answers by criterion key; the result is computed."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ClassifyRowSerializer(serializers.Serializer):
    """One row to classify: an id of the caller's choosing, answers and/or catalogue attributes."""

    id = serializers.CharField(required=False, allow_blank=True, default="")
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )
    attributes = serializers.DictField(required=False, default=dict)


class ClassifySerializer(serializers.Serializer):
    """Many rows to classify at once (nothing is stored)."""

    rows = ClassifyRowSerializer(many=True, allow_empty=False, max_length=10000)


class ProposalSerializer(serializers.ModelSerializer):
    """A reclassification proposal."""

    service = ServiceRefSerializer(read_only=True)
    from_mode = ModeRefSerializer(read_only=True)
    to_mode = ModeRefSerializer(read_only=True)
    proposed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ReclassificationProposal
        fields = [
            "id",
            "service",
            "from_mode",
            "to_mode",
            "reason",
            "evidence",
            "source",
            "assessment",
            "status",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class ProposalWriteSerializer(serializers.Serializer):
    """Propose moving a service (by slug) to a mode (by key)."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    to_mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all())
    reason = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    """A decision note (required to reject)."""

    note = serializers.CharField(required=False, allow_blank=True, default="")

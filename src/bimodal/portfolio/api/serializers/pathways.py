"""Serializers of migration pathways: steps, readiness criteria and their writes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bimodal.core.api.serializers import (
    ReasonMixin,
    RestrictedSlugRelatedField,
    user_field,
)
from bimodal.core.models import User
from bimodal.portfolio.api.serializers.catalogue import ModeRefSerializer, ServiceRefSerializer
from bimodal.portfolio.choices import PathwayStatus, StepStatus
from bimodal.portfolio.models import (
    MigrationPathway,
    Mode,
    PathwayStep,
    ReadinessCriterion,
    Service,
)
from bimodal.portfolio.selectors import progress


# Inline enums: several models have a `status`, and named enum components would collide in the schema.
@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(StepStatus.values) + ")$",
        "description": "One of: " + ", ".join(StepStatus.values) + ".",
    }
)
class StepStatusField(serializers.ChoiceField):
    """A step status: todo, in_progress, blocked or done."""

    def __init__(self, **kwargs):
        super().__init__(choices=StepStatus.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": list(PathwayStatus.values)})
class PathwayStatusField(serializers.ChoiceField):
    """A pathway status: planned, in_progress, blocked, completed or cancelled."""

    def __init__(self, **kwargs):
        super().__init__(choices=PathwayStatus.choices, **kwargs)


class PathwayStepSerializer(serializers.ModelSerializer):
    """A step of a pathway."""

    status = StepStatusField(read_only=True)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = PathwayStep
        fields = ["id", "title", "owner", "due_date", "status", "done", "done_at", "blocker", "order"]


class ReadinessCriterionSerializer(serializers.ModelSerializer):
    """A readiness criterion of a pathway."""

    class Meta:
        model = ReadinessCriterion
        fields = ["id", "label", "met", "evidence", "order"]


class PathwaySerializer(serializers.ModelSerializer):
    """A migration pathway with its steps, readiness criteria and progress."""

    service = ServiceRefSerializer(read_only=True)
    from_mode = ModeRefSerializer(read_only=True)
    to_mode = ModeRefSerializer(read_only=True)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    steps = PathwayStepSerializer(many=True, read_only=True)
    readiness = ReadinessCriterionSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()
    blockers = serializers.IntegerField(read_only=True)

    class Meta:
        model = MigrationPathway
        fields = [
            "id",
            "title",
            "service",
            "from_mode",
            "to_mode",
            "status",
            "owner",
            "target_date",
            "description",
            "progress",
            "blockers",
            "steps",
            "readiness",
        ]

    def get_progress(self, pathway) -> int:

        return progress(pathway)


class PathwayStepWriteSerializer(serializers.Serializer):
    """A step to add: title, owner (username), due date, status and blocker (needed when blocked)."""

    title = serializers.CharField(max_length=160)
    owner = user_field(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = StepStatusField(required=False, default=StepStatus.TODO)
    blocker = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PathwayStepUpdateSerializer(serializers.Serializer):
    """Change one step of the pathway (by id): any of title, owner, due date, status, blocker."""

    step = serializers.IntegerField(help_text="The id of a step of this pathway.")
    title = serializers.CharField(max_length=160, required=False)
    owner = user_field(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = StepStatusField(required=False)
    blocker = serializers.CharField(max_length=255, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)


class ReadinessWriteSerializer(serializers.Serializer):
    """A readiness criterion to add."""

    label = serializers.CharField(max_length=160)
    evidence = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ReadinessMeetSerializer(serializers.Serializer):
    """Mark one readiness criterion of the pathway (by id) met, with evidence, or not met."""

    criterion = serializers.IntegerField(help_text="The id of a readiness criterion of this pathway.")
    met = serializers.BooleanField(default=True)
    evidence = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PathwayWriteSerializer(serializers.Serializer):
    """Plan a pathway for a service (by slug) from its current mode to a mode (by key)."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    to_mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all())
    title = serializers.CharField(max_length=160)
    owner = user_field()
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    steps = PathwayStepWriteSerializer(many=True, required=False, default=list)
    readiness = ReadinessWriteSerializer(many=True, required=False, default=list)


class PathwayUpdateSerializer(ReasonMixin, serializers.Serializer):
    """Change a pathway's title, owner, target date, description or target mode."""

    title = serializers.CharField(max_length=160, required=False)
    owner = user_field(required=False)
    target_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    to_mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all(), required=False)


class PathwayStatusSerializer(serializers.Serializer):
    """Move a pathway to another status (planned → in progress ⇄ blocked → completed, or cancelled)."""

    status = PathwayStatusField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")

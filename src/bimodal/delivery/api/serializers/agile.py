"""Agile work: epics, stories and their moves on the board, sprints."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import (
    user_field,
)
from bimodal.delivery.api.serializers.base import initiative_field
from bimodal.delivery.choices import StoryStatus
from bimodal.delivery.models import (
    Epic,
    Sprint,
    Story,
)
from bimodal.delivery.services import EPIC_FIELDS, STORY_FIELDS


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
        fields = list(EPIC_FIELDS)


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
        fields = list(STORY_FIELDS)


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

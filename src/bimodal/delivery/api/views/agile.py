"""Agile work: epics, stories (and their moves on the board), sprints (start, close)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from bimodal.delivery import services
from bimodal.delivery.api import serializers as s
from bimodal.delivery.api.views.base import _ReadCreate, _ReadCreateUpdate
from bimodal.delivery.filtersets import (
    SprintFilterSet,
    StoryFilterSet,
)
from bimodal.delivery.models import (
    Epic,
    Sprint,
    Story,
)


class EpicViewSet(_ReadCreateUpdate):
    """Epics of agile initiatives."""

    serializer_class = s.EpicSerializer
    filterset_fields = {"initiative__reference": ["exact"]}

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return s.EpicUpdateSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return Epic.objects.restrict(self.request.user, "view").select_related("initiative")

    def create_object(self, data):
        return services.epic_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.epic_update(actor=self.request.user, epic=instance, **data)


class StoryViewSet(_ReadCreateUpdate):
    """Stories; `move` moves one across the board (refused past a WIP limit)."""

    serializer_class = s.StorySerializer
    filterset_class = StoryFilterSet
    action_perms = {"move": ["delivery.change_story"]}

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return s.StoryUpdateSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return Story.objects.restrict(self.request.user, "view").select_related("initiative", "assignee")

    def create_object(self, data):
        return services.story_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.story_update(actor=self.request.user, story=instance, **data)

    @extend_schema(request=s.MoveSerializer, responses=s.StorySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move to a board column (kanban)."""
        body = s.MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.read_response(
            services.story_move(actor=request.user, story=self.get_object(), **body.validated_data)
        )


class SprintViewSet(_ReadCreate):
    """Sprints: plan, start (commitment), close (velocity)."""

    serializer_class = s.SprintSerializer
    filterset_class = SprintFilterSet
    action_perms = {"start": ["delivery.change_sprint"], "close": ["delivery.change_sprint"]}

    def get_queryset(self):
        return Sprint.objects.restrict(self.request.user, "view").select_related("initiative")

    def create_object(self, data):
        return services.sprint_create(actor=self.request.user, **data)

    @extend_schema(request=None, responses=s.SprintSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start the sprint: what it holds is the commitment."""
        return self.read_response(services.sprint_start(actor=request.user, sprint=self.get_object()))

    @extend_schema(request=None, responses=s.SprintSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the sprint: done points are its velocity; unfinished stories return to the backlog."""
        return self.read_response(services.sprint_close(actor=request.user, sprint=self.get_object()))

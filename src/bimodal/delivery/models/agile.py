"""Agile delivery: epics, sprints, stories and their moves between board columns."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bimodal.core.models import User
from bimodal.core.querysets import RestrictedManager
from bimodal.delivery.choices import (
    SprintStatus,
    StoryStatus,
)
from bimodal.delivery.models.initiatives import Initiative, InitiativeChildQuerySet


class TransitionQuerySet(InitiativeChildQuerySet):
    initiative_path = "story__initiative"


class Epic(models.Model):
    """A large piece of agile work, broken into stories."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="epics")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    rank = models.PositiveIntegerField(default=0)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "rank", "pk"]

    def __str__(self) -> str:
        return self.title


class Sprint(models.Model):
    """A time-box of an agile initiative: committed points at start, done points at close."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=80)
    goal = models.CharField(max_length=255, blank=True)
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=10, choices=SprintStatus.choices, default=SprintStatus.PLANNED)
    committed_points = models.PositiveIntegerField(default=0)
    completed_points = models.PositiveIntegerField(default=0)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"], condition=Q(status="active"), name="one_active_sprint_per_initiative"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "A sprint cannot end before it starts."})


class Story(models.Model):
    """A backlog item with an estimate in points, on the kanban board and perhaps in a sprint."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="stories")
    epic = models.ForeignKey(Epic, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories")
    sprint = models.ForeignKey(
        Sprint, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    points = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    status = models.CharField(max_length=12, choices=StoryStatus.choices, default=StoryStatus.BACKLOG)
    rank = models.PositiveIntegerField(default=0)
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="stories"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(InitiativeChildQuerySet)()

    class Meta:
        ordering = ["initiative", "rank", "pk"]
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["initiative", "status"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.epic_id and self.epic.initiative_id != self.initiative_id:
            raise ValidationError({"epic": "The epic belongs to another initiative."})
        if self.sprint_id and self.sprint.initiative_id != self.initiative_id:
            raise ValidationError({"sprint": "The sprint belongs to another initiative."})


class StoryTransition(models.Model):
    """A story's move between board columns: the record cycle time is computed from."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=StoryStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=StoryStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RestrictedManager.from_queryset(TransitionQuerySet)()

    class Meta:
        ordering = ["story", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.story_id}: {self.from_status} → {self.to_status}"

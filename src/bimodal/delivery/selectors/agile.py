"""Agile work: the kanban board with WIP limits and cycle times, sprints and velocity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from bimodal.delivery import health
from bimodal.delivery.choices import (
    BOARD_COLUMNS,
    STARTED,
    StoryStatus,
)
from bimodal.delivery.models import (
    Initiative,
    Sprint,
    Story,
)


@dataclass
class BoardColumn:
    """A kanban column with its stories and WIP limit."""

    status: str
    label: str
    limit: int | None
    previous: str = ""
    next: str = ""
    stories: list[Story] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.limit is not None and len(self.stories) > self.limit

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.stories) >= self.limit


def stories_with_cycle(initiative: Initiative) -> QuerySet[Story, Any]:
    """The initiative's stories with when work first started and when it last reached done, taken from
    the recorded transitions (one query)."""
    return (
        Story.objects.filter(initiative=initiative)
        .select_related("epic", "assignee", "sprint")
        .annotate(
            first_started=Min("transitions__at", filter=Q(transitions__to_status__in=list(STARTED))),
            last_done=Max("transitions__at", filter=Q(transitions__to_status=StoryStatus.DONE)),
        )
        .order_by("rank", "pk")
    )


def cycle_time(story: Any) -> timedelta | None:
    """A done story's cycle time: from first entering a started column to reaching done (`story` comes
    from stories_with_cycle)."""
    started: datetime | None = story.first_started
    done: datetime | None = story.last_done
    if story.status != StoryStatus.DONE or not started or not done or done < started:
        return None
    return done - started


def board(initiative: Initiative) -> dict[str, Any]:
    """The kanban board: columns with stories and limits, and the cycle-time statistics of done stories."""
    stories = list(stories_with_cycle(initiative))
    limits = initiative.wip_limits or {}
    columns = {
        status: BoardColumn(
            status=status,
            label=StoryStatus(status).label,
            limit=limits.get(status),
            previous=BOARD_COLUMNS[n - 1] if n > 0 else "",
            next=BOARD_COLUMNS[n + 1] if n + 1 < len(BOARD_COLUMNS) else "",
        )
        for n, status in enumerate(BOARD_COLUMNS)
    }
    for story in stories:
        story.cycle_time = cycle_time(story)
        columns[story.status].stories.append(story)
    times = sorted(s.cycle_time for s in stories if s.cycle_time is not None)
    average = sum(times, timedelta()) / len(times) if times else None
    median = times[len(times) // 2] if times else None
    return {
        "columns": list(columns.values()),
        "cycle_average": average,
        "cycle_median": median,
        "cycle_count": len(times),
    }


def sprint_stats(initiative: Initiative) -> dict[str, Any]:
    """Sprints with committed vs done points, and the velocity over the last closed sprints."""
    sprints = list(
        Sprint.objects.filter(initiative=initiative)
        .annotate(
            planned_points=Coalesce(Sum("stories__points"), 0),
            done_points=Coalesce(Sum("stories__points", filter=Q(stories__status=StoryStatus.DONE)), 0),
        )
        .order_by("start", "pk")
    )
    closed = [s.completed_points for s in sprints if s.status == "closed"]
    remaining = (
        Story.objects.filter(initiative=initiative)
        .exclude(status=StoryStatus.DONE)
        .aggregate(p=Sum("points"))["p"]
        or 0
    )
    return {"sprints": sprints, "velocity": health.velocity(closed), "remaining_points": remaining}

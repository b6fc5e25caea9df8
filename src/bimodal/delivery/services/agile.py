"""Agile delivery: epics, stories, sprints and the kanban board with WIP limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    lock,
    require_object,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.delivery.choices import (
    SPRINT_TRANSITIONS,
    Approach,
    SprintStatus,
    StoryStatus,
)
from bimodal.delivery.models import (
    Epic,
    Initiative,
    Sprint,
    Story,
    StoryTransition,
)
from bimodal.delivery.services.base import (
    _check,
)
from bimodal.delivery.services.initiatives import (
    _require_work,
    refresh_forecast,
)

# --- agile ----------------------------------------------------------------------------------------


def _require_agile(initiative: Initiative) -> None:
    if initiative.approach != Approach.AGILE:
        raise ValidationError({"initiative": "Backlogs, sprints and the board belong to agile initiatives."})


@transactional
def epic_create(*, actor: User, initiative: Initiative, title: str, description: str = "") -> Epic:
    """Add an epic to an agile initiative's backlog."""
    initiative = lock(initiative)  # positions are read and taken under the parent's lock
    _require_work(actor, initiative, "delivery.add_epic")
    _require_agile(initiative)
    rank = (initiative.epics.aggregate(r=Max("rank"))["r"] or 0) + 1
    return create_audited(
        Epic(initiative=initiative, title=title, description=description, rank=rank),
        actor=actor,
        verb=AuditVerb.EPIC_CREATE,
    )


@transactional
def epic_update(
    *,
    actor: User,
    epic: Epic,
    title: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    rank: int | NotGiven = UNSET,
) -> Epic:
    """Rename, describe or re-rank an epic."""
    require_object(actor, "change", epic)
    fields = given(title=title, description=description, rank=rank)
    return update_audited(epic, actor=actor, fields=fields, verb=AuditVerb.EPIC_UPDATE)


def _transition(
    story: Story, source: str, target: str, actor: User | None, at: datetime | None = None
) -> None:
    StoryTransition.objects.create(
        story=story, from_status=source, to_status=target, at=at or timezone.now(), actor=actor
    )


@transactional
def story_create(
    *,
    actor: User,
    initiative: Initiative,
    title: str,
    points: int | None = None,
    epic: Epic | None = None,
    sprint: Sprint | None = None,
    description: str = "",
    assignee: User | None = None,
    at: datetime | None = None,
) -> Story:
    """Add a story to the bottom of an agile initiative's backlog (`at`: when it entered, for history)."""
    initiative = lock(initiative)  # positions are read and taken under the parent's lock
    _require_work(actor, initiative, "delivery.add_story")
    if at is not None and at > timezone.now():
        raise ValidationError({"at": "A story cannot enter the backlog in the future."})
    _require_agile(initiative)
    rank = (initiative.stories.aggregate(r=Max("rank"))["r"] or 0) + 1
    story = create_audited(
        Story(
            initiative=initiative,
            title=title,
            points=points,
            epic=epic,
            sprint=sprint,
            description=description,
            assignee=assignee,
            rank=rank,
        ),
        actor=actor,
        verb=AuditVerb.STORY_CREATE,
    )
    _transition(story, "", StoryStatus.BACKLOG, actor, at=at)
    refresh_forecast(initiative, actor=actor)
    return story


@transactional
def story_update(
    *,
    actor: User,
    story: Story,
    title: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    points: int | NotGiven | None = UNSET,
    epic: Epic | NotGiven | None = UNSET,
    sprint: Sprint | NotGiven | None = UNSET,
    assignee: User | NotGiven | None = UNSET,
    rank: int | NotGiven = UNSET,
) -> Story:
    """Change a story's title, estimate, epic, sprint, assignee or rank (moves: story_move)."""
    require_object(actor, "change", story)
    if isinstance(sprint, Sprint) and sprint.status == SprintStatus.CLOSED:
        raise ValidationError({"sprint": "That sprint is closed."})
    fields = given(
        title=title,
        description=description,
        points=points,
        epic=epic,
        sprint=sprint,
        assignee=assignee,
        rank=rank,
    )
    story = update_audited(story, actor=actor, fields=fields, verb=AuditVerb.STORY_UPDATE)
    if "points" in fields:
        refresh_forecast(story.initiative, actor=actor)
    return story


def wip_violation(initiative: Initiative, target: str, *, moving: Story | None = None) -> str:
    """The refusal message when moving one more story into `target` breaks its WIP limit, else ''."""
    limit = (initiative.wip_limits or {}).get(target)
    if not limit:
        return ""
    occupied = initiative.stories.filter(status=target)
    if moving is not None:
        occupied = occupied.exclude(pk=moving.pk)
    count = occupied.count()
    if count >= limit:
        return (
            f"WIP limit reached: “{StoryStatus(target).label}” holds {count} of {limit} stories. "
            "Finish or move one on before pulling in more."
        )
    return ""


@transactional
def story_move(
    *, actor: User, story: Story, status: str, rank: int | None = None, at: datetime | None = None
) -> Story:
    """Move a story to another board column, refused when the column's WIP limit is reached. The move is
    recorded (cycle time is computed from these records); `at` records when it happened (history and
    imports) and cannot precede the story's previous move."""
    require_object(actor, "change", story)
    if status not in StoryStatus.values:
        raise ValidationError({"status": f"“{status}” is not a column of the board."})
    # Lock the initiative so that two moves into one column cannot both pass the WIP check.
    initiative = Initiative.objects.select_for_update(no_key=True).get(pk=story.initiative_id)
    story = Story.objects.select_for_update(no_key=True).get(pk=story.pk)
    source = story.status
    if source == status:
        if rank is not None and rank != story.rank:
            return update_audited(story, actor=actor, fields={"rank": rank}, verb=AuditVerb.STORY_RANK)
        return story
    message = wip_violation(initiative, status, moving=story)
    if message:
        raise ValidationError({"status": message})
    if at is not None:
        last = story.transitions.order_by("-at").values_list("at", flat=True).first()
        if at > timezone.now() or (last is not None and at < last):
            raise ValidationError({"at": "A move is recorded between the story's previous move and now."})
    now = at or timezone.now()
    fields: dict[str, Any] = {"status": status}
    if status in {StoryStatus.IN_PROGRESS, StoryStatus.REVIEW} and story.started_at is None:
        fields["started_at"] = now
    fields["done_at"] = now if status == StoryStatus.DONE else None
    if rank is not None:
        fields["rank"] = rank
    story = update_audited(
        story, actor=actor, fields=fields, verb=AuditVerb.STORY_MOVE, action=AuditAction.TRANSITION
    )
    _transition(story, source, status, actor, at=now)
    return story


@transactional
def sprint_create(
    *, actor: User, initiative: Initiative, name: str, start: date, end: date | None = None, goal: str = ""
) -> Sprint:
    """Plan a sprint (its length defaults to the initiative's sprint length)."""
    _require_work(actor, initiative, "delivery.add_sprint")
    _require_agile(initiative)
    end = end or start + timedelta(days=initiative.sprint_length_days - 1)
    return create_audited(
        Sprint(initiative=initiative, name=name, start=start, end=end, goal=goal),
        actor=actor,
        verb=AuditVerb.SPRINT_CREATE,
    )


@transactional
def sprint_start(*, actor: User, sprint: Sprint) -> Sprint:
    """Start a planned sprint: what it holds now is its commitment."""
    require_object(actor, "change", sprint)
    _check(SPRINT_TRANSITIONS, sprint.status, SprintStatus.ACTIVE, "A sprint", SprintStatus)
    if Sprint.objects.filter(initiative=sprint.initiative_id, status=SprintStatus.ACTIVE).exists():
        raise ValidationError({"status": "Another sprint of this initiative is active: close it first."})
    committed = sprint.stories.aggregate(p=Sum("points"))["p"] or 0
    return update_audited(
        sprint,
        actor=actor,
        fields={"status": SprintStatus.ACTIVE, "committed_points": committed},
        verb=AuditVerb.SPRINT_START,
        action=AuditAction.TRANSITION,
    )


@transactional
def sprint_close(*, actor: User, sprint: Sprint) -> Sprint:
    """Close the active sprint: done points are its velocity; unfinished stories go back to the backlog."""
    require_object(actor, "change", sprint)
    _check(SPRINT_TRANSITIONS, sprint.status, SprintStatus.CLOSED, "A sprint", SprintStatus)
    done = sprint.stories.filter(status=StoryStatus.DONE).aggregate(p=Sum("points"))["p"] or 0
    sprint = update_audited(
        sprint,
        actor=actor,
        fields={"status": SprintStatus.CLOSED, "completed_points": done},
        verb=AuditVerb.SPRINT_CLOSE,
        action=AuditAction.TRANSITION,
    )
    for story in sprint.stories.exclude(status=StoryStatus.DONE):
        update_audited(
            story,
            actor=actor,
            fields={"sprint": None},
            reason=f"Carried over from {sprint.name}",
            verb=AuditVerb.STORY_CARRY_OVER,
        )
    refresh_forecast(sprint.initiative, actor=actor)
    return sprint

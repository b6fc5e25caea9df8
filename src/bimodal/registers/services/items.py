"""Every register's items: stage transitions, reviews and the review schedule."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bimodal.core.choices import AuditAction, NotificationKind
from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    notify,
    require_object,
    transactional,
    update_audited,
    write,
)
from bimodal.core.verbs import AuditVerb
from bimodal.registers.choices import (
    REVIEW_TRANSITIONS,
    RegisterStage,
    ReviewState,
)
from bimodal.registers.models import RegisterItem, ReviewTask
from bimodal.registers.services.base import (
    KIND_OF,
    REVIEW_LEAD_DAYS,
    _check_stage,
    _next_due,
)


@transactional
def item_transition(*, actor: User, item: RegisterItem, stage: str, reason: str = "") -> RegisterItem:
    """Move a register item to another stage (promotion has its own step)."""
    require_object(actor, "change", item)
    if stage == RegisterStage.PROMOTED:
        raise ValidationError({"stage": "Promotion is its own step."})
    _check_stage(item, stage)
    return update_audited(
        item,
        actor=actor,
        fields={"stage": stage},
        reason=reason,
        verb=AuditVerb(f"{item._meta.model_name}_transition"),
        action=AuditAction.TRANSITION,
    )


@transactional
def item_review(
    *, actor: User, item: RegisterItem, notes: str = "", today: dt.date | None = None
) -> RegisterItem:
    """Record that an item was reviewed today: the next review moves by its cadence and open review tasks close."""
    if not (
        actor.has_perm("registers.manage_registers")
        or type(item)._default_manager.restrict(actor, "change").filter(pk=item.pk).exists()
    ):
        raise PermissionDenied(f"You may not review {item._meta.verbose_name} “{item}”.")
    today = today or timezone.localdate()
    item.last_reviewed_on = today
    item = update_audited(
        item,
        actor=actor,
        fields={"last_reviewed_on": today, "next_review_due": _next_due(item)},
        reason=notes,
        verb=AuditVerb(f"{item._meta.model_name}_review"),
    )
    now = timezone.now()
    for task in ReviewTask.objects.filter(
        register=KIND_OF[type(item)], object_id=item.pk, review_state=ReviewState.OPEN
    ):
        if ReviewState.DONE in REVIEW_TRANSITIONS[task.review_state]:
            update_audited(
                task,
                actor=actor,
                fields={"review_state": ReviewState.DONE, "completed_at": now},
                verb=AuditVerb.REVIEWTASK_COMPLETE,
            )
    return item


def _assignee(item: RegisterItem) -> User | None:
    owner = item.owner
    if owner is not None and owner.is_active:
        return owner
    team = item.owner_team if item.owner_team_id else None
    return team.lead if team is not None else None


def reviews_schedule(*, today: dt.date | None = None, lead_days: int = REVIEW_LEAD_DAYS) -> dict[str, int]:
    """Create one review task (and notify its assignee) for every active item due within `lead_days` or
    overdue, unless a task for that item and due date exists already. Run by the periodic task; running it
    again creates nothing (the unique constraint guards against two workers at once)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=lead_days)
    created: dict[str, int] = {}
    for model, kind in KIND_OF.items():
        existing = ReviewTask.objects.filter(
            register=kind, object_id=OuterRef("pk"), due_on=OuterRef("next_review_due")
        )
        due = (
            model.objects.filter(next_review_due__lte=horizon)
            .filter(
                stage__in=[
                    s
                    for s in RegisterStage.values
                    if s not in (RegisterStage.PROPOSED, RegisterStage.RETIRED)
                ]
            )
            .exclude(Exists(existing))
            .select_related("owner", "owner_team__lead")
        )
        created[kind] = 0
        for item in due:
            due_on = item.next_review_due
            assert due_on is not None  # the query keeps items whose next review is due
            try:
                with write():
                    task = create_audited(
                        ReviewTask(
                            register=kind,
                            object_id=item.pk,
                            item_name=item.name,
                            item_url=item.get_absolute_url(),
                            assignee=_assignee(item),
                            due_on=due_on,
                        ),
                        actor=None,
                        reason="review due",
                        verb=AuditVerb.REVIEWTASK_CREATE,
                    )
                    if task.assignee:
                        state = "overdue" if task.due_on < today else "due"
                        notify(
                            recipients=[task.assignee],
                            kind=NotificationKind.REVIEW_DUE,
                            obj=item,
                            subject=f"Review {state}: {item.name} ({item._meta.verbose_name})",
                            body=f"The {item._meta.verbose_name} “{item.name}” is due for review on {task.due_on:%d %b %Y}.",
                            url=task.item_url,
                        )
            except (IntegrityError, ValidationError):
                continue  # another worker created it first
            created[kind] += 1
    return created

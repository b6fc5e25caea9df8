"""Background tasks of the registers: the daily review check (review tasks and notifications, once only)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from bimodal.core.tasks import enqueue_once
from bimodal.registers.services import reviews_schedule

CHECK_EVERY = timedelta(hours=6)


@task()
def review_check_task(reschedule: bool = True) -> dict:
    """Create review tasks for due and overdue register items (once per item and due date); reschedule."""

    result = reviews_schedule()
    if reschedule:
        enqueue_once(review_check_task.using(run_after=timezone.now() + CHECK_EVERY), True, next_run=True)
    return result


def ensure_periodic_review_check() -> None:
    """Enqueue the review check unless one is already waiting (restarted workers do not pile them up)."""
    enqueue_once(review_check_task, True)

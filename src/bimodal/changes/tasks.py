"""Background tasks of the changes app: the periodic review of the standard-change catalogue, and the
release trains kept a year ahead."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from bimodal.changes.services import release_trains_extend, templates_review
from bimodal.core.tasks import enqueue_once

REVIEW_EVERY = timedelta(days=1)


@task()
def template_review_task(reschedule: bool = True) -> dict[str, int]:
    """Suspend standard-change templates whose changes fail above the threshold (their owners are
    notified); reschedule."""
    result = templates_review()
    if reschedule:
        enqueue_once(template_review_task.using(run_after=timezone.now() + REVIEW_EVERY), True, next_run=True)
    return result


def ensure_periodic_template_review() -> None:
    """Enqueue the catalogue review unless one is already waiting (restarted workers do not pile them up)."""
    enqueue_once(template_review_task, True)


TRAINS_EVERY = timedelta(days=1)


@task()
def release_trains_task(reschedule: bool = True) -> int:
    """Extend every mode's release train to the horizon; reschedule. Returns the releases created."""
    created = release_trains_extend()
    if reschedule:
        enqueue_once(release_trains_task.using(run_after=timezone.now() + TRAINS_EVERY), True, next_run=True)
    return created


def ensure_periodic_release_trains() -> None:
    """Enqueue the train extension unless one is already waiting."""
    enqueue_once(release_trains_task, True)

"""Helpers for background tasks (Django Tasks with the database backend)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_tasks.base import Task


def enqueue_once(task: Task[..., Any], *args: Any) -> bool:
    """Queue `task(*args)` unless a run of it is already waiting; True when queued.

    Periodic tasks re-queue themselves after each run; this starts the cycle without piling up runs
    when workers restart."""
    from django_tasks_db.models import DBTaskResult

    path = f"{task.func.__module__}.{task.func.__name__}"
    if DBTaskResult.objects.filter(task_path=path, status="READY").exists():
        return False
    task.enqueue(*args)
    return True

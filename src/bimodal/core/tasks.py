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


# --- leases: a task whose worker died is queued again ------------------------------------------------


def heartbeat(worker_id: str) -> None:
    """Renew `worker_id`'s lease (one row per worker, written every lease/3 seconds)."""
    from django.utils import timezone

    from bimodal.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": timezone.now()})


def recover_stale(lease_seconds: int | None = None) -> list[str]:
    """Queue again every RUNNING task whose worker's lease ran out (the worker was killed, or its machine
    lost); return their ids. A task's writes are in its own transactions, so a task killed mid-run left
    nothing of its unfinished transaction: running it again gives its effect once."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from bimodal.core.models import WorkerHeartbeat
    from bimodal.core.services import write

    lease = timedelta(seconds=lease_seconds or settings.BIMODAL_TASK_LEASE_SECONDS)
    cutoff = timezone.now() - lease
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    recovered: list[str] = []
    with write():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status="RUNNING", started_at__lt=cutoff
        )
        for result in running:
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            result.status = "READY"
            result.started_at = None
            result.save(update_fields=["status", "started_at"])
            recovered.append(str(result.id))
    WorkerHeartbeat.objects.filter(seen_at__lt=cutoff - lease).delete()  # long-gone workers
    return recovered

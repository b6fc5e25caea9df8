"""Helpers for background tasks (Django Tasks with the database backend)."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from django.db import connection

from bimodal.core.services import write

if TYPE_CHECKING:
    from django_tasks.base import Task


def enqueue_once(task: Task[..., Any], *args: Any, next_run: bool = False) -> bool:
    """Queue `task(*args)` unless a run of it is already waiting (or running); True when queued.

    Periodic tasks queue their next run at the end of each run (`next_run=True`: only a waiting run
    counts then, the caller's own run is the running one); workers call it at start to begin the cycle.
    Several workers and web processes share one database, so the look and the insert are one step: a
    transaction-scoped advisory lock per task on PostgreSQL (SQLite's write transactions are serial
    already). Without it, two workers starting together would both queue a run, and each run would
    queue its own next one: two chains, every periodic task twice per period for ever."""
    from django_tasks_db.models import DBTaskResult

    path = f"{task.func.__module__}.{task.func.__name__}"
    statuses = ["READY"] if next_run else ["READY", "RUNNING"]
    with write():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, _lock_key(path)])
        if DBTaskResult.objects.filter(task_path=path, status__in=statuses).exists():
            return False
        task.enqueue(*args)
    return True


_LOCK_SPACE = 0x626D  # "bm": the first key of Bimodal's advisory locks on tasks


def _lock_key(path: str) -> int:
    """A stable signed 32-bit key for `path` (advisory locks take two int4 keys)."""
    return zlib.crc32(path.encode()) - 2**31


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

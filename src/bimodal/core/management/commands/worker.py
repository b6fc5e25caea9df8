"""`bimodal worker`: the one worker command. Runs queued tasks AND schedules the periodic ones (SLA clocks,
escalations, notifications, drift detection, register reviews, contract renewals), holds a lease that it
renews while it lives, and queues again the tasks of workers whose lease ran out (killed mid-task)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker

from bimodal.core import tasks

logger = logging.getLogger("bimodal.worker")

# Each periodic task re-queues itself when it runs; these make sure one run of each is waiting.
PERIODIC = (
    "bimodal.servicedesk.tasks.ensure_periodic_check",
    "bimodal.servicedesk.tasks.ensure_periodic_digest",
    "bimodal.servicedesk.tasks.ensure_periodic_mail_in",
    "bimodal.portfolio.tasks.ensure_periodic_drift_check",
    "bimodal.registers.tasks.ensure_periodic_review_check",
    "bimodal.suppliers.tasks.ensure_periodic_renewal_check",
    "bimodal.changes.tasks.ensure_periodic_template_review",
    "bimodal.changes.tasks.ensure_periodic_release_trains",
)


class _Lease(threading.Thread):
    """Renews the worker's lease every lease/3 seconds and recovers the tasks of dead workers."""

    def __init__(self, worker_id: str, lease: int) -> None:
        super().__init__(name="bimodal-lease", daemon=True)
        self.worker_id, self.lease = worker_id, lease
        self.stopped = threading.Event()

    def beat(self) -> None:
        try:
            tasks.heartbeat(self.worker_id)
            recovered = tasks.recover_stale(self.lease)
            if recovered:
                logger.warning("Queued again %d task(s) of dead workers: %s", len(recovered), recovered)
        except DatabaseError:  # the database is busy (SQLite's lock) or away: next beat
            logger.info("Lease renewal postponed", exc_info=True)
        finally:
            close_old_connections()

    def run(self) -> None:
        while not self.stopped.wait(max(self.lease / 3, 0.5)):
            self.beat()
        connection.close()


class Command(BaseCommand):
    """Run the background worker: periodic tasks scheduled, queued tasks run, dead workers' tasks recovered."""

    help = "Run the background worker: queued and periodic tasks (the one worker command)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run the outstanding tasks, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--queue-name", default="*", help="Queues to work (comma-separated, * = all).")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default="", help="Name of this worker (default: random).")
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not schedule the periodic tasks (SLA check, drift detection, reviews of registers and standard changes).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or get_random_string(32)
        lease = settings.BIMODAL_TASK_LEASE_SECONDS
        tasks.heartbeat(worker_id)
        recovered = tasks.recover_stale(lease)
        if recovered:
            self.stderr.write(f"Queued again {len(recovered)} task(s) of dead workers.")
        if not options["no_periodic"]:
            for path in PERIODIC:
                import_string(path)()
        keeper = _Lease(worker_id, lease)
        keeper.start()
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            keeper.stopped.set()
            worker.reset_signals()

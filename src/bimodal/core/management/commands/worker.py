"""`bimodal worker`: run background tasks (SLA clocks, escalations, notifications) from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

# Each periodic task re-queues itself when it runs; these make sure one run of each is waiting.
PERIODIC = (
    "bimodal.servicedesk.tasks.ensure_periodic_check",
    "bimodal.portfolio.tasks.ensure_periodic_drift_check",
    "bimodal.registers.tasks.ensure_periodic_review_check",
    "bimodal.suppliers.tasks.ensure_periodic_renewal_check",
    "bimodal.changes.tasks.ensure_periodic_template_review",
)


class Command(BaseCommand):
    """Wraps django_tasks_db's `db_worker`; first schedules the periodic tasks (SLA check, drift detection, register reviews, standard-change review)."""

    help = "Run the background worker (django-tasks database backend)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run the outstanding tasks, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--queue-name", default="*", help="Queues to work (comma-separated, * = all).")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Do not schedule the periodic tasks (SLA check, drift detection, reviews of registers and standard changes).",
        )

    def handle(
        self,
        *args: Any,
        batch: bool = False,
        interval: float = 1.0,
        queue_name: str = "*",
        max_tasks: int | None = None,
        **options: Any,
    ) -> None:
        if not options["no_periodic"]:
            for path in PERIODIC:
                import_string(path)()
        kwargs: dict[str, Any] = {"queue_name": queue_name, "interval": interval, "no_startup_delay": True}
        if batch:
            kwargs["batch"] = True
        if max_tasks:
            kwargs["max_tasks"] = max_tasks
        call_command("db_worker", **kwargs, verbosity=options.get("verbosity", 1))

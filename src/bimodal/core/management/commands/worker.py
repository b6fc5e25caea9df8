"""`bimodal worker`: run background tasks (SLA clocks, escalations, notifications) from the database queue."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Wraps django_tasks_db's `db_worker`; first schedules the periodic SLA check so clocks keep moving."""

    help = "Run the background worker (django-tasks database backend)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the outstanding tasks, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--queue-name", default="*", help="Queues to work (comma-separated, * = all).")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument(
            "--no-periodic", action="store_true", help="Do not schedule the periodic SLA check."
        )

    def handle(self, *args, batch=False, interval=1.0, queue_name="*", max_tasks=None, **options):
        if not options["no_periodic"]:
            from bimodal.servicedesk.tasks import ensure_periodic_check

            ensure_periodic_check()
        kwargs = {"queue_name": queue_name, "interval": interval, "no_startup_delay": True}
        if batch:
            kwargs["batch"] = True
        if max_tasks:
            kwargs["max_tasks"] = max_tasks
        call_command("db_worker", **kwargs, verbosity=options.get("verbosity", 1))

"""Background tasks of the service desk: the periodic SLA check (clocks, warnings, breaches)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from bimodal.core.tasks import enqueue_once
from bimodal.servicedesk.services import sla_check

CHECK_EVERY = timedelta(seconds=60)


@task()
def sla_check_task(reschedule: bool = True) -> dict:
    """Recompute running SLA clocks and raise due escalations; then schedule the next run."""

    result = sla_check()
    if reschedule:
        sla_check_task.using(run_after=timezone.now() + CHECK_EVERY).enqueue(True)
    return result


def ensure_periodic_check() -> None:
    """Enqueue the SLA check unless one is already waiting (so restarted workers do not pile them up)."""
    enqueue_once(sla_check_task, True)

"""Background tasks of the suppliers app: the daily contract renewal reminders (and expiry)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from bimodal.core.tasks import enqueue_once
from bimodal.suppliers.services import contract_send_renewal_reminders

CHECK_EVERY = timedelta(hours=6)


@task()
def renewal_check_task(reschedule: bool = True) -> dict:
    """Send due renewal reminders (once per contract term) and expire ended contracts; then reschedule."""

    result = contract_send_renewal_reminders()
    if reschedule:
        enqueue_once(renewal_check_task.using(run_after=timezone.now() + CHECK_EVERY), True, next_run=True)
    return result


def ensure_periodic_renewal_check() -> None:
    """Enqueue the renewal check unless one is already waiting."""
    enqueue_once(renewal_check_task, True)

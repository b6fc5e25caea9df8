"""Background tasks of the service desk: the periodic SLA check (clocks, warnings, breaches) and the daily
notification digest."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from bimodal.core.services import notification_send_digests
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


DIGEST_AT = time(7, 0)  # in the organisation's time zone (settings.TIME_ZONE)


def next_digest_at(now: datetime) -> datetime:
    """The next DIGEST_AT after `now`, in the organisation's time zone (a DST change moves it in UTC)."""
    local = timezone.localtime(now)
    day = local.date() if local.time() < DIGEST_AT else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, DIGEST_AT))


@task()
def notification_digest_task(reschedule: bool = True) -> dict:
    """Send each person their daily digest of the notifications queued for it; then schedule the next day's."""

    result = {"sent": notification_send_digests()}
    if reschedule:
        notification_digest_task.using(run_after=next_digest_at(timezone.now())).enqueue(True)
    return result


def ensure_periodic_digest() -> None:
    """Enqueue the daily digest (at the next DIGEST_AT) unless one is already waiting."""
    enqueue_once(notification_digest_task.using(run_after=next_digest_at(timezone.now())), True)

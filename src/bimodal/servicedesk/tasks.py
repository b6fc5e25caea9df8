"""Background tasks of the service desk: the periodic SLA check (clocks, warnings, breaches), the daily
notification digest and, when an IMAP mailbox is set, reading the desk's email."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from bimodal.core.services import notification_send_digests
from bimodal.core.tasks import enqueue_once
from bimodal.servicedesk.mailboxes import MailboxError, read_imap
from bimodal.servicedesk.services import sla_check

log = logging.getLogger(__name__)

# How often the SLA check runs (clocks, warnings, escalations); shorter only in tests of the schedule.
CHECK_EVERY = timedelta(seconds=settings.BIMODAL_SLA_CHECK_SECONDS)


@task()
def sla_check_task(reschedule: bool = True) -> dict:
    """Recompute running SLA clocks and raise due escalations; then schedule the next run."""

    result = sla_check()
    if reschedule:
        enqueue_once(sla_check_task.using(run_after=timezone.now() + CHECK_EVERY), True, next_run=True)
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
        enqueue_once(
            notification_digest_task.using(run_after=next_digest_at(timezone.now())), True, next_run=True
        )
    return result


def ensure_periodic_digest() -> None:
    """Enqueue the daily digest (at the next DIGEST_AT) unless one is already waiting."""
    enqueue_once(notification_digest_task.using(run_after=next_digest_at(timezone.now())), True)


MAIL_EVERY = timedelta(seconds=60)


@task()
def mail_in_task(reschedule: bool = True) -> dict:
    """Read the desk's IMAP mailbox (as `bimodal mail-in --imap`) while BIMODAL_IMAP_HOST is set; then
    schedule the next read. A mailbox that cannot be read is logged and tried again at the next read."""
    if not settings.BIMODAL_IMAP_HOST:
        return {"summary": "BIMODAL_IMAP_HOST is not set"}
    try:
        result = {
            "summary": read_imap(
                host=settings.BIMODAL_IMAP_HOST,
                port=settings.BIMODAL_IMAP_PORT,
                user=settings.BIMODAL_IMAP_USER,
                password=settings.BIMODAL_IMAP_PASSWORD,
                folder=settings.BIMODAL_IMAP_FOLDER,
                ssl=settings.BIMODAL_IMAP_SSL,
            ).line()
        }
    except MailboxError as exc:
        log.warning("The desk's mailbox could not be read: %s", exc)
        result = {"error": str(exc)}
    if reschedule:
        enqueue_once(mail_in_task.using(run_after=timezone.now() + MAIL_EVERY), True, next_run=True)
    return result


def ensure_periodic_mail_in() -> None:
    """Enqueue the mailbox read when BIMODAL_IMAP_HOST is set, unless one is already waiting."""
    if settings.BIMODAL_IMAP_HOST:
        enqueue_once(mail_in_task, True)

"""Background tasks of the portfolio (Django Tasks, database backend)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from bimodal.core.tasks import enqueue_once
from bimodal.portfolio.services import drift_detect

DRIFT_EVERY = timedelta(hours=6)


@task()
def detect_drift(reschedule: bool = False) -> int:
    """Drift detection: opens proposals for drifted services; returns how many were opened.

    With `reschedule` (how the worker queues it) the next run is queued DRIFT_EVERY later, the way the
    service desk's SLA check keeps itself going. A service with an open proposal gets no second one."""

    opened = sum(1 for finding in drift_detect() if finding["proposal"])
    if reschedule:
        enqueue_once(detect_drift.using(run_after=timezone.now() + DRIFT_EVERY), True, next_run=True)
    return opened


def ensure_periodic_drift_check() -> None:
    """Queue drift detection unless a run is already waiting (restarted workers do not pile them up)."""
    enqueue_once(detect_drift, True)

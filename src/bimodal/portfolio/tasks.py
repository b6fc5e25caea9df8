"""Background tasks of the portfolio (Django Tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from bimodal.portfolio.services import drift_detect


@task()
def detect_drift() -> int:
    """Scheduled drift detection: opens proposals for drifted services; returns how many were opened."""
    return sum(1 for finding in drift_detect() if finding["proposal"])

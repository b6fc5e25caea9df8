"""Scheduled drift detection: the worker queues it once, it re-queues itself and opens no duplicates."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from bimodal.portfolio.models import ReclassificationProposal
from bimodal.portfolio.tasks import detect_drift, ensure_periodic_drift_check
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db

DRIFT_PATH = "bimodal.portfolio.tasks.detect_drift"


def _drifted():
    # A Mode 2 service whose attributes say Mode 1 clearly: tier 0, mainframe, four regulations.
    from bimodal.portfolio.models import RegulatoryTag

    service = ServiceFactory(mode=mode("mode-2"), criticality=0, hosting="mainframe")
    service.regulatory_tags.set([RegulatoryTag.objects.create(name=f"Reg {i}") for i in range(4)])
    return service


def test_drift_check_is_queued_once():
    ensure_periodic_drift_check()
    ensure_periodic_drift_check()  # a restarted worker does not pile up runs
    assert DBTaskResult.objects.filter(task_path=DRIFT_PATH, status="READY").count() == 1


def test_task_reschedules_itself_and_is_idempotent():
    service = _drifted()
    assert detect_drift.call(True) == 1
    waiting = DBTaskResult.objects.filter(task_path=DRIFT_PATH, status="READY")
    assert waiting.count() == 1 and waiting.get().run_after is not None
    assert detect_drift.call(False) == 0  # the open proposal is not opened twice
    assert ReclassificationProposal.objects.filter(service=service, status="open").count() == 1
    assert waiting.count() == 1  # only a rescheduling run queues the next one


# The worker recycles connections that are not in autocommit mode (see servicedesk/tests/test_tasks.py).
@pytest.mark.django_db(transaction=True)
def test_worker_queues_and_runs_drift_detection():
    service = _drifted()
    call_command("worker", "--batch", verbosity=0)
    done = DBTaskResult.objects.filter(task_path=DRIFT_PATH, status="SUCCESSFUL")
    assert done.count() == 1
    assert (
        ReclassificationProposal.objects.filter(service=service, status="open", source="drift").count() == 1
    )
    # The run re-queued itself for later; a second worker start adds no second waiting run.
    call_command("worker", "--batch", verbosity=0)
    assert DBTaskResult.objects.filter(task_path=DRIFT_PATH, status="READY").count() == 1
    assert ReclassificationProposal.objects.filter(service=service).count() == 1

"""The periodic SLA task and `bimodal worker`."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from bimodal.servicedesk.tasks import ensure_periodic_check, sla_check_task

pytestmark = pytest.mark.django_db


def test_periodic_check_is_enqueued_once():
    ensure_periodic_check()
    ensure_periodic_check()  # a restarted worker does not pile up checks
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_running_check_is_not_doubled_by_a_worker_starting_but_queues_its_own_next_run():
    ensure_periodic_check()
    DBTaskResult.objects.update(status="RUNNING")  # another worker is running it now
    ensure_periodic_check()  # this worker starts: the running one will queue the next run
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    sla_check_task.call(True)  # the running check ends and queues its next run, once
    sla_check_task.call(True)  # a second chain would queue another: it finds the waiting run
    assert DBTaskResult.objects.filter(status="READY").count() == 1


# The worker recycles connections that are not in autocommit mode; inside a test transaction that would close
# the test's own connection on PostgreSQL, so this test runs with real commits.
@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_check_in_batch_mode():
    call_command("worker", "--batch", verbosity=0)
    # Every periodic task (SLA check, drift detection, register reviews) ran once and queued its next run.
    for path in (
        "bimodal.servicedesk.tasks.sla_check_task",
        "bimodal.portfolio.tasks.detect_drift",
        "bimodal.registers.tasks.review_check_task",
    ):
        assert DBTaskResult.objects.filter(task_path=path, status="SUCCESSFUL").count() == 1, path
        assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1, path


def test_task_body_without_reschedule():
    assert sla_check_task.call(False) == {"running": 0, "breached": 0, "escalations": 0}

"""The periodic review check is queued once, and running it creates review tasks once."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from bimodal.registers.models import ReviewTask
from bimodal.registers.tasks import ensure_periodic_review_check, review_check_task
from bimodal.registers.tests.factories import LowCodeAppFactory

pytestmark = pytest.mark.django_db


def test_periodic_check_is_queued_once():
    ensure_periodic_review_check()
    ensure_periodic_review_check()
    path = f"{review_check_task.func.__module__}.{review_check_task.func.__name__}"
    assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1


def test_running_the_check_twice_creates_one_task():
    LowCodeAppFactory(next_review_due=dt.date(2020, 1, 1))
    assert review_check_task.func(reschedule=False) == {"low_code": 1, "ai": 0, "cloud": 0}
    assert review_check_task.func(reschedule=False) == {"low_code": 0, "ai": 0, "cloud": 0}
    assert ReviewTask.objects.count() == 1

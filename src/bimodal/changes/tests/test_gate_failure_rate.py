"""The gate's failure rate: the window's finished changes only, read through the partial index."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from bimodal.changes import selectors
from bimodal.changes.models import Change, PipelineToken
from bimodal.changes.tests.test_api import token  # noqa: F401 (fixture)

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)


def _change(estate, service, result: str, *, age_days: float = 1) -> Change:
    change = Change.objects.create(reference=f"T-{Change.objects.count()}", title="t", requester=estate.admin)
    change.services.add(service)
    # Set directly: updated_at is what the window reads, and auto_now would put it at the frozen now.
    Change.objects.filter(pk=change.pk).update(result=result, updated_at=NOW - timedelta(days=age_days))
    return change


def _history(estate) -> None:
    for result in ("completed", "completed", "failed", "backed_out", "", "", ""):
        _change(estate, estate.app, result)
    _change(estate, estate.app, "failed", age_days=selectors.FAILURE_RATE_DAYS + 1)  # outside the window
    _change(estate, estate.app, "completed", age_days=selectors.FAILURE_RATE_DAYS - 0.01)  # just inside
    _change(estate, estate.core, "failed")  # another service's


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_gates_failure_rate_is_the_services(estate, token):  # noqa: F811
    """On PostgreSQL the 2³² factor was bound as a 4-byte integer (Django binds an IntegerField value as
    Int4) and wrapped to 0, so the gate saw a failure rate of 0 whatever the history."""
    _history(estate)
    now = timezone.now()
    _, facts = selectors.gate_facts(estate.app, token=PipelineToken.objects.get(), start=now, end=now)
    assert facts["failure_rate"] == pytest.approx(2 / 5) == selectors.failure_rate([estate.app])


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_failure_rate_counts_the_windows_finished_changes_of_the_service(estate, token):  # noqa: F811
    _history(estate)
    now = timezone.now()
    assert selectors.failure_rate([estate.app]) == pytest.approx(2 / 5)
    assert selectors.change_facts([estate.app], now, now)["failure_rate"] == pytest.approx(2 / 5)
    # Two services: a change of both counts once.
    both = _change(estate, estate.core, "failed")
    both.services.add(estate.app)
    assert selectors.change_facts([estate.app, estate.core], now, now)["failure_rate"] == pytest.approx(
        selectors.failure_rate([estate.app, estate.core])
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_facts_querys_generic_plan_reads_the_finished_changes_index(estate, token):  # noqa: F811
    """A prepared statement's generic plan (the gate's) can use the partial index only because the
    finished results are written into the SQL: a service's open deployments are then never read."""
    sql, params, slots, _ = selectors._gate_facts._compiled(connection)
    now = timezone.now()
    values = dict(
        service=estate.app.pk, mode=estate.app.mode_id, token=0, since=now - timedelta(days=90),
        start=now, end=now, day=now.date(), key="k",
    )  # fmt: skip
    params = list(params)
    for i, name in slots:
        params[i] = values[name]
    numbered = sql
    for n in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    with connection.cursor() as cursor:
        cursor.execute("PREPARE facts_plan AS " + numbered.replace("%%", "%"))
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"EXPLAIN EXECUTE facts_plan({', '.join(['%s'] * len(params))})", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE facts_plan")
    assert "change_finished_idx" in plan

"""The periodic SLA check meets a clock row that a request holds: it waits no longer than its short lock
timeout, writes the batch again skipping that row, and leaves the clock for the next run."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction

from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import SlaInstance
from bimodal.servicedesk.tests.factories import SlaDefinitionFactory
from tests.concurrency.conftest import postgresql_only

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

LONDON = ZoneInfo("Europe/London")
H = 3600


def test_the_check_skips_a_clock_a_request_holds_and_writes_the_others():
    SlaDefinitionFactory(target_seconds=8 * H, warning_thresholds=[])
    agent = UserFactory(username="agent", roles=["service_desk_agent"])
    desk = TeamFactory(slug="desk", name="Desk")
    desk.members.add(agent)
    service = ServiceFactory(mode=mode("mode-2"), lifecycle="live")
    opened = datetime(2025, 3, 4, 9, tzinfo=LONDON)
    for _ in range(3):
        sd.ticket_create(
            actor=agent,
            ticket_type="incident",
            title="Down",
            service=service,
            assignment_group=desk,
            opened_at=opened,
        )
    held = SlaInstance.objects.order_by("id")[1]
    locked, release = threading.Event(), threading.Event()

    def request_holding_the_row() -> None:
        try:
            with transaction.atomic():
                SlaInstance.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=request_holding_the_row)
    thread.start()
    try:
        assert locked.wait(30)
        started = time.monotonic()
        result = sd.sla_check(now=datetime(2025, 3, 4, 11, tzinfo=LONDON))
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert result == {"running": 3, "breached": 0, "escalations": 0}
    assert waited < 5  # the lock timeout, not the request's 30 s
    written = dict(SlaInstance.objects.values_list("pk", "computed_elapsed"))
    assert written.pop(held.pk) == 0
    assert set(written.values()) == {2 * H}
    # The next run writes it.
    sd.sla_check(now=datetime(2025, 3, 4, 11, 1, tzinfo=LONDON))
    assert SlaInstance.objects.get(pk=held.pk).computed_elapsed == 2 * H + 60

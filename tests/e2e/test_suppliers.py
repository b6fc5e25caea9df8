"""A supplier agent sees only their supplier's queue, resolves a ticket, and the scorecard updates."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bimodal.servicedesk import services as sd
from bimodal.suppliers.tests.factories import two_suppliers


@pytest.fixture
def world(transactional_db, make_user):
    w = two_suppliers(make_user)
    w["ta"] = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Alpha storage alert",
        service=w["sa"],
        assignment_group=w["desk"],
    )
    sd.ticket_assign(actor=w["agent"], ticket=w["ta"], group=w["qa"])
    w["tb"] = sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Beta network alert",
        service=w["sb"],
        assignment_group=w["qb"],
    )
    return w


def test_supplier_agent_resolves_from_their_queue_and_scorecard_updates(page, login, world):
    ta, tb = world["ta"], world["tb"]
    login(world["agent_a"])
    page.goto("/servicedesk/")
    table = page.get_by_test_id("ticket-table")
    expect(table).to_contain_text(ta.number)
    expect(table).not_to_contain_text(tb.number)

    today = timezone.localdate()
    scorecard = f"/suppliers/alpha/scorecard/?start={today - timedelta(days=30)}&end={today}"
    page.goto(scorecard)
    expect(page.get_by_test_id("kpi-received")).to_have_text("1")
    expect(page.get_by_test_id("kpi-resolved")).to_have_text("0")

    page.goto("/servicedesk/")
    page.get_by_role("link", name=ta.number).click()
    page.select_option("#id_status", "in_progress")
    page.click("[data-testid=transition-form] button[type=submit]")
    expect(page.get_by_test_id("ticket-status")).to_have_text("In progress")
    page.select_option("#id_status", "resolved")
    page.fill("#id_resolution", "Replaced the failed disk")
    page.click("[data-testid=transition-form] button[type=submit]")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("timeline")).to_contain_text("Alpha Resolution SLA met")

    page.goto(scorecard)
    expect(page.get_by_test_id("kpi-resolved")).to_have_text("1")
    expect(page.get_by_test_id("kpi-response")).to_have_text("100%")
    expect(page.get_by_test_id("kpi-resolution")).to_have_text("100%")
    expect(page.get_by_test_id("row-P4-resolution")).to_contain_text("1")

    # Nothing of the other supplier is reachable.
    assert page.goto("/suppliers/beta/scorecard/").status == 404
    assert page.goto(f"/servicedesk/tickets/{tb.number}/").status == 404

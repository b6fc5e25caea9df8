"""A requester submits an HR request in the portal, an agent works it, the SLA panel shows it met."""

import re

import pytest
from playwright.sync_api import expect

from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.servicedesk.models import SupportSchedule
from bimodal.servicedesk.tests.factories import CatalogueItemFactory, SlaDefinitionFactory


@pytest.fixture
def desk(transactional_db):
    agent = UserFactory(username="sam", roles=["service_desk_agent"])
    team = TeamFactory(name="HR Operations", slug="hr-ops")
    team.members.add(agent)
    item = CatalogueItemFactory(
        name="Update my bank details", slug="bank-details", fulfilment_group=team, task_templates=[]
    )
    always = SupportSchedule.objects.create(name="24x7", slug="24x7", always_on=True)
    SlaDefinitionFactory(
        ticket_type="request", target="resolution", target_seconds=5 * 86400, schedule=always
    )
    return {"agent": agent, "item": item}


def test_requester_submits_agent_resolves_sla_met(page, login, desk, browser):
    rita = UserFactory(username="rita", roles=["requester"])
    login(rita)
    page.goto("/servicedesk/")
    expect(page.get_by_test_id("catalogue")).to_contain_text("Update my bank details")
    page.get_by_role("link", name="Update my bank details").click()
    page.fill("#id_sort_code", "12-3456")
    page.click("[data-testid=request-form] button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.fill("#id_sort_code", "12-34-56")
    page.fill("#id_days", "3")
    page.click("[data-testid=request-form] button[type=submit]")
    expect(page.get_by_test_id("ticket-status")).to_have_text("New")
    number = page.get_by_test_id("ticket-title").inner_text().split(" ")[0]
    expect(page.get_by_test_id("sla-state-resolution")).to_have_text(re.compile(r"^\S.* left$"))

    agent_page = browser.new_context(base_url=page.url.split("/servicedesk")[0]).new_page()
    agent_page.goto("/login/")
    agent_page.fill("#id_username", "sam")
    agent_page.fill("#id_password", "pw")
    agent_page.click("button[type=submit]")
    agent_page.goto("/servicedesk/")
    agent_page.get_by_role("link", name=number).click()
    agent_page.select_option("#id_status", "in_progress")
    agent_page.click("[data-testid=transition-form] button[type=submit]")
    expect(agent_page.get_by_test_id("ticket-status")).to_have_text("In progress")
    agent_page.select_option("#id_status", "resolved")
    agent_page.fill("#id_resolution", "Payroll record updated")
    agent_page.click("[data-testid=transition-form] button[type=submit]")
    expect(agent_page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(agent_page.get_by_test_id("sla-state-resolution")).to_have_text(re.compile(r"^met in "))

    page.reload()
    expect(page.get_by_test_id("sla-state-resolution")).to_have_text(re.compile(r"^met in "))
    expect(page.get_by_test_id("timeline")).to_contain_text("Resolution SLA met")

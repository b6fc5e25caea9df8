"""The service picker of the insights pages in a browser: typing asks the server for suggestions (htmx
fills the <datalist>), picking one and pressing Show filters the page by that service."""

from __future__ import annotations

from playwright.sync_api import expect

from bimodal.core.tests.factories import UserFactory
from bimodal.portfolio.tests.factories import ServiceFactory


def test_typing_suggests_matching_services_and_the_choice_filters_the_page(page, login, transactional_db):
    for n in range(30):
        ServiceFactory(name=f"Branch network {n:02d}", slug=f"branch-{n:02d}")
    ServiceFactory(name="Core Ledger", slug="core-ledger")
    login(UserFactory(username="audrey", roles=["auditor"]))
    page.goto("/insights/operations/")
    options = page.locator("#id_service-options option")
    expect(options).to_have_count(0)  # the page carries no list of services
    page.locator("#id_service").press_sequentially("ledg")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "core-ledger")
    page.locator("#id_service").fill("branch")
    expect(options).to_have_count(20)
    page.locator("#id_service").fill("core-ledger")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**service=core-ledger**")
    expect(page.locator("#id_service")).to_have_value("core-ledger")
    expect(page.locator("#id_service-options option")).to_have_text(["Core Ledger"])

"""A person signs in, opens the portfolio, filters by mode and looks at a service's dependencies."""

import re

import pytest
from playwright.sync_api import expect

from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode


@pytest.fixture
def estate(transactional_db):
    """Core banking (Mode 1) used by the mobile app (Mode 2), which the chatbot uses in turn."""
    team = TeamFactory(name="Core Banking Platform", slug="core-banking-platform")
    core = ServiceFactory(
        name="Core Banking", slug="core-banking", mode=mode("mode-1"), owner_team=team, criticality=0
    )
    app = ServiceFactory(
        name="Mobile Banking App", slug="mobile-banking-app", mode=mode("mode-2"), owner_team=team
    )
    bot = ServiceFactory(name="Chatbot", slug="chatbot", mode=mode("mode-2"), owner_team=team, criticality=3)
    ServiceFactory(name="General Ledger", slug="general-ledger", mode=mode("mode-1"), owner_team=team)
    DependencyFactory(source=app, target=core)
    DependencyFactory(source=bot, target=app)
    return {"core": core, "app": app, "bot": bot}


def test_sign_in_filter_by_mode_and_see_dependencies(page, login, estate):
    user = UserFactory(username="carla", roles=["cab_member"])
    login(user)
    expect(page.get_by_test_id("current-user")).to_be_visible()

    page.click("a[data-area=portfolio]")
    table = page.get_by_test_id("service-table")
    expect(table).to_contain_text("Core Banking")
    expect(table).to_contain_text("Mobile Banking App")

    # The filter bar updates the table in place (htmx) and puts the filter in the address bar.
    page.select_option("#id_mode", "mode-2")
    expect(table).not_to_contain_text("General Ledger")
    expect(page).to_have_url(re.compile(r"mode=mode-2"))
    expect(table).to_contain_text("Mobile Banking App")
    expect(table).to_contain_text("Chatbot")
    expect(table).not_to_contain_text("General Ledger")

    page.goto("/portfolio/services/?mode=mode-1")
    expect(table).to_contain_text("General Ledger")
    expect(table).not_to_contain_text("Chatbot")

    page.get_by_role("link", name="Core Banking", exact=True).click()
    expect(page).to_have_url(re.compile(r"/portfolio/services/core-banking/$"))
    expect(page.get_by_test_id("used-by")).to_contain_text("Mobile Banking App")
    # The chatbot depends on core banking only through the app: it is in the blast radius, not a direct user.
    expect(page.get_by_test_id("used-by")).not_to_contain_text("Chatbot")
    expect(page.get_by_test_id("blast-radius")).to_contain_text("Chatbot")

    page.get_by_test_id("used-by").get_by_role("link", name="Mobile Banking App").click()
    expect(page.get_by_test_id("depends-on")).to_contain_text("Core Banking")


def test_anonymous_visitor_is_sent_to_login(page, estate):
    page.goto("/portfolio/services/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.locator("#id_username")).to_be_visible()

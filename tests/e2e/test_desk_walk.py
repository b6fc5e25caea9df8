"""The desk end to end, as its people work it: rita reports an incident, it lands in triage, sam hands it
to the supplier, sunil (the supplier's agent) resolves it, rita rates it, and the rating shows on the
supplier's scorecard and the CIO dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bimodal.servicedesk.models import RoutingRule
from bimodal.suppliers.tests.factories import two_suppliers


@pytest.fixture
def org(transactional_db, make_user):
    w = two_suppliers(make_user)
    RoutingRule.objects.create(name="Triage", order=1000, group=w["desk"])
    w["rita"] = make_user("requester", username="rita")
    w["sam"] = make_user("service_desk_agent", teams=[w["desk"]], username="sam")
    w["sunil"] = make_user("supplier_agent", teams=[w["qa"]], supplier=w["a"], username="sunil")
    return w


@pytest.fixture
def person(browser, live_server):
    """person(username) → a page signed in as that person, in a browser context of their own (closed
    after the test, so no connection to the live server outlives it)."""
    contexts = []

    def _sign_in(username):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        p = context.new_page()
        p.goto("/login/")
        p.fill("#id_username", username)
        p.fill("#id_password", "pw")
        p.click("button[type=submit]")
        p.wait_for_selector("[data-testid=current-user]")
        return p

    yield _sign_in
    for context in contexts:
        context.close()


def test_rita_to_triage_to_sam_to_the_supplier_to_sunil_and_back_to_ritas_rating(page, login, org, person):
    # rita reports an incident on the portal.
    login(org["rita"])
    page.goto("/servicedesk/portal/")
    page.get_by_role("link", name="Report an incident").click()
    page.fill("#id_title", "Storage array unreachable")
    page.select_option("#id_service", str(org["sa"].pk))
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("New")
    number = page.get_by_test_id("ticket-title").inner_text().split(" ")[0]
    # Statuses she may not set are not offered.
    options = page.locator("#id_status option").all_inner_texts()
    assert "Resolved" not in options and "In progress" not in options

    # sam finds it in triage and hands it to Alpha's queue; he still sees it, read only.
    sam = person("sam")
    sam.goto("/servicedesk/?view=triage")
    expect(sam.get_by_test_id("ticket-table")).to_contain_text(number)
    sam.get_by_role("link", name=number).click()
    expect(sam.get_by_test_id("ticket-routing")).to_contain_text("Triage")
    sam.select_option("#id_group", str(org["qa"].pk))
    sam.click("[data-testid=assign-form] button[type=submit]")
    expect(sam.get_by_test_id("handed-over")).to_be_visible()
    sam.goto("/servicedesk/?view=suppliers")
    expect(sam.get_by_test_id("ticket-table")).to_contain_text(number)

    # sunil, Alpha's agent, works and resolves it.
    sunil = person("sunil")
    sunil.goto("/servicedesk/")
    sunil.get_by_role("link", name=number).click()
    sunil.select_option("#id_status", "in_progress")
    sunil.click("[data-testid=transition-form] button[type=submit]")
    expect(sunil.get_by_test_id("ticket-status")).to_have_text("In progress")
    sunil.select_option("#id_status", "resolved")
    sunil.fill("#id_resolution", "Controller failed over; path restored")
    sunil.click("[data-testid=transition-form] button[type=submit]")
    expect(sunil.get_by_test_id("ticket-status")).to_have_text("Resolved")

    # rita is asked how it went, and answers.
    page.goto("/servicedesk/notifications/")
    page.get_by_role("link", name=f"How did we do on {number}?").first.click()
    question = page.get_by_role("group", name="How satisfied are you with the resolution?")
    question.get_by_label("4 — Satisfied").check()
    page.get_by_label("Comment (optional)").fill("Quick once it reached the right people")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_test_id("rating-value")).to_contain_text("4/5 · Satisfied")
    expect(page.get_by_role("button", name="Send rating")).to_have_count(0)  # one answer per ticket

    # The rating shows on Alpha's scorecard and on the CIO dashboard.
    today = timezone.localdate()
    gov = person("gov")
    gov.goto(f"/suppliers/alpha/scorecard/?start={today - timedelta(days=30)}&end={today}")
    expect(gov.get_by_test_id("kpi-csat")).to_contain_text("100")
    gov.goto("/insights/")
    expect(gov.get_by_test_id("csat-kpis")).to_contain_text("100")

"""On a phone (390 × 844) pages fit the screen: no sideways scrolling of the page, the page's main action is on
screen, and the sidebar is an off-canvas menu opened from the top bar. On a desktop the sidebar stays beside
the page."""

import pytest
from playwright.sync_api import expect

from bimodal.changes import services as changes
from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.delivery import services as delivery
from bimodal.delivery.tests.factories import InitiativeFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk import services as servicedesk
from bimodal.servicedesk.tests.factories import CatalogueItemFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LONG_WORD = "x" * 10_000


@pytest.fixture
def estate(transactional_db):
    """A desk agent with a ticket, a requester, a service owner with a draft change and a long-described
    service, and a product team member with a board."""
    sam = UserFactory(username="sam", first_name="Sam", last_name="Whitfield", roles=["service_desk_agent"])
    rita = UserFactory(username="rita", first_name="Rita", roles=["requester"])
    owen = UserFactory(username="owen", first_name="Owen", roles=["service_owner"])
    pat = UserFactory(username="pat", first_name="Pat", roles=["product_team_member"])
    desk = TeamFactory(name="Service desk", slug="desk", members=[sam])
    platform = TeamFactory(name="Core Banking Platform", slug="core-banking-platform", members=[owen])
    core = ServiceFactory(name="Core Banking", slug="core-banking", mode=mode("mode-1"), owner_team=platform)
    long = ServiceFactory(
        name="Payments Switch", slug="payments-switch", owner_team=platform, description=LONG_WORD
    )
    CatalogueItemFactory(name="Update my bank details", slug="bank-details", service=core)
    ticket = servicedesk.ticket_create(
        actor=rita,
        ticket_type="incident",
        title="Statement export fails for accounts opened before the migration",
        service=core,
        assignment_group=desk,
    )
    change = changes.change_create(actor=owen, title="Core banking patch", services=[core])
    squad = TeamFactory(slug="squad", name="Squad", kind="product", members=[pat])
    initiative = InitiativeFactory(name="Instant account opening", team=squad)
    delivery.story_create(actor=pat, initiative=initiative, title="Card freeze", points=3)
    return {
        "sam": sam,
        "rita": rita,
        "owen": owen,
        "pat": pat,
        "ticket": ticket,
        "change": change,
        "initiative": initiative,
        "long": long,
    }


def assert_no_page_scroll(page):
    """The page is no wider than the window: nothing makes the reader scroll sideways."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide in a {widths[1]} px window"


def assert_on_screen(page, locator):
    """The control is shown and, scrolled to, lies wholly within the window's width (not cut off)."""
    expect(locator).to_be_visible()
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_in_viewport(ratio=1)
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0
    assert box["x"] + box["width"] <= page.evaluate("window.innerWidth")


# (user, address of the page, the page's main action)
PAGES = {
    "dashboard": ("sam", lambda e: "/", "role=link[name='Open the portfolio']"),
    "queue": ("sam", lambda e: "/servicedesk/", "[data-testid=new-ticket]"),
    "portal": ("rita", lambda e: "/servicedesk/portal/", "role=link[name='Report an incident']"),
    "ticket": (
        "sam",
        lambda e: f"/servicedesk/tickets/{e['ticket'].number}/",
        "[data-testid=transition-form] button[type=submit]",
    ),
    "change": ("owen", lambda e: f"/changes/{e['change'].reference}/", "[data-testid=step-submit]"),
    "board": (
        "pat",
        lambda e: f"/delivery/initiatives/{e['initiative'].reference}/board/",
        "[data-testid=move-right]",
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_a_phone_with_its_main_action_on_screen(page, login, estate, name):
    user, address, action = PAGES[name]
    page.set_viewport_size(PHONE)
    login(estate[user])
    page.goto(address(estate))
    page.wait_for_load_state("load")
    assert_no_page_scroll(page)
    assert_on_screen(page, page.locator(action).first)
    expect(page.locator("#bm-sidebar")).to_be_hidden()


def test_phone_menu_opens_from_the_top_bar_and_its_links_work(page, login, estate):
    page.set_viewport_size(PHONE)
    login(estate["sam"])
    page.goto("/servicedesk/")
    page.wait_for_load_state("load")
    toggle = page.get_by_role("button", name="Open the main menu")
    menu = page.locator("#bm-sidebar")
    expect(toggle).to_have_attribute("aria-controls", "bm-sidebar")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    toggle.click()
    expect(menu).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.locator("a[data-area=servicedesk]")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Close the menu").click()
    expect(menu).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()
    menu.get_by_role("link", name="Changes & deployments").click()
    page.wait_for_url("**/changes/")
    expect(page.locator("#bm-sidebar a[data-area=changes]")).to_have_attribute("aria-current", "page")
    expect(page.locator("#bm-sidebar")).to_be_hidden()
    assert_no_page_scroll(page)


def test_desktop_keeps_the_sidebar_beside_the_page(page, login, estate):
    page.set_viewport_size(DESKTOP)
    login(estate["sam"])
    page.goto("/servicedesk/")
    sidebar = page.locator("#bm-sidebar")
    expect(sidebar).to_be_visible()
    expect(page.get_by_test_id("menu-toggle")).to_be_hidden()
    side = sidebar.bounding_box()
    main = page.locator("#content").bounding_box()
    assert side is not None and main is not None
    assert side["x"] == 0 and side["width"] == 232
    assert main["x"] >= side["width"]
    assert_no_page_scroll(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_10000_character_word_in_a_description_does_not_widen_the_service_page(
    page, login, estate, viewport
):
    page.set_viewport_size(viewport)
    login(estate["owen"])
    page.goto(f"/portfolio/services/{estate['long'].slug}/")
    expect(page.get_by_test_id("service-name")).to_have_text("Payments Switch")
    assert_no_page_scroll(page)
    edit = page.get_by_test_id("edit-service")
    if viewport is DESKTOP:
        # Beside the description, at the top of the page: on screen without scrolling.
        expect(edit).to_be_in_viewport(ratio=1)
    assert_on_screen(page, edit)
    assert_on_screen(page, page.get_by_test_id("assess-service"))

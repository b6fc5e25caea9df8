"""A demand item is scored, approved at a portfolio board meeting into an agile initiative, and shows in
the portfolio view with its budget."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory, UserFactory
from bimodal.governance import services as governance
from bimodal.governance.models import Forum
from bimodal.portfolio.tests.factories import mode


@pytest.fixture
def estate(transactional_db):
    rita = UserFactory(username="rita", first_name="Rita", roles=["requester"])
    gloria = UserFactory(username="gloria", first_name="Gloria", roles=["governance_lead"])
    carla = UserFactory(username="carla", first_name="Carla", roles=["cab_member"])
    unit = OrgUnitFactory(slug="technology", name="Technology", governance_model="centralised")
    TeamFactory(slug="mobile-squad", name="Mobile squad", org_unit=unit, kind="product")
    board = Forum.objects.create(
        name="Portfolio board", slug="portfolio-board", kind="portfolio_board", quorum=2, chair=gloria
    )
    board.members.set([gloria, carla])
    return {
        "rita": rita,
        "gloria": gloria,
        "carla": carla,
        "unit": unit,
        "board": board,
        "mode2": mode("mode-2"),
    }


def test_demand_scored_approved_at_board_meeting_shows_in_portfolio_with_budget(page, login, estate):
    # Rita raises and scores a demand, then sends it to the portfolio board.
    login(estate["rita"])
    page.click("a[data-area=delivery]")
    page.get_by_test_id("add-demand").click()
    page.fill("#id_title", "Instant account opening")
    page.select_option("#id_org_unit", label="Technology")
    page.select_option("#id_mode", value=str(estate["mode2"].pk))
    page.fill("#id_value", "4")
    page.fill("#id_urgency", "3")
    page.fill("#id_strategic_fit", "5")
    page.fill("#id_risk", "2")
    page.fill("#id_cost_estimate", "500000")
    page.get_by_test_id("save-demand").click()
    expect(page.get_by_test_id("demand-score")).to_have_text("76.25")
    page.get_by_test_id("step-score").click()
    expect(page.get_by_test_id("demand-score")).to_have_text("76.25")
    page.get_by_test_id("step-submit").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("Submitted to the board")
    expect(page.get_by_test_id("decisions")).to_contain_text("Portfolio board")
    demand_url = page.url

    # The board meets with quorum; Gloria builds the agenda and approves the demand.
    meeting = governance.meeting_create(
        actor=estate["gloria"],
        forum=estate["board"],
        scheduled_for=timezone.now(),
        attendees=[estate["gloria"], estate["carla"]],
    )
    page.context.clear_cookies()
    login(estate["gloria"])
    page.goto(f"/governance/meetings/{meeting.pk}/")
    page.get_by_test_id("build-agenda").click()
    item = page.get_by_test_id("agenda-item").filter(has_text="Instant account opening")
    item.locator("select[name=outcome]").select_option("approved")
    item.locator("input[name=notes]").fill("Fund it")
    item.get_by_test_id("record-item").click()

    # The demand is approved into an agile initiative (Mode 2) with its budget.
    page.goto(demand_url)
    expect(page.get_by_test_id("demand-status")).to_have_text("Approved")
    page.get_by_test_id("demand-initiative").click()
    expect(page.get_by_test_id("initiative-approach")).to_contain_text("Agile")
    expect(page.get_by_test_id("initiative-budget")).to_have_text("500,000.00")

    # It shows in the portfolio view with its budget, also when filtered to agile work.
    page.click("a[data-area=delivery]")
    # htmx is a deferred script: it binds the filters only once the page has finished parsing (after the chart
    # library). A filter changed before that fires no request, so wait for the page, not for a timeout.
    page.wait_for_load_state("load")
    row = page.get_by_test_id("portfolio-row").filter(has_text="Instant account opening")
    expect(row).to_contain_text("Agile")
    expect(row.get_by_test_id("row-budget")).to_have_text("500,000.00")
    page.select_option("#id_approach", "waterfall")
    expect(page.get_by_test_id("portfolio-row")).to_have_count(0)
    page.select_option("#id_approach", "agile")
    expect(page.get_by_test_id("portfolio-row")).to_have_count(1)


def test_a_story_is_dragged_across_the_board_and_a_full_column_refuses_it(page, login, estate):
    """Drag and drop moves a story two columns at once; dropping on a column at its WIP limit shows the
    refusal and leaves the story where it was."""
    from bimodal.delivery import services as delivery
    from bimodal.delivery.models import Story
    from bimodal.delivery.tests.factories import InitiativeFactory

    pat = UserFactory(username="pat", first_name="Pat", roles=["product_team_member"])
    squad = TeamFactory(slug="squad", name="Squad", org_unit=estate["unit"], kind="product", members=[pat])
    initiative = InitiativeFactory(team=squad, wip_limits={"in_progress": 1})
    first = delivery.story_create(actor=pat, initiative=initiative, title="Card freeze", points=3)
    second = delivery.story_create(actor=pat, initiative=initiative, title="Card limits", points=2)

    login(pat)
    page.goto(f"/delivery/initiatives/{initiative.reference}/board/")
    card = page.locator(f'[data-story="{first.pk}"]')
    card.drag_to(page.get_by_test_id("column-in_progress"))
    expect(page.get_by_test_id("column-in_progress").locator(f'[data-story="{first.pk}"]')).to_be_visible()
    expect(page.get_by_test_id("wip-in_progress")).to_have_text("1 / 1")

    page.locator(f'[data-story="{second.pk}"]').drag_to(page.get_by_test_id("column-in_progress"))
    expect(page.get_by_test_id("board-error")).to_contain_text("WIP limit")
    expect(page.get_by_test_id("column-backlog").locator(f'[data-story="{second.pk}"]')).to_be_visible()
    assert Story.objects.get(pk=first.pk).status == "in_progress"
    assert Story.objects.get(pk=second.pk).status == "backlog"

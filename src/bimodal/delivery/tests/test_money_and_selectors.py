"""Money and people services (budgets, actuals, capacity, allocations, reallocation) and the reads built on
them and on the board: roll-ups, contention, portfolio rows and totals, the kanban board, cycle times,
sprint statistics — each against figures worked out by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.delivery import selectors, services, whatif
from bimodal.delivery.choices import StoryStatus
from bimodal.delivery.models import Actual, Budget, CapacityAllocation, TeamCapacity

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC"))


# --- money and people services ---------------------------------------------------------------------


def test_setting_a_budget_twice_updates_the_one_row(estate, agile):
    services.budget_set(
        actor=estate.gloria, fiscal_year=2026, initiative=agile, amount=Decimal(100), note="Q1"
    )
    budget = services.budget_set(actor=estate.gloria, fiscal_year=2026, initiative=agile, amount=Decimal(250))
    assert Budget.objects.count() == 1
    assert budget.amount == 250 and budget.note == "Q1"  # a blank note keeps the one there
    assert (budget.mode, budget.investment_class) == (agile.mode, agile.investment_class)
    verbs = list(AuditEntry.objects.filter(verb__startswith="budget_").values_list("verb", flat=True))
    assert sorted(verbs) == ["budget_set", "budget_update"]


def test_a_mode_envelope_needs_a_mode_and_a_class(estate):
    with pytest.raises(ValidationError) as exc:
        services.budget_set(actor=estate.gloria, fiscal_year=2026, mode=estate.mode1, amount=Decimal(1))
    assert "mode" in exc.value.message_dict
    assert not Budget.objects.exists()


def test_a_negative_budget_is_refused(estate, agile):
    with pytest.raises(ValidationError):
        services.budget_set(actor=estate.gloria, fiscal_year=2026, initiative=agile, amount=Decimal(-1))
    assert not Budget.objects.exists()


def test_spend_is_booked_to_the_first_of_its_month_and_its_initiative_s_mode(estate, agile):
    actual = services.actual_record(
        actor=estate.gloria, period=date(2026, 5, 19), initiative=agile, amount=Decimal("12.50")
    )
    assert actual.period == date(2026, 5, 1) and actual.fiscal_year == 2026
    assert actual.mode == agile.mode and actual.recorded_by == estate.gloria


def test_spend_outside_an_initiative_needs_a_mode_and_a_class(estate):
    with pytest.raises(ValidationError):
        services.actual_record(actor=estate.gloria, period=date(2026, 5, 1), amount=Decimal(1))
    assert not Actual.objects.exists()


def test_capacity_is_one_row_per_team_year_and_mode(estate):
    services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(4)
    )
    row = services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(6)
    )
    assert TeamCapacity.objects.get() == row and row.fte == 6
    assert AuditEntry.objects.filter(verb="capacity_update").exists()


def test_capacity_and_allocations_need_the_permission(estate, agile):
    with pytest.raises(PermissionDenied):
        services.capacity_set(
            actor=estate.owen, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(1)
        )
    with pytest.raises(PermissionDenied):
        services.allocation_set(
            actor=estate.pat, team=estate.squad, fiscal_year=2026, initiative=agile, fte=Decimal(1)
        )
    assert not TeamCapacity.objects.exists() and not CapacityAllocation.objects.exists()


def test_an_allocation_outside_an_initiative_needs_a_mode_and_a_class(estate):
    with pytest.raises(ValidationError) as exc:
        services.allocation_set(actor=estate.gloria, team=estate.squad, fiscal_year=2026, fte=Decimal(1))
    assert "mode" in exc.value.message_dict


def test_a_reallocation_needs_a_reason_and_writes_nothing_without_one(estate):
    row = services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(4)
    )
    plan = whatif.build(source=f"capacity:{row.pk}", target=f"mode:{estate.mode1.pk}", quantity="1")
    with pytest.raises(ValidationError) as exc:
        services.reallocate_apply(actor=estate.gloria, plan=plan, reason="  ")
    assert "reason" in exc.value.message_dict
    row.refresh_from_db()
    assert row.fte == 4 and TeamCapacity.objects.count() == 1


def test_a_reallocation_moves_capacity_between_modes(estate):
    row = services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(4)
    )
    plan = whatif.build(source=f"capacity:{row.pk}", target=f"mode:{estate.mode1.pk}", quantity="1.5")
    source, target = services.reallocate_apply(actor=estate.gloria, plan=plan, reason="Run needs help")
    assert source.fte == Decimal("2.5") and target.fte == Decimal("1.5") and target.mode == estate.mode1
    assert AuditEntry.objects.get(verb="reallocate_to").reason == "Run needs help"


@pytest.mark.parametrize(("quantity", "field"), [("0", "quantity"), ("abc", "quantity"), ("99", "quantity")])
def test_a_what_if_with_a_bad_quantity_names_the_field(estate, quantity, field):
    row = services.capacity_set(
        actor=estate.gloria, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(4)
    )
    with pytest.raises(ValidationError) as exc:
        whatif.build(source=f"capacity:{row.pk}", target=f"mode:{estate.mode1.pk}", quantity=quantity)
    assert field in exc.value.message_dict


# --- roll-ups and contention -----------------------------------------------------------------------


def test_submitted_demand_counts_in_the_pipeline(estate):
    demand = services.demand_create(
        actor=estate.rita,
        title="Pipeline",
        org_unit=estate.central,
        mode=estate.mode2,
        cost_estimate=Decimal(800),
    )
    services.budget_set(
        actor=estate.gloria, fiscal_year=2026, mode=estate.mode2, investment_class="grow", amount=Decimal(500)
    )
    assert selectors.money_contention(selectors.budget_rollup(fiscal_year=2026)) == []
    services.demand_submit(actor=estate.rita, demand=demand)
    rollup = selectors.budget_rollup(fiscal_year=2026)
    line = next(x for x in rollup["lines"] if x.mode == estate.mode2 and x.investment_class == "grow")
    assert line.pipeline == 800 and line.over_with_pipeline and not line.over_committed
    assert selectors.money_contention(rollup) == [line]


def test_a_what_if_adjusts_the_rollup_without_writing(estate, agile):
    services.budget_set(
        actor=estate.gloria, fiscal_year=2026, mode=estate.mode2, investment_class="grow", amount=Decimal(500)
    )
    adjustments = [
        (estate.mode2.pk, "grow", None, Decimal(-200)),
        (estate.mode2.pk, "grow", agile.pk, Decimal(200)),
    ]
    rollup = selectors.budget_rollup(fiscal_year=2026, adjustments=adjustments)
    line = next(x for x in rollup["lines"] if x.mode == estate.mode2 and x.investment_class == "grow")
    assert (line.envelope, line.allocated) == (300, 200)
    assert Budget.objects.get().amount == 500


def test_capacity_contention_totals_by_team_and_mode(estate):
    g = estate.gloria
    services.capacity_set(actor=g, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(3))
    services.capacity_set(actor=g, team=estate.core_team, fiscal_year=2026, mode=estate.mode1, fte=Decimal(5))
    services.allocation_set(
        actor=g,
        team=estate.squad,
        fiscal_year=2026,
        mode=estate.mode2,
        investment_class="run",
        fte=Decimal(4),
    )
    data = selectors.capacity_contention(fiscal_year=2026)
    assert [(x.team, x.mode, x.gap) for x in data["contention"]] == [(estate.squad, estate.mode2, -1)]
    assert [x.mode for x in data["by_mode"]] == [estate.mode1, estate.mode2]
    assert (data["total"].supply, data["total"].demand, data["total"].utilisation) == (8, 4, 50)
    assert {x.team: x.utilisation for x in data["by_team"]} == {estate.squad: 133, estate.core_team: 0}


def test_fiscal_years_are_those_with_money_or_people(estate, agile):
    g = estate.gloria
    services.budget_set(actor=g, fiscal_year=2025, initiative=agile, amount=Decimal(1))
    services.capacity_set(actor=g, team=estate.squad, fiscal_year=2027, mode=estate.mode2, fte=Decimal(1))
    services.actual_record(actor=g, period=date(2026, 2, 1), initiative=agile, amount=Decimal(1))
    assert selectors.fiscal_years() == [2025, 2026, 2027]


# --- the portfolio ---------------------------------------------------------------------------------


def test_portfolio_rows_and_totals_against_hand_computed_figures(estate, agile, waterfall):
    g = estate.gloria
    services.budget_set(actor=g, fiscal_year=2026, initiative=agile, amount=Decimal(1000))
    services.budget_set(actor=g, fiscal_year=2026, initiative=waterfall, amount=Decimal(2000))
    services.actual_record(actor=g, period=date(2026, 2, 1), initiative=agile, amount=Decimal(1050))
    services.risk_create(actor=g, initiative=waterfall, title="R1", probability=5, impact=4)
    rows = {r.initiative.pk: r for r in selectors.portfolio_rows(selectors.portfolio(user=estate.audrey))}
    assert rows[agile.pk].spend == Decimal("1.05") and rows[agile.pk].rag == "amber"
    assert rows[agile.pk].remaining == -50
    assert rows[waterfall.pk].rag == "amber" and rows[waterfall.pk].spend == 0  # one high risk
    totals = selectors.portfolio_totals(list(rows.values()))
    assert totals == {"count": 2, "budget": 3000, "actual": 1050, "red": 0, "amber": 2, "green": 0}


def test_the_portfolio_shows_nobody_without_the_view_permission(estate, agile):
    assert list(selectors.portfolio(user=estate.rita)) == []
    assert [i.pk for i in selectors.portfolio(user=estate.audrey)] == [agile.pk]


def test_a_dependency_is_at_risk_when_its_provider_forecasts_after_it_is_needed(estate, agile, waterfall):
    services.dependency_create(
        actor=estate.gloria, initiative=agile, depends_on=waterfall, needed_by=date(2026, 6, 1)
    )
    row = selectors.portfolio(user=estate.gloria).get(pk=agile.pk)
    assert (row.dependency_count, row.dependencies_at_risk) == (1, 1)


# --- the board ------------------------------------------------------------------------------------


@pytest.fixture
def board_work(estate, agile):
    """Three stories on a frozen clock: one done in 2 days of work, one in progress, one in the backlog."""
    with time_machine.travel(NOON, tick=False):
        pat = estate.pat
        done = services.story_create(
            actor=pat, initiative=agile, title="Done", points=5, at=NOON - timedelta(days=5)
        )
        services.story_move(actor=pat, story=done, status="in_progress", at=NOON - timedelta(days=4))
        services.story_move(actor=pat, story=done, status="done", at=NOON - timedelta(days=2))
        doing = services.story_create(actor=pat, initiative=agile, title="Doing", points=3)
        services.story_move(actor=pat, story=doing, status="in_progress")
        services.story_create(actor=pat, initiative=agile, title="Later", points=8)
        yield agile


def test_the_board_puts_stories_in_their_columns_with_limits(board_work):
    data = selectors.board(board_work)
    columns = {c.status: c for c in data["columns"]}
    assert [s.title for s in columns["backlog"].stories] == ["Later"]
    assert [s.title for s in columns["in_progress"].stories] == ["Doing"]
    assert columns["in_progress"].limit == 2 and not columns["in_progress"].full
    assert columns["backlog"].next == "ready" and columns["backlog"].previous == ""
    assert data["cycle_count"] == 1 and data["cycle_median"] == timedelta(days=2)


def test_cycle_time_only_for_done_stories(board_work):
    stories = {s.title: s for s in selectors.stories_with_cycle(board_work)}
    assert selectors.cycle_time(stories["Done"]) == timedelta(days=2)
    assert selectors.cycle_time(stories["Doing"]) is None
    assert selectors.cycle_time(stories["Later"]) is None


def test_sprint_statistics_count_planned_and_done_points(estate, board_work):
    with time_machine.travel(NOON, tick=False):
        sprint = services.sprint_create(
            actor=estate.pat, initiative=board_work, name="S1", start=date(2026, 2, 23)
        )
        for story in board_work.stories.exclude(title="Later"):
            services.story_update(actor=estate.pat, story=story, sprint=sprint)
        stats = selectors.sprint_stats(board_work)
    (row,) = stats["sprints"]
    assert (row.planned_points, row.done_points) == (8, 5)
    assert stats["remaining_points"] == 11 and stats["velocity"] is None


def test_a_full_column_is_shown_full(estate, board_work):
    with time_machine.travel(NOON, tick=False):
        story = board_work.stories.get(title="Later")
        services.story_move(actor=estate.pat, story=story, status=StoryStatus.IN_PROGRESS)
    columns = {c.status: c for c in selectors.board(board_work)["columns"]}
    assert columns["in_progress"].full and not columns["in_progress"].over

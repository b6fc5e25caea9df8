"""Services of money and people against hand-computed figures: budget roll-ups, the portfolio's spend,
capacity contention and what-if reallocations previewed and applied."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.delivery import selectors, services, whatif
from bimodal.delivery.models import Budget, CapacityAllocation

pytestmark = pytest.mark.django_db


# --- money and people -----------------------------------------------------------------------------


@pytest.fixture
def money(estate, agile, waterfall):
    g = estate.gloria
    services.budget_set(
        actor=g, fiscal_year=2026, mode=estate.mode1, investment_class="run", amount=Decimal(1000)
    )
    services.budget_set(
        actor=g, fiscal_year=2026, mode=estate.mode1, investment_class="transform", amount=Decimal(600)
    )
    services.budget_set(
        actor=g, fiscal_year=2026, mode=estate.mode2, investment_class="grow", amount=Decimal(400)
    )
    services.budget_set(actor=g, fiscal_year=2026, initiative=waterfall, amount=Decimal(500))  # mode 1 grow
    services.budget_set(actor=g, fiscal_year=2026, initiative=agile, amount=Decimal(450))  # mode 2 grow
    services.actual_record(actor=g, period=date(2026, 1, 15), initiative=waterfall, amount=Decimal(120))
    services.actual_record(actor=g, period=date(2026, 2, 1), initiative=waterfall, amount=Decimal(80))
    services.actual_record(actor=g, period=date(2026, 1, 1), initiative=agile, amount=Decimal(300))
    services.actual_record(
        actor=g, period=date(2026, 1, 1), mode=estate.mode1, investment_class="run", amount=Decimal(700)
    )
    services.actual_record(
        actor=g, period=date(2025, 12, 1), initiative=agile, amount=Decimal(999)
    )  # other year
    return {"agile": agile, "waterfall": waterfall}


def test_budget_rollup_against_hand_computed_figures(estate, money):
    rollup = selectors.budget_rollup(fiscal_year=2026)
    lines = {(line.mode.key, line.investment_class): line for line in rollup["lines"]}
    run1 = lines[("mode-1", "run")]
    assert (run1.envelope, run1.allocated, run1.actual, run1.variance) == (1000, 0, 700, 300)
    assert run1.burn_percent == 70
    grow1 = lines[("mode-1", "grow")]  # the waterfall initiative's class (default grow), no envelope
    assert (grow1.envelope, grow1.allocated, grow1.actual) == (0, 500, 200)
    assert grow1.over_committed
    grow2 = lines[("mode-2", "grow")]
    assert (grow2.envelope, grow2.allocated, grow2.actual, grow2.unallocated) == (400, 450, 300, -50)
    by_mode = {line.mode.key: line for line in rollup["by_mode"]}
    assert (by_mode["mode-1"].envelope, by_mode["mode-1"].allocated, by_mode["mode-1"].actual) == (
        1600,
        500,
        900,
    )
    assert (by_mode["mode-2"].envelope, by_mode["mode-2"].actual) == (400, 300)
    assert rollup["total"] == {"envelope": 2000, "allocated": 950, "actual": 1200, "pipeline": 0}
    per = {r["initiative"].pk: r for r in rollup["initiatives"]}
    assert per[money["waterfall"].pk]["remaining"] == 300
    assert per[money["agile"].pk]["actual"] == 300
    classes = {c["investment_class"]: c for c in rollup["by_class"]}
    assert classes["run"]["envelope"] == 1000 and classes["transform"]["envelope"] == 600
    contention = {(line.mode.key, line.investment_class) for line in selectors.money_contention(rollup)}
    assert contention == {("mode-1", "grow"), ("mode-2", "grow")}


def test_portfolio_spend_is_lifetime_budget_against_actuals(estate, money):
    rows = {r.initiative.pk: r for r in selectors.portfolio_rows(selectors.portfolio(user=estate.audrey))}
    agile = rows[money["agile"].pk]
    assert agile.initiative.budget_total == 450 and agile.initiative.actual_total == 1299
    assert agile.rag == "red"  # 289 % spent
    assert rows[money["waterfall"].pk].spend == Decimal("0.4")


def test_budget_and_actual_writes_need_the_permission(estate, agile):
    with pytest.raises(PermissionDenied):
        services.budget_set(actor=estate.owen, fiscal_year=2026, initiative=agile, amount=Decimal(1))
    with pytest.raises(PermissionDenied):
        services.actual_record(actor=estate.pat, period=date(2026, 1, 1), initiative=agile, amount=Decimal(1))


@pytest.fixture
def people(estate, agile, waterfall):
    g = estate.gloria
    services.capacity_set(actor=g, team=estate.core_team, fiscal_year=2026, mode=estate.mode1, fte=Decimal(8))
    services.capacity_set(actor=g, team=estate.core_team, fiscal_year=2026, mode=estate.mode2, fte=Decimal(2))
    services.capacity_set(actor=g, team=estate.squad, fiscal_year=2026, mode=estate.mode2, fte=Decimal(6))
    services.allocation_set(
        actor=g,
        team=estate.core_team,
        fiscal_year=2026,
        mode=estate.mode1,
        investment_class="run",
        fte=Decimal(5),
    )
    services.allocation_set(
        actor=g, team=estate.core_team, fiscal_year=2026, initiative=waterfall, fte=Decimal(4)
    )
    services.allocation_set(actor=g, team=estate.squad, fiscal_year=2026, initiative=agile, fte=Decimal(5))
    services.allocation_set(
        actor=g, team=estate.core_team, fiscal_year=2026, initiative=agile, fte=Decimal(1)
    )
    return estate


def test_capacity_contention_against_hand_computed_figures(people):
    data = selectors.capacity_contention(fiscal_year=2026)
    lines = {(line.team.slug, line.mode.key): line for line in data["lines"]}
    assert (lines[("core-team", "mode-1")].supply, lines[("core-team", "mode-1")].demand) == (8, 9)
    assert lines[("core-team", "mode-1")].gap == -1
    assert (lines[("core-team", "mode-2")].supply, lines[("core-team", "mode-2")].demand) == (2, 1)
    assert (lines[("squad", "mode-2")].supply, lines[("squad", "mode-2")].demand) == (6, 5)
    assert [(x.team.slug, x.mode.key) for x in data["contention"]] == [("core-team", "mode-1")]
    by_mode = {x.mode.key: x for x in data["by_mode"]}
    assert (by_mode["mode-1"].supply, by_mode["mode-1"].demand) == (8, 9)
    assert (by_mode["mode-2"].supply, by_mode["mode-2"].demand) == (8, 6)
    assert (data["total"].supply, data["total"].demand) == (16, 15)


def test_what_if_previews_without_saving_then_applies_through_the_service(people, agile):
    capacity = people.core_team.capacities.get(mode=people.mode2)
    plan = whatif.build(source=f"capacity:{capacity.pk}", target=f"mode:{people.mode1.pk}", quantity="1")
    after = selectors.capacity_contention(fiscal_year=2026, adjustments=whatif.capacity_adjustments(plan))
    assert after["contention"] == []
    assert selectors.capacity_contention(fiscal_year=2026)["contention"]  # nothing saved
    with pytest.raises(ValidationError):
        services.reallocate_apply(actor=people.gloria, plan=plan, reason="")
    with pytest.raises(PermissionDenied):
        services.reallocate_apply(actor=people.pat, plan=plan, reason="x")
    services.reallocate_apply(actor=people.gloria, plan=plan, reason="Core team shifts one person to Mode 1")
    assert selectors.capacity_contention(fiscal_year=2026)["contention"] == []
    assert AuditEntry.objects.filter(verb="reallocate_to").count() == 1


def test_what_if_moves_an_allocation_to_a_new_initiative_row(people, agile, waterfall):
    source = CapacityAllocation.objects.get(initiative=waterfall)
    plan = whatif.build(source=f"allocation:{source.pk}", target=f"mode:{people.mode2.pk}", quantity="1")
    assert plan.target.pk is None and plan.target.mode == people.mode2
    services.reallocate_apply(actor=people.gloria, plan=plan, reason="Defer")
    assert CapacityAllocation.objects.get(pk=source.pk).fte == 3
    with pytest.raises(ValidationError):
        whatif.build(source=f"allocation:{source.pk}", target=f"mode:{people.mode2.pk}", quantity="99")


def test_what_if_moves_money_between_budgets(estate, money):
    source = Budget.objects.get(
        fiscal_year=2026, mode=estate.mode1, investment_class="transform", initiative=None
    )
    plan = whatif.build(source=f"budget:{source.pk}", target=f"mode:{estate.mode2.pk}", quantity="100")
    rollup = selectors.budget_rollup(fiscal_year=2026, adjustments=whatif.budget_adjustments(plan))
    by_mode = {line.mode.key: line for line in rollup["by_mode"]}
    assert by_mode["mode-2"].envelope == 500
    services.reallocate_apply(actor=estate.gloria, plan=plan, reason="Fund digital")
    assert Budget.objects.get(pk=source.pk).amount == 500
    assert Budget.objects.get(fiscal_year=2026, mode=estate.mode2, investment_class="transform").amount == 100

"""Routing of approvals by governance model and decision rights: hand-checked examples for each model,
unit rights overriding the defaults, spend threshold escalation, and properties of the pure planner."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory, UserFactory
from bimodal.governance import routing
from bimodal.governance.models import DecisionRight, DecisionType
from bimodal.governance.routing import Party, plan
from bimodal.governance.tests.factories import ForumFactory


def refs(route) -> list[tuple[str, str | None, str]]:
    """(kind, ref, raci) of each step."""
    return [(s["kind"], s["ref"], s["raci"]) for s in route.steps]


# --- the pure planner, by hand -------------------------------------------------------------------------

LEAD_A = Party("role", "governance_lead", "Governance lead", "A")
BOARD_C = Party("forum", "board", "Portfolio board", "C")
BOARD_A = Party("forum", "board", "Portfolio board", "A")
SQUAD_R = Party("team", "squad", "Squad", "R")
HEAD = ("hana", "Hana Head")


def steps_of(result) -> list[tuple]:
    return [(s["kind"], s["ref"], s["raci"]) for s in result.steps]


def test_centralised_below_threshold_the_accountable_role_decides():
    result = plan(model="centralised", rights=[LEAD_A, BOARD_C], threshold=Decimal(100), amount=Decimal(50))
    assert steps_of(result) == [("role", "governance_lead", "A")]
    assert result.forum is None and not result.above_threshold


def test_centralised_above_threshold_the_central_forum_decides_and_the_role_prepares():
    result = plan(model="centralised", rights=[LEAD_A, BOARD_C], threshold=Decimal(100), amount=Decimal(101))
    assert steps_of(result) == [("role", "governance_lead", "R"), ("forum", "board", "A")]
    assert result.forum == "board" and result.above_threshold


def test_an_amount_equal_to_the_threshold_does_not_escalate():
    result = plan(model="centralised", rights=[LEAD_A, BOARD_C], threshold=Decimal(100), amount=Decimal(100))
    assert steps_of(result) == [("role", "governance_lead", "A")]


def test_federated_the_unit_head_decides_and_the_forum_is_consulted_above_the_threshold():
    below = plan(
        model="federated", rights=[LEAD_A, BOARD_C], threshold=Decimal(100), amount=Decimal(10), head=HEAD
    )
    above = plan(
        model="federated", rights=[LEAD_A, BOARD_C], threshold=Decimal(100), amount=Decimal(500), head=HEAD
    )
    assert steps_of(below) == [("person", "hana", "A")] and below.forum is None
    assert steps_of(above) == [("person", "hana", "A"), ("forum", "board", "C")] and above.forum == "board"


def test_federated_without_a_head_falls_back_to_the_default_accountable():
    result = plan(model="federated", rights=[LEAD_A], amount=Decimal(10))
    assert steps_of(result) == [("role", "governance_lead", "A")]


def test_federated_unit_rights_name_the_units_own_accountable_party():
    own = Party("role", "service_owner", "Service owner", "A")
    result = plan(model="federated", rights=[own], unit_rights=True, head=HEAD)
    assert steps_of(result) == [("role", "service_owner", "A")]


def test_agile_the_team_decides_below_and_prepares_above_the_threshold():
    below = plan(model="agile", rights=[LEAD_A, BOARD_C, SQUAD_R], threshold=Decimal(100), amount=Decimal(99))
    above = plan(
        model="agile", rights=[LEAD_A, BOARD_C, SQUAD_R], threshold=Decimal(100), amount=Decimal(1000)
    )
    assert steps_of(below) == [("team", "squad", "A")]
    assert steps_of(above) == [("team", "squad", "R"), ("forum", "board", "A")]


def test_agile_without_a_team_right_any_product_team_of_the_unit_decides():
    result = plan(model="agile", rights=[LEAD_A], unit_label="Digital")
    assert steps_of(result) == [("team", None, "A")]
    assert result.steps[0]["label"] == "A product team of Digital"


def test_nobody_named_the_default_forum_decides_or_else_the_governance_lead():
    assert steps_of(plan(model="centralised", rights=[], default_forum=("pb", "Board"))) == [
        ("forum", "pb", "A")
    ]
    assert steps_of(plan(model="centralised", rights=[])) == [("role", "governance_lead", "A")]


def test_a_forum_holding_a_decides_in_a_centralised_unit():
    result = plan(model="centralised", rights=[BOARD_A], threshold=Decimal(1), amount=Decimal(5))
    assert steps_of(result) == [("forum", "board", "A")] and result.forum == "board"


# --- properties ----------------------------------------------------------------------------------------

party_strategy = st.builds(
    Party,
    kind=st.sampled_from(["role", "forum", "team", "head"]),
    ref=st.sampled_from(["a", "b", "c"]),
    label=st.just("x"),
    raci=st.sampled_from(["R", "A", "C", "I"]),
)
amounts = st.decimals(min_value=0, max_value=10**7, allow_nan=False, places=2)


@settings(max_examples=300, deadline=None)
@given(
    model=st.sampled_from(["centralised", "federated", "agile"]),
    rights=st.lists(party_strategy, max_size=5),
    unit_rights=st.booleans(),
    threshold=st.none() | amounts,
    low=amounts,
    extra=amounts,
    head=st.none() | st.just(HEAD),
    default_forum=st.none() | st.just(("pb", "Board")),
)
def test_raising_the_amount_never_removes_a_step(
    model, rights, unit_rights, threshold, low, extra, head, default_forum
):
    common = dict(
        model=model,
        rights=rights,
        unit_rights=unit_rights,
        threshold=threshold,
        head=head,
        default_forum=default_forum,
    )
    small = plan(amount=low, **common)
    large = plan(amount=low + extra, **common)
    assert len(large.steps) >= len(small.steps)
    small_parties = {(s["kind"], s["ref"]) for s in small.steps}
    assert small_parties <= {(s["kind"], s["ref"]) for s in large.steps}
    # Somebody always decides, and a forum that tables the request is on the route.
    for result in (small, large):
        assert any(s["raci"] == "A" for s in result.steps)
        assert result.forum is None or any(
            s["kind"] == "forum" and s["ref"] == result.forum for s in result.steps
        )


# --- route() against the database ----------------------------------------------------------------------


@pytest.fixture
def setting(db):
    """approve_spend (threshold 250 000): the governance lead is A, the portfolio board C by default."""
    board = ForumFactory(slug="portfolio-board", name="Portfolio board", kind="portfolio_board")
    cab = ForumFactory(slug="cab", name="CAB", kind="cab")
    spend = DecisionType.objects.get(key="approve_spend")
    DecisionRight.objects.create(decision_type=spend, party_kind="role", role="governance_lead", raci="A")
    DecisionRight.objects.create(decision_type=spend, party_kind="forum", forum=board, raci="C")
    head = UserFactory(username="hana")
    units = {
        "central": OrgUnitFactory(slug="central", governance_model="centralised"),
        "federal": OrgUnitFactory(slug="federal", governance_model="federated", head=head),
        "agile": OrgUnitFactory(slug="agile", governance_model="agile"),
    }
    return {"board": board, "cab": cab, "spend": spend, "units": units, "head": head}


def test_seeded_decision_types_exist(db):
    keys = set(DecisionType.objects.values_list("key", flat=True))
    assert {
        "approve_change",
        "approve_stage_gate",
        "approve_spend",
        "reclassify_service",
        "approve_demand",
    } <= keys
    assert DecisionType.objects.get(key="approve_spend").spend_threshold == Decimal("250000")


@pytest.mark.parametrize(
    ("unit", "amount", "expected", "forum"),
    [
        ("central", 1000, [("role", "governance_lead", "A")], None),
        (
            "central",
            300000,
            [("role", "governance_lead", "R"), ("forum", "portfolio-board", "A")],
            "portfolio-board",
        ),
        ("federal", 1000, [("person", "hana", "A")], None),
        ("federal", 300000, [("person", "hana", "A"), ("forum", "portfolio-board", "C")], "portfolio-board"),
        ("agile", 1000, [("team", None, "A")], None),
        ("agile", 300000, [("team", None, "R"), ("forum", "portfolio-board", "A")], "portfolio-board"),
        (None, 250000, [("role", "governance_lead", "A")], None),
    ],
)
def test_route_by_governance_model(setting, unit, amount, expected, forum):
    org_unit = setting["units"][unit] if unit else None
    route = routing.route(decision_type="approve_spend", org_unit=org_unit, amount=Decimal(amount))
    assert refs(route) == expected
    assert (route.forum.slug if route.forum else None) == forum
    assert route.model == (org_unit.governance_model if org_unit else "centralised")
    assert route.source == "default"


def test_unit_rights_override_the_defaults(setting):
    unit = setting["units"]["central"]
    DecisionRight.objects.create(
        decision_type=setting["spend"], org_unit=unit, party_kind="role", role="service_owner", raci="A"
    )
    below = routing.route(decision_type="approve_spend", org_unit=unit, amount=Decimal(10))
    above = routing.route(decision_type="approve_spend", org_unit=unit, amount=Decimal(10**6))
    assert refs(below) == [("role", "service_owner", "A")] and below.source == "unit"
    # The unit's rights name no forum: the default forum kind of the decision type escalates.
    assert refs(above) == [("role", "service_owner", "R"), ("forum", "portfolio-board", "A")]
    other = routing.route(
        decision_type="approve_spend", org_unit=setting["units"]["federal"], amount=Decimal(10)
    )
    assert refs(other) == [("person", "hana", "A")]  # other units keep the defaults


def test_agile_unit_team_right_names_the_team(setting):
    unit = setting["units"]["agile"]
    squad = TeamFactory(slug="squad", org_unit=unit)
    DecisionRight.objects.create(
        decision_type=setting["spend"], org_unit=unit, party_kind="team", team=squad, raci="R"
    )
    route = routing.route(decision_type="approve_spend", org_unit=unit, amount=Decimal(5))
    assert refs(route) == [("team", "squad", "A")]


def test_federated_unit_with_its_own_forum(setting):
    unit = setting["units"]["federal"]
    DecisionRight.objects.create(
        decision_type=setting["spend"], org_unit=unit, party_kind="forum", forum=setting["cab"], raci="A"
    )
    route = routing.route(decision_type="approve_spend", org_unit=unit, amount=Decimal(5))
    assert refs(route) == [("forum", "cab", "A")] and route.forum == setting["cab"]


def test_a_decision_type_without_rights_goes_to_its_default_forum(setting):
    route = routing.route(decision_type="approve_stage_gate", org_unit=setting["units"]["central"])
    assert refs(route) == [("forum", "portfolio-board", "A")]


def test_unknown_decision_type_is_a_validation_error(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        routing.route(decision_type="approve_nothing")

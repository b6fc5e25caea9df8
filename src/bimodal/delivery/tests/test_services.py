"""Services: demand through the portfolio board into an initiative, routing by governance model and
decision rights, stage gates, the agile board and sprints (money and people: test_services_money.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.models import AuditEntry
from bimodal.delivery import selectors, services
from bimodal.delivery.choices import GateStatus, PhaseStatus, StoryStatus
from bimodal.delivery.models import Budget, CapacityAllocation, Demand, Initiative, StoryTransition
from bimodal.governance import services as governance
from bimodal.governance.models import DecisionRequest, DecisionRight

pytestmark = pytest.mark.django_db


def _demand(estate, **fields):
    values = {
        "title": "Open banking API",
        "org_unit": estate.central,
        "mode": estate.mode2,
        "value": 4,
        "urgency": 3,
        "strategic_fit": 5,
        "risk": 2,
        "cost_estimate": Decimal("500000"),
        "fte_estimate": Decimal("3"),
        "team": estate.squad,
        "desired_start": date(2026, 1, 5),
        "desired_end": date(2026, 6, 30),
    } | fields
    return services.demand_create(actor=estate.rita, **values)


def _board_meeting(estate):
    return governance.meeting_create(
        actor=estate.gloria,
        forum=estate.board,
        scheduled_for=timezone.now(),
        attendees=[estate.gloria, estate.carla],
    )


def test_demand_is_scored_on_creation_with_the_current_model(estate):
    demand = _demand(estate)
    # value 4, urgency 3, fit 5, risk 2, cost 500k of 2M with the default weights: 76.25.
    assert demand.score == Decimal("76.25")
    assert demand.scoring_model.version == 1
    assert demand.status == "draft" and demand.reference.startswith("DEM-")


def test_new_weights_are_a_new_version_and_rescore_open_demand(estate):
    demand = _demand(estate)
    model = services.scoring_model_update(
        actor=estate.gloria,
        weight_value=Decimal(100),
        weight_urgency=0,
        weight_fit=0,
        weight_risk=0,
        weight_cost=0,
        note="Value only",
    )
    assert model.version == 2
    demand.refresh_from_db()
    assert demand.score == Decimal("75.00") and demand.scoring_model == model
    assert AuditEntry.objects.filter(verb="scoring_model_update").exists()
    with pytest.raises(PermissionDenied):
        services.scoring_model_update(actor=estate.rita, weight_value=Decimal(1))


def test_submit_opens_a_decision_routed_to_the_portfolio_board(estate):
    demand = services.demand_submit(actor=estate.rita, demand=_demand(estate))
    assert demand.status == "submitted"
    request = selectors.latest_decision_for(demand)
    assert request.decision_type.key == "approve_demand"
    assert request.forum == estate.board
    assert request.amount == Decimal("500000.00")


def test_board_meeting_approves_demand_into_an_agile_initiative_with_budget_and_people(estate):
    demand = services.demand_submit(actor=estate.rita, demand=_demand(estate))
    request = selectors.latest_decision_for(demand)
    meeting = _board_meeting(estate)
    governance.decision_record(
        actor=estate.gloria, request=request, outcome="approved", note="Go", meeting=meeting
    )
    demand.refresh_from_db()
    assert demand.status == "approved"
    initiative = Initiative.objects.get(demand=demand)
    assert initiative.approach == "agile"  # Mode 2
    assert initiative.team == estate.squad
    assert Budget.objects.get(initiative=initiative).amount == Decimal("500000")
    assert CapacityAllocation.objects.get(initiative=initiative).fte == Decimal("3")
    row = selectors.portfolio_rows(selectors.portfolio(user=estate.audrey).filter(pk=initiative.pk))[0]
    assert row.initiative.budget_total == Decimal("500000")


def test_a_mode_1_demand_becomes_waterfall_with_phases_and_gates(estate):
    demand = services.demand_submit(
        actor=estate.rita, demand=_demand(estate, mode=estate.mode1, team=estate.core_team)
    )
    governance.decision_record(
        actor=estate.gloria,
        request=selectors.latest_decision_for(demand),
        outcome="approved",
        meeting=_board_meeting(estate),
    )
    initiative = Initiative.objects.get(demand=demand)
    assert initiative.approach == "waterfall"
    phases = list(initiative.phases.order_by("order"))
    assert [p.kind for p in phases] == ["initiation", "requirements", "design", "build", "test", "deploy"]
    assert phases[0].status == "in_progress" and phases[0].baseline_start == date(2026, 1, 5)
    assert phases[-1].baseline_end == date(2026, 6, 30)
    assert all(p.gate.criteria.count() >= 2 for p in phases)


def test_rejection_goes_back_to_the_requester_who_may_resubmit(estate):
    demand = services.demand_submit(actor=estate.rita, demand=_demand(estate))
    governance.decision_record(
        actor=estate.gloria,
        request=selectors.latest_decision_for(demand),
        outcome="rejected",
        note="Not this year",
        meeting=_board_meeting(estate),
    )
    demand.refresh_from_db()
    assert demand.status == "rejected" and demand.decision_note == "Not this year"
    assert not Initiative.objects.filter(demand=demand).exists()
    demand = services.demand_submit(actor=estate.rita, demand=demand)
    assert demand.status == "submitted"
    assert DecisionRequest.objects.filter(object_id=demand.pk, status="pending").count() == 1


def test_requester_cannot_decide_and_routing_follows_the_governance_model(estate):
    # Agile unit, below the approve_demand threshold (100 000): the product team decides, no forum needed.
    small = services.demand_submit(
        actor=estate.rita, demand=_demand(estate, org_unit=estate.agile_unit, cost_estimate=Decimal("40000"))
    )
    request = selectors.latest_decision_for(small)
    assert request.forum is None and request.steps[0]["kind"] == "team"
    with pytest.raises(PermissionDenied):
        governance.decision_record(actor=estate.rita, request=request, outcome="approved")
    with pytest.raises(PermissionDenied):
        governance.decision_record(actor=estate.owen, request=request, outcome="approved")
    governance.decision_record(actor=estate.pat, request=request, outcome="approved")  # squad member
    assert Initiative.objects.filter(demand=small).exists()
    # Above the threshold the board decides: the team alone may not.
    big = services.demand_submit(
        actor=estate.rita, demand=_demand(estate, org_unit=estate.agile_unit, title="Big")
    )
    request = selectors.latest_decision_for(big)
    assert request.forum == estate.board
    with pytest.raises(PermissionDenied):
        governance.decision_record(actor=estate.pat, request=request, outcome="approved")


def test_unit_decision_rights_override_the_defaults(estate):
    DecisionRight.objects.create(
        decision_type=governance.decision_type_get("approve_demand"),
        org_unit=estate.central,
        party_kind="role",
        role="governance_lead",
        raci="A",
    )
    demand = services.demand_submit(actor=estate.rita, demand=_demand(estate, cost_estimate=Decimal("1000")))
    request = selectors.latest_decision_for(demand)
    assert request.steps[0] == {
        "kind": "role",
        "ref": "governance_lead",
        "label": "Governance lead",
        "raci": "A",
    }
    governance.decision_record(actor=estate.gloria, request=request, outcome="approved")
    assert Demand.objects.get(pk=demand.pk).status == "approved"


def test_only_the_requester_or_managers_edit_and_submit_demand(estate):
    demand = _demand(estate)
    with pytest.raises(PermissionDenied):
        services.demand_submit(actor=estate.pat, demand=demand)
    with pytest.raises(PermissionDenied):
        services.demand_update(actor=estate.audrey, demand=demand, title="x")
    services.demand_update(actor=estate.gloria, demand=demand, value=5)
    assert Demand.objects.get(pk=demand.pk).score > Decimal("76.25")


def test_withdrawing_a_submitted_demand_withdraws_its_decision_request(estate):
    demand = services.demand_submit(actor=estate.rita, demand=_demand(estate))
    services.demand_withdraw(actor=estate.rita, demand=demand, reason="Duplicate")
    assert selectors.latest_decision_for(demand).status == "withdrawn"


# --- stage gates ----------------------------------------------------------------------------------


def _meet_all(gate, actor):
    for criterion in gate.criteria.all():
        services.criterion_set(actor=actor, criterion=criterion, met=True, evidence="doc")


def test_gate_cannot_be_asked_for_or_passed_until_its_criteria_are_met(estate, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    with pytest.raises(ValidationError) as exc:
        services.gate_submit(actor=estate.owen, gate=gate)
    assert "Business case signed off" in str(exc.value)
    first = gate.criteria.first()
    with pytest.raises(ValidationError):
        services.criterion_set(actor=estate.owen, criterion=first, met=True, evidence="")  # evidence needed
    _meet_all(gate, estate.owen)
    with pytest.raises(ValidationError):
        services.gate_pass(actor=estate.owen, gate=gate)  # not approved
    gate = services.gate_submit(actor=estate.owen, gate=gate)
    assert gate.status == GateStatus.AWAITING_APPROVAL
    with pytest.raises(ValidationError):
        services.gate_pass(actor=estate.owen, gate=gate)  # still not approved
    with pytest.raises(ValidationError):
        services.criterion_set(actor=estate.owen, criterion=first, met=False)  # frozen while awaiting


def test_approved_gate_passes_and_the_next_phase_starts(estate, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    _meet_all(gate, estate.owen)
    services.gate_submit(actor=estate.owen, gate=gate)
    request = selectors.latest_decision_for(gate, "approve_stage_gate")
    assert request.forum == estate.board  # centralised: the default forum of the decision type
    governance.decision_record(
        actor=estate.carla, request=request, outcome="approved", meeting=_board_meeting(estate)
    )
    gate.refresh_from_db()
    assert gate.status == GateStatus.PASSED and gate.decided_by == estate.carla
    phases = {p.kind: p for p in waterfall.phases.all()}
    assert phases["initiation"].status == PhaseStatus.COMPLETE
    assert phases["requirements"].status == PhaseStatus.IN_PROGRESS
    # The next gate cannot be skipped: only the phase in progress.
    _meet_all(phases["design"].gate, estate.owen)
    with pytest.raises(ValidationError):
        services.gate_submit(actor=estate.owen, gate=phases["design"].gate)


def test_rejected_gate_reopens(estate, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    _meet_all(gate, estate.owen)
    services.gate_submit(actor=estate.owen, gate=gate)
    governance.decision_record(
        actor=estate.gloria,
        request=selectors.latest_decision_for(gate),
        outcome="rejected",
        note="Business case too thin",
        meeting=_board_meeting(estate),
    )
    gate.refresh_from_db()
    assert gate.status == GateStatus.REJECTED
    services.criterion_add(actor=estate.owen, gate=gate, name="Benefits quantified")
    with pytest.raises(ValidationError):
        services.gate_submit(actor=estate.owen, gate=gate)


def test_only_the_team_or_owner_works_a_gate(estate, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    with pytest.raises(PermissionDenied):
        services.criterion_set(actor=estate.pat, criterion=gate.criteria.first(), met=True, evidence="x")


def test_waterfall_forecast_follows_milestones_and_phases(estate, waterfall):
    assert waterfall.forecast_end == date(2026, 12, 31)
    services.milestone_create(
        actor=estate.owen,
        initiative=waterfall,
        name="Go-live",
        baseline_date=date(2026, 12, 1),
        forecast_date=date(2027, 2, 15),
    )
    waterfall.refresh_from_db()
    assert waterfall.forecast_end == date(2027, 2, 15)
    row = selectors.initiative_health(waterfall)
    assert row.slip == 46 and row.rag == "red"


# --- agile ----------------------------------------------------------------------------------------


def test_wip_limit_refuses_a_move_with_a_clear_message(estate, agile):
    stories = [
        services.story_create(actor=estate.pat, initiative=agile, title=f"S{i}", points=3) for i in range(3)
    ]
    services.story_move(actor=estate.pat, story=stories[0], status=StoryStatus.IN_PROGRESS)
    services.story_move(actor=estate.pat, story=stories[1], status=StoryStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.story_move(actor=estate.pat, story=stories[2], status=StoryStatus.IN_PROGRESS)
    assert "WIP limit reached" in str(exc.value) and "2 of 2" in str(exc.value)
    stories[2].refresh_from_db()
    assert stories[2].status == StoryStatus.BACKLOG
    services.story_move(actor=estate.pat, story=stories[0], status=StoryStatus.REVIEW)
    services.story_move(actor=estate.pat, story=stories[2], status=StoryStatus.IN_PROGRESS)


def test_cycle_time_comes_from_the_recorded_transitions(estate, agile):
    story = services.story_create(actor=estate.pat, initiative=agile, title="Login", points=5)
    services.story_move(actor=estate.pat, story=story, status=StoryStatus.IN_PROGRESS)
    services.story_move(actor=estate.pat, story=story, status=StoryStatus.DONE)
    start = timezone.now() - timedelta(days=3)
    StoryTransition.objects.filter(story=story, to_status="in_progress").update(at=start)
    StoryTransition.objects.filter(story=story, to_status="done").update(
        at=start + timedelta(days=2, hours=4)
    )
    data = selectors.board(agile)
    assert data["cycle_count"] == 1
    assert data["cycle_average"] == timedelta(days=2, hours=4)
    assert [s.pk for s in data["columns"][-1].stories] == [story.pk]


def test_moves_recorded_with_their_time_give_the_cycle_time(estate, agile):
    entered = timezone.now() - timedelta(days=5)
    story = services.story_create(actor=estate.pat, initiative=agile, title="Login", points=5, at=entered)
    start = entered + timedelta(days=1)
    services.story_move(actor=estate.pat, story=story, status=StoryStatus.IN_PROGRESS, at=start)
    with pytest.raises(ValidationError) as error:
        services.story_move(
            actor=estate.pat, story=story, status=StoryStatus.DONE, at=start - timedelta(hours=1)
        )
    assert "at" in error.value.message_dict
    story.refresh_from_db()
    assert story.status == StoryStatus.IN_PROGRESS
    services.story_move(
        actor=estate.pat, story=story, status=StoryStatus.DONE, at=start + timedelta(hours=30)
    )
    assert selectors.board(agile)["cycle_average"] == timedelta(hours=30)
    with pytest.raises(ValidationError):
        services.story_create(
            actor=estate.pat, initiative=agile, title="Later", at=timezone.now() + timedelta(days=1)
        )


def test_outsiders_cannot_move_the_squad_stories(estate, agile):
    story = services.story_create(actor=estate.pat, initiative=agile, title="Login", points=5)
    with pytest.raises(PermissionDenied):
        services.story_move(actor=estate.pia, story=story, status=StoryStatus.READY)


def test_sprint_commitment_velocity_and_forecast(estate, agile):
    sprint = services.sprint_create(
        actor=estate.pat, initiative=agile, name="Sprint 1", start=date(2026, 1, 5)
    )
    assert sprint.end == date(2026, 1, 18)
    done = services.story_create(actor=estate.pat, initiative=agile, title="A", points=8, sprint=sprint)
    services.story_create(actor=estate.pat, initiative=agile, title="B", points=5, sprint=sprint)
    services.story_create(actor=estate.pat, initiative=agile, title="C", points=16)
    sprint = services.sprint_start(actor=estate.pat, sprint=sprint)
    assert sprint.committed_points == 13
    services.story_move(actor=estate.pat, story=done, status=StoryStatus.DONE)
    sprint = services.sprint_close(actor=estate.pat, sprint=sprint)
    assert sprint.completed_points == 8
    assert agile.stories.get(title="B").sprint is None  # carried over
    agile.refresh_from_db()
    # 21 points left at 8 a sprint: 3 sprints × 14 days from today.
    assert agile.forecast_end == timezone.localdate() + timedelta(days=42)
    assert selectors.sprint_stats(agile)["velocity"] == Decimal(8)


def test_dependency_cycles_are_refused(estate, agile, waterfall):
    services.dependency_create(
        actor=estate.gloria, initiative=agile, depends_on=waterfall, needed_by=date(2026, 3, 1)
    )
    with pytest.raises(ValidationError):
        services.dependency_create(actor=estate.gloria, initiative=waterfall, depends_on=agile)
    row = selectors.portfolio(user=estate.gloria).get(pk=agile.pk)
    assert (
        row.dependency_count == 1 and row.dependencies_at_risk == 1
    )  # needed 2026-03-01, forecast 2026-12-31

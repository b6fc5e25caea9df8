"""Services of waterfall and agile work: phases, milestones and criteria; epics, stories, moves and sprints.
The clock is frozen where a forecast or a recorded move depends on today."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.delivery import services
from bimodal.delivery.choices import GateStatus, SprintStatus, StoryStatus
from bimodal.delivery.models import Epic, GateCriterion, Milestone, Story

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False):
        yield NOON


# --- waterfall ------------------------------------------------------------------------------------


def test_a_phase_re_forecast_moves_the_initiative_forecast(estate, waterfall):
    deploy = waterfall.phases.get(kind="deploy")
    services.phase_update(actor=estate.owen, phase=deploy, forecast_end=date(2027, 1, 31), reason="Freeze")
    waterfall.refresh_from_db()
    deploy.refresh_from_db()
    assert deploy.forecast_end == date(2027, 1, 31) and deploy.forecast_start == deploy.baseline_start
    assert waterfall.forecast_end == date(2027, 1, 31)
    assert AuditEntry.objects.get(verb="phase_update").reason == "Freeze"


def test_outsiders_cannot_re_forecast_a_phase(estate, waterfall):
    phase = waterfall.phases.get(kind="build")
    with pytest.raises(PermissionDenied):
        services.phase_update(actor=estate.pat, phase=phase, forecast_end=date(2027, 6, 1))
    phase.refresh_from_db()
    assert phase.forecast_end == phase.baseline_end


def test_a_milestone_forecasts_its_baseline_unless_told(estate, waterfall):
    milestone = services.milestone_create(
        actor=estate.owen, initiative=waterfall, name="Design signed", baseline_date=date(2026, 4, 1)
    )
    assert milestone.forecast_date == date(2026, 4, 1) and milestone.actual_date is None
    assert milestone.slip_days == 0


def test_a_milestone_cannot_sit_in_another_initiative_s_phase(estate, waterfall):
    other = services.initiative_create(
        actor=estate.gloria, name="Other", approach="waterfall", mode=estate.mode1, org_unit=estate.central
    )
    with pytest.raises(ValidationError) as exc:
        services.milestone_create(
            actor=estate.owen,
            initiative=waterfall,
            phase=other.phases.first(),
            name="Misplaced",
            baseline_date=date(2026, 4, 1),
        )
    assert "phase" in exc.value.message_dict
    assert not Milestone.objects.exists()


def test_reaching_a_milestone_late_shows_its_slip(estate, waterfall):
    milestone = services.milestone_create(
        actor=estate.owen, initiative=waterfall, name="UAT", baseline_date=date(2026, 9, 1)
    )
    milestone = services.milestone_update(
        actor=estate.owen, milestone=milestone, actual_date=date(2026, 9, 11), reason="Reached"
    )
    milestone.refresh_from_db()
    assert milestone.actual_date == date(2026, 9, 11) and milestone.slip_days == 10
    assert milestone.name == "UAT" and milestone.forecast_date == date(2026, 9, 1)


def test_a_milestone_may_be_unreached_again(estate, waterfall):
    milestone = services.milestone_create(
        actor=estate.owen,
        initiative=waterfall,
        name="UAT",
        baseline_date=date(2026, 9, 1),
        actual_date=date(2026, 9, 2),
    )
    milestone = services.milestone_update(actor=estate.owen, milestone=milestone, actual_date=None)
    milestone.refresh_from_db()
    assert milestone.actual_date is None


def test_a_criterion_unmet_again_forgets_who_met_it(estate, waterfall):
    criterion = waterfall.phases.get(kind="initiation").gate.criteria.first()
    met = services.criterion_set(actor=estate.owen, criterion=criterion, met=True, evidence="Signed PDF")
    assert met.met_by == estate.owen and met.met_at is not None
    unmet = services.criterion_set(actor=estate.owen, criterion=met, met=False)
    assert unmet.met is False and unmet.met_by is None and unmet.met_at is None
    assert unmet.evidence == "Signed PDF"
    assert AuditEntry.objects.filter(verb="criterion_unmet").exists()


def test_unmet_criteria_are_named(estate, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    first = gate.criteria.order_by("pk").first()
    services.criterion_set(actor=estate.owen, criterion=first, met=True, evidence="ok")
    assert services.unmet_criteria(gate) == ["Sponsor named", "Budget confirmed"]


def test_criteria_are_frozen_while_the_gate_awaits_approval(estate, waterfall):
    gate = waterfall.phases.get(kind="initiation").gate
    for criterion in gate.criteria.all():
        services.criterion_set(actor=estate.owen, criterion=criterion, met=True, evidence="doc")
    gate = services.gate_submit(actor=estate.owen, gate=gate)
    assert gate.status == GateStatus.AWAITING_APPROVAL
    before = GateCriterion.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.criterion_add(actor=estate.owen, gate=gate, name="Late addition")
    assert "name" in exc.value.message_dict
    assert GateCriterion.objects.count() == before


# --- agile ----------------------------------------------------------------------------------------


def test_epics_belong_to_agile_initiatives_and_rank_in_order(estate, agile, waterfall):
    first = services.epic_create(actor=estate.pat, initiative=agile, title="Sign-up")
    second = services.epic_create(actor=estate.pat, initiative=agile, title="KYC")
    assert (first.rank, second.rank) == (1, 2)
    with pytest.raises(ValidationError) as exc:
        services.epic_create(actor=estate.owen, initiative=waterfall, title="Not here")
    assert "initiative" in exc.value.message_dict
    assert Epic.objects.count() == 2


def test_an_epic_update_changes_only_what_it_is_given(estate, agile):
    epic = services.epic_create(actor=estate.pat, initiative=agile, title="Sign-up", description="First")
    epic = services.epic_update(actor=estate.pat, epic=epic, rank=7)
    epic.refresh_from_db()
    assert (epic.title, epic.description, epic.rank) == ("Sign-up", "First", 7)


def test_outsiders_cannot_edit_the_squad_s_epics(estate, agile):
    epic = services.epic_create(actor=estate.pat, initiative=agile, title="Sign-up")
    with pytest.raises(PermissionDenied):
        services.epic_update(actor=estate.pia, epic=epic, title="Mine now")


def test_stories_join_the_bottom_of_the_backlog_with_a_recorded_entry(estate, agile, frozen):
    first = services.story_create(actor=estate.pat, initiative=agile, title="A", points=3)
    second = services.story_create(actor=estate.pat, initiative=agile, title="B")
    assert (first.rank, second.rank) == (1, 2) and second.points is None
    entry = first.transitions.get()
    assert (entry.from_status, entry.to_status, entry.at) == ("", StoryStatus.BACKLOG, NOON)


def test_a_story_cannot_enter_the_backlog_in_the_future(estate, agile, frozen):
    with pytest.raises(ValidationError) as exc:
        services.story_create(actor=estate.pat, initiative=agile, title="Later", at=NOON + timedelta(hours=1))
    assert "at" in exc.value.message_dict
    assert not Story.objects.exists()


def test_a_story_cannot_be_put_in_a_closed_sprint(estate, agile, frozen):
    sprint = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 2, 2))
    services.sprint_start(actor=estate.pat, sprint=sprint)
    services.sprint_close(actor=estate.pat, sprint=sprint)
    story = services.story_create(actor=estate.pat, initiative=agile, title="A", points=3)
    sprint.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.story_update(actor=estate.pat, story=story, sprint=sprint)
    assert "sprint" in exc.value.message_dict
    story.refresh_from_db()
    assert story.sprint is None


def test_a_story_update_can_take_it_out_of_its_sprint(estate, agile, frozen):
    sprint = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 3, 2))
    story = services.story_create(actor=estate.pat, initiative=agile, title="A", sprint=sprint)
    story = services.story_update(actor=estate.pat, story=story, sprint=None, title="A, smaller")
    story.refresh_from_db()
    assert story.sprint is None and story.title == "A, smaller"


def test_an_unknown_column_is_refused(estate, agile, frozen):
    story = services.story_create(actor=estate.pat, initiative=agile, title="A")
    with pytest.raises(ValidationError) as exc:
        services.story_move(actor=estate.pat, story=story, status="parked")
    assert "status" in exc.value.message_dict


def test_moving_within_a_column_only_re_ranks(estate, agile, frozen):
    story = services.story_create(actor=estate.pat, initiative=agile, title="A")
    moved = services.story_move(actor=estate.pat, story=story, status=StoryStatus.BACKLOG, rank=9)
    assert moved.rank == 9 and moved.status == StoryStatus.BACKLOG
    assert story.transitions.count() == 1  # only the entry: a re-rank is not a move
    assert AuditEntry.objects.filter(verb="story_rank").exists()


def test_a_move_sets_started_and_done_times_and_reopening_clears_done(estate, agile, frozen):
    story = services.story_create(actor=estate.pat, initiative=agile, title="A")
    story = services.story_move(actor=estate.pat, story=story, status=StoryStatus.IN_PROGRESS)
    assert story.started_at == NOON and story.done_at is None
    story = services.story_move(actor=estate.pat, story=story, status=StoryStatus.DONE)
    assert story.done_at == NOON
    story = services.story_move(actor=estate.pat, story=story, status=StoryStatus.REVIEW)
    assert story.done_at is None and story.started_at == NOON


def test_a_recorded_move_cannot_precede_the_previous_one(estate, agile, frozen):
    story = services.story_create(actor=estate.pat, initiative=agile, title="A", at=NOON - timedelta(days=2))
    with pytest.raises(ValidationError) as exc:
        services.story_move(
            actor=estate.pat, story=story, status=StoryStatus.READY, at=NOON - timedelta(days=3)
        )
    assert "at" in exc.value.message_dict
    story.refresh_from_db()
    assert story.status == StoryStatus.BACKLOG


def test_a_column_without_a_limit_takes_any_number(estate, agile, frozen):
    for n in range(4):
        story = services.story_create(actor=estate.pat, initiative=agile, title=f"S{n}")
        services.story_move(actor=estate.pat, story=story, status=StoryStatus.READY)
    assert services.wip_violation(agile, StoryStatus.READY) == ""
    assert agile.stories.filter(status=StoryStatus.READY).count() == 4


def test_a_sprint_lasts_the_initiative_s_sprint_length_unless_told(estate, agile):
    sprint = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 3, 2))
    assert sprint.end == date(2026, 3, 15) and sprint.status == SprintStatus.PLANNED
    short = services.sprint_create(
        actor=estate.pat, initiative=agile, name="S2", start=date(2026, 3, 16), end=date(2026, 3, 20)
    )
    assert short.end == date(2026, 3, 20)


def test_only_one_sprint_runs_at_a_time(estate, agile):
    first = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 3, 2))
    second = services.sprint_create(actor=estate.pat, initiative=agile, name="S2", start=date(2026, 3, 16))
    services.sprint_start(actor=estate.pat, sprint=first)
    with pytest.raises(ValidationError) as exc:
        services.sprint_start(actor=estate.pat, sprint=second)
    assert "status" in exc.value.message_dict
    second.refresh_from_db()
    assert second.status == SprintStatus.PLANNED


def test_a_planned_sprint_cannot_be_closed(estate, agile):
    sprint = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 3, 2))
    with pytest.raises(ValidationError):
        services.sprint_close(actor=estate.pat, sprint=sprint)


def test_closing_a_sprint_carries_unfinished_stories_back_to_the_backlog(estate, agile, frozen):
    sprint = services.sprint_create(actor=estate.pat, initiative=agile, name="S1", start=date(2026, 2, 23))
    done = services.story_create(actor=estate.pat, initiative=agile, title="Done", points=5, sprint=sprint)
    left = services.story_create(actor=estate.pat, initiative=agile, title="Left", points=3, sprint=sprint)
    sprint = services.sprint_start(actor=estate.pat, sprint=sprint)
    assert sprint.committed_points == 8
    services.story_move(actor=estate.pat, story=done, status=StoryStatus.DONE)
    sprint = services.sprint_close(actor=estate.pat, sprint=sprint)
    assert sprint.completed_points == 5
    left.refresh_from_db()
    done.refresh_from_db()
    assert left.sprint is None and done.sprint == sprint
    assert AuditEntry.objects.get(verb="story_carry_over").reason == "Carried over from S1"


def test_outsiders_plan_no_sprints(estate, agile):
    with pytest.raises(PermissionDenied):
        services.sprint_create(actor=estate.pia, initiative=agile, name="S1", start=date(2026, 3, 2))
    assert not agile.sprints.exists()

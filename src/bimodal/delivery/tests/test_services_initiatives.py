"""Services of initiatives: starting one, editing only what is given, status, baseline, risks, dependencies
and who may work an initiative."""

from datetime import date
from itertools import pairwise

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.delivery import services
from bimodal.delivery.choices import PHASE_ORDER, InitiativeStatus, PhaseStatus, RiskStatus
from bimodal.delivery.models import Initiative, InitiativeDependency, InitiativeRisk, Phase

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Initiative.objects.count(),
        InitiativeRisk.objects.count(),
        InitiativeDependency.objects.count(),
        AuditEntry.objects.count(),
    )


def test_an_agile_initiative_starts_with_the_default_wip_limits_and_no_phases(estate):
    initiative = services.initiative_create(
        actor=estate.gloria, name="App", approach="agile", mode=estate.mode2, org_unit=estate.agile_unit
    )
    assert initiative.wip_limits == services.DEFAULT_WIP_LIMITS
    assert initiative.owner == estate.gloria  # no owner given: the one who starts it
    assert not initiative.phases.exists() and initiative.status == InitiativeStatus.ACTIVE


def test_a_waterfall_initiative_gets_six_phases_covering_its_baseline(waterfall):
    phases = list(waterfall.phases.order_by("order"))
    assert [p.kind for p in phases] == list(PHASE_ORDER)
    assert phases[0].baseline_start == date(2026, 1, 1) and phases[-1].baseline_end == date(2026, 12, 31)
    for earlier, later in pairwise(phases):
        assert (later.baseline_start - earlier.baseline_end).days == 1
    assert [p.status for p in phases[:2]] == [PhaseStatus.IN_PROGRESS, PhaseStatus.NOT_STARTED]
    assert waterfall.wip_limits == {}
    assert phases[0].gate.criteria.count() == len(services.DEFAULT_GATE_CRITERIA["initiation"])


def test_starting_an_initiative_needs_the_permission_and_writes_nothing_otherwise(estate):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.initiative_create(
            actor=estate.pat, name="Mine", approach="agile", mode=estate.mode2, org_unit=estate.agile_unit
        )
    assert _counts() == before


def test_an_invalid_sprint_length_is_a_field_error(estate):
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=estate.gloria,
            name="Long sprints",
            approach="agile",
            mode=estate.mode2,
            org_unit=estate.agile_unit,
            sprint_length_days=90,
        )
    assert "sprint_length_days" in exc.value.message_dict
    assert not Initiative.objects.filter(name="Long sprints").exists()


def test_an_update_changes_only_what_it_is_given(estate, agile):
    agile.services.set([estate.app])
    updated = services.initiative_update(
        actor=estate.gloria, initiative=agile, rag_override="amber", rag_note="Supplier late", reason="Weekly"
    )
    updated.refresh_from_db()
    assert (updated.rag_override, updated.rag_note) == ("amber", "Supplier late")
    assert updated.name == "Mobile onboarding" and updated.team == estate.squad
    assert list(updated.services.all()) == [estate.app]  # services not given: left as they are
    assert AuditEntry.objects.get(verb="initiative_update").reason == "Weekly"


def test_an_update_with_an_empty_list_of_services_clears_them(estate, agile):
    agile.services.set([estate.app])
    services.initiative_update(actor=estate.gloria, initiative=agile, services=[])
    assert not agile.services.exists()


def test_someone_outside_the_initiative_cannot_edit_it(estate, waterfall):
    with pytest.raises(PermissionDenied):
        services.initiative_update(actor=estate.pat, initiative=waterfall, name="Taken over")
    waterfall.refresh_from_db()
    assert waterfall.name == "Core banking upgrade"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["on_hold", "active", "completed"], True),
        (["cancelled"], True),
        (["completed", "active"], False),
        (["cancelled", "on_hold"], False),
    ],
)
def test_status_follows_the_declared_transitions(estate, agile, path, allowed):
    initiative = agile
    *steps, last = path
    for status in steps:
        initiative = services.initiative_transition(actor=estate.gloria, initiative=initiative, status=status)
    if allowed:
        initiative = services.initiative_transition(actor=estate.gloria, initiative=initiative, status=last)
        assert initiative.status == last
    else:
        with pytest.raises(ValidationError) as exc:
            services.initiative_transition(actor=estate.gloria, initiative=initiative, status=last)
        assert "status" in exc.value.message_dict


def test_a_transition_is_audited_with_its_own_verb(estate, agile):
    services.initiative_transition(actor=estate.gloria, initiative=agile, status="on_hold", reason="Budget")
    entry = AuditEntry.objects.get(verb="initiative_on_hold")
    assert entry.reason == "Budget" and entry.after["status"] == "on_hold"


def test_rebaselining_needs_a_reason_and_a_portfolio_manager(estate, waterfall):
    with pytest.raises(ValidationError) as exc:
        services.initiative_rebaseline(
            actor=estate.gloria,
            initiative=waterfall,
            baseline_start=date(2026, 2, 1),
            baseline_end=date(2027, 1, 31),
            reason=" ",
        )
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.initiative_rebaseline(
            actor=estate.owen,
            initiative=waterfall,
            baseline_start=date(2026, 2, 1),
            baseline_end=date(2027, 1, 31),
            reason="Supplier",
        )
    moved = services.initiative_rebaseline(
        actor=estate.gloria,
        initiative=waterfall,
        baseline_start=date(2026, 2, 1),
        baseline_end=date(2027, 1, 31),
        reason="Supplier",
    )
    assert moved.baseline_end == date(2027, 1, 31)
    assert AuditEntry.objects.get(verb="initiative_rebaseline").reason == "Supplier"


def test_a_risk_takes_the_defaults_and_is_audited(estate, agile):
    risk = services.risk_create(actor=estate.pat, initiative=agile, title="Key person leaves")
    assert (risk.probability, risk.impact, risk.status, risk.owner) == (3, 3, RiskStatus.OPEN, None)
    assert risk.exposure == 9
    assert AuditEntry.objects.filter(verb="risk_create", object_id=str(risk.pk)).exists()


def test_a_risk_update_closes_it_with_a_reason_and_keeps_the_rest(estate, agile):
    risk = services.risk_create(
        actor=estate.pat, initiative=agile, title="Vendor delay", probability=4, impact=5, mitigation="Chase"
    )
    risk = services.risk_update(actor=estate.pat, risk=risk, status=RiskStatus.CLOSED, reason="Delivered")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.CLOSED and (risk.probability, risk.impact) == (4, 5)
    assert risk.mitigation == "Chase"
    assert AuditEntry.objects.get(verb="risk_update").reason == "Delivered"


def test_a_risk_out_of_range_is_refused_and_writes_nothing(estate, agile):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.risk_create(actor=estate.pat, initiative=agile, title="Bad", probability=6)
    assert "probability" in exc.value.message_dict
    assert _counts() == before


def test_outsiders_log_no_risks(estate, waterfall):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.risk_create(actor=estate.pat, initiative=waterfall, title="Not mine")
    assert _counts() == before


def test_an_initiative_cannot_depend_on_itself(estate, agile):
    with pytest.raises(ValidationError) as exc:
        services.dependency_create(actor=estate.gloria, initiative=agile, depends_on=agile)
    assert "depends_on" in exc.value.message_dict


def test_a_dependency_is_recorded_and_removed_with_audit_rows(estate, agile, waterfall):
    dependency = services.dependency_create(
        actor=estate.gloria,
        initiative=agile,
        depends_on=waterfall,
        description="Needs the new core API",
        needed_by=date(2026, 5, 1),
    )
    assert list(agile.dependencies.all()) == [dependency]
    services.dependency_delete(actor=estate.gloria, dependency=dependency)
    assert not InitiativeDependency.objects.exists()
    assert AuditEntry.objects.filter(verb="dependency_delete").exists()


def test_a_dependency_needs_the_permission(estate, agile, waterfall):
    with pytest.raises(PermissionDenied):
        services.dependency_create(actor=estate.pat, initiative=agile, depends_on=waterfall)
    assert not InitiativeDependency.objects.exists()


@pytest.mark.parametrize(
    ("who", "works"),
    [("owen", True), ("gloria", True), ("pat", False), ("audrey", False), ("anonymous", False)],
)
def test_who_works_the_core_team_s_initiative(estate, waterfall, who, works):
    actor = AnonymousUser() if who == "anonymous" else estate[who]
    assert services.may_work(actor, waterfall) is works


def test_a_team_member_works_the_team_s_initiative(estate, agile):
    assert services.may_work(estate.pat, agile) is True
    assert services.may_work(estate.pia, agile) is False  # not in the squad


def test_phases_of_a_waterfall_initiative_are_audited_as_created(waterfall):
    phase_ids = {str(pk) for pk in Phase.objects.filter(initiative=waterfall).values_list("pk", flat=True)}
    audited = set(AuditEntry.objects.filter(verb="phase_create").values_list("object_id", flat=True))
    assert phase_ids == audited

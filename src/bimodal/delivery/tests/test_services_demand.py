"""Services of demand and scoring: defaults, edits and rescoring, refusals that write nothing, withdrawal."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.delivery import services
from bimodal.delivery.choices import Approach, DemandStatus
from bimodal.delivery.models import Demand, ScoringModel

pytestmark = pytest.mark.django_db


def _demand(estate, actor=None, **fields):
    values = {"title": "Open banking API", "org_unit": estate.central, "mode": estate.mode2} | fields
    return services.demand_create(actor=actor or estate.rita, **values)


def _writes():
    return (Demand.objects.count(), ScoringModel.objects.count(), AuditEntry.objects.count())


def test_a_demand_not_told_otherwise_takes_the_model_defaults(estate):
    demand = _demand(estate)
    assert (demand.value, demand.urgency, demand.risk, demand.strategic_fit) == (3, 3, 3, 3)
    assert demand.investment_class == "grow" and demand.approach == ""
    assert demand.cost_estimate == Decimal("0") and demand.fte_estimate == Decimal("0")
    assert demand.requester == estate.rita and demand.service is None and demand.team is None


def test_creating_a_demand_audits_the_creation_and_the_score(estate):
    demand = _demand(estate)
    rows = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Demand))
    verbs = list(rows.filter(object_id=str(demand.pk)).order_by("seq").values_list("verb", flat=True))
    assert verbs == ["demand_create", "demand_score"]


def test_references_follow_one_another(estate):
    first, second = _demand(estate), _demand(estate, title="Second")
    assert first.reference != second.reference
    assert int(second.reference.split("-")[1]) == int(first.reference.split("-")[1]) + 1


def test_someone_without_the_add_permission_raises_nothing(estate):
    before = _writes()
    with pytest.raises(PermissionDenied):
        _demand(estate, actor=estate.audrey)
    assert _writes() == before


def test_an_out_of_range_factor_is_a_field_error_and_writes_nothing(estate):
    before = _writes()
    with pytest.raises(ValidationError) as exc:
        _demand(estate, value=9)
    assert "value" in exc.value.message_dict
    assert _writes() == before


def test_editing_a_scored_factor_rescores(estate):
    demand = _demand(estate, value=1)
    low = demand.score
    demand = services.demand_update(actor=estate.rita, demand=demand, value=5)
    assert demand.score > low
    assert AuditEntry.objects.filter(verb="demand_score", object_id=str(demand.pk)).count() == 2


def test_editing_the_title_keeps_the_score_and_the_other_fields(estate):
    demand = _demand(estate, value=4, cost_estimate=Decimal("1000"))
    demand = services.demand_update(actor=estate.rita, demand=demand, title="Renamed", reason="Clearer")
    demand.refresh_from_db()
    assert demand.title == "Renamed" and demand.value == 4 and demand.cost_estimate == Decimal("1000")
    assert AuditEntry.objects.filter(verb="demand_score", object_id=str(demand.pk)).count() == 1
    assert AuditEntry.objects.get(verb="demand_update").reason == "Clearer"


def test_setting_an_optional_reference_to_none_clears_it(estate):
    demand = _demand(estate, team=estate.squad, desired_start=date(2026, 3, 1))
    demand = services.demand_update(actor=estate.rita, demand=demand, team=None, desired_start=None)
    demand.refresh_from_db()
    assert demand.team is None and demand.desired_start is None


def test_an_edit_that_changes_nothing_writes_no_audit_row(estate):
    demand = _demand(estate, title="Same")
    before = AuditEntry.objects.count()
    services.demand_update(actor=estate.rita, demand=demand, title="Same")
    assert AuditEntry.objects.count() == before


def test_a_submitted_demand_cannot_be_edited(estate):
    demand = services.demand_submit(actor=estate.rita, demand=_demand(estate, cost_estimate=Decimal(10)))
    with pytest.raises(ValidationError) as exc:
        services.demand_update(actor=estate.rita, demand=demand, title="Too late")
    assert "status" in exc.value.message_dict
    demand.refresh_from_db()
    assert demand.title == "Open banking API"


def test_a_withdrawn_draft_cannot_be_withdrawn_or_submitted_again(estate):
    demand = services.demand_withdraw(actor=estate.rita, demand=_demand(estate), reason="No longer needed")
    assert demand.status == DemandStatus.WITHDRAWN
    assert AuditEntry.objects.get(verb="demand_withdraw").reason == "No longer needed"
    with pytest.raises(ValidationError):
        services.demand_withdraw(actor=estate.rita, demand=demand)
    with pytest.raises(ValidationError):
        services.demand_submit(actor=estate.rita, demand=demand)


def test_another_requester_may_not_withdraw_or_rescore_a_demand(estate, make_user):
    demand = _demand(estate)
    other = make_user("requester")
    with pytest.raises(PermissionDenied):
        services.demand_withdraw(actor=other, demand=demand)
    with pytest.raises(PermissionDenied):
        services.demand_score(actor=other, demand=demand)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DRAFT


def test_a_portfolio_manager_rescores_anyone_s_demand(estate):
    demand = _demand(estate)
    rescored = services.demand_score(actor=estate.gloria, demand=demand)
    assert rescored.score == demand.score
    assert AuditEntry.objects.filter(verb="demand_score", actor=estate.gloria).exists()


def test_new_weights_keep_the_weights_not_given(estate):
    current = services.scoring_model_current()
    model = services.scoring_model_update(actor=estate.gloria, weight_cost=Decimal(0), note="No cost")
    assert model.version == current.version + 1 and model.note == "No cost"
    assert model.weight_cost == 0
    assert (model.weight_value, model.weight_fit, model.cost_ceiling) == (
        current.weight_value,
        current.weight_fit,
        current.cost_ceiling,
    )
    assert services.scoring_model_current() == model


def test_new_weights_without_rescoring_leave_open_demand_on_the_old_version(estate):
    demand = _demand(estate)
    services.scoring_model_update(
        actor=estate.gloria, weight_value=Decimal(100), weight_urgency=0, rescore=False
    )
    demand.refresh_from_db()
    assert demand.scoring_model.version == 1


def test_invalid_weights_write_no_version(estate):
    before = _writes()
    with pytest.raises(ValidationError):
        services.scoring_model_update(actor=estate.gloria, weight_value=Decimal(-5))
    assert _writes() == before


@pytest.mark.parametrize(
    ("kpi_set", "requested", "expected"),
    [
        ("stability", "", Approach.WATERFALL),
        ("flow", "", Approach.AGILE),
        ("stability", Approach.AGILE, Approach.AGILE),
    ],
)
def test_the_approach_follows_the_mode_unless_requested(estate, kpi_set, requested, expected):
    mode = estate.mode1
    mode.kpi_set = kpi_set
    assert services.approach_for(mode, requested) == expected

"""Supplier profile and MSP evaluation services with explicit fields, and the API's field-named 400s and
denials for another supplier's people."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import SupplierFactory
from bimodal.people.models import Skill
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.suppliers import services
from bimodal.suppliers.models import (
    MspCandidate,
    MspEvaluation,
    Supplier,
    SupplierCategory,
    SupplierCertification,
    default_weights,
)
from bimodal.suppliers.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gov")


@pytest.fixture
def alpha():
    return SupplierFactory(slug="alpha", name="Alpha")


@pytest.fixture
def beta_manager(make_user):
    """A governance lead on the side of supplier Beta: sees and changes only Beta."""
    return make_user("governance_lead", supplier=SupplierFactory(slug="beta", name="Beta"), username="bm")


# --- suppliers ---------------------------------------------------------------------------------------


def test_a_new_supplier_takes_the_models_defaults_and_its_categories(gov):
    cloud = SupplierCategory.objects.create(name="Cloud", slug="cloud")
    supplier = services.supplier_create(actor=gov, name="Stratus Cloud", categories=[cloud])
    assert (supplier.slug, supplier.tier, supplier.status, supplier.regions) == (
        "stratus-cloud",
        "tactical",
        "active",
        [],
    )
    assert supplier.coverage_labels == ["business hours", "remote"]
    assert list(supplier.categories.all()) == [cloud]
    assert AuditEntry.objects.get(verb="supplier_create").after["name"] == "Stratus Cloud"


def test_update_leaves_what_is_not_given(gov):
    cloud = SupplierCategory.objects.create(name="Cloud", slug="cloud")
    supplier = services.supplier_create(
        actor=gov, name="Stratus", categories=[cloud], relationship_owner=gov, regions=["GB"]
    )
    services.supplier_update(actor=gov, supplier=supplier, tier="strategic", reason="key partner")
    supplier.refresh_from_db()
    assert (supplier.tier, supplier.relationship_owner, supplier.regions) == ("strategic", gov, ["GB"])
    assert list(supplier.categories.all()) == [cloud]
    assert AuditEntry.objects.get(verb="supplier_update").reason == "key partner"


def test_update_with_none_or_empty_clears(gov):
    cloud = SupplierCategory.objects.create(name="Cloud", slug="cloud")
    supplier = services.supplier_create(actor=gov, name="Stratus", categories=[cloud], relationship_owner=gov)
    services.supplier_update(actor=gov, supplier=supplier, relationship_owner=None, categories=[])
    supplier.refresh_from_db()
    assert supplier.relationship_owner is None and not supplier.categories.exists()


def test_regions_are_short_codes(gov, alpha):
    with pytest.raises(ValidationError) as exc:
        services.supplier_update(actor=gov, supplier=alpha, regions=["GB", ""])
    assert "regions" in exc.value.message_dict
    alpha.refresh_from_db()
    assert alpha.regions == []


def test_another_suppliers_manager_cannot_change_the_supplier(alpha, beta_manager):
    with pytest.raises(PermissionDenied):
        services.supplier_update(actor=beta_manager, supplier=alpha, tier="commodity")
    with pytest.raises(PermissionDenied):
        services.contact_add(actor=beta_manager, supplier=alpha, name="Eve", role="account_manager")
    alpha.refresh_from_db()
    assert alpha.tier == "tactical" and not alpha.contacts.exists()


def test_a_supplier_agent_cannot_change_their_own_supplier(make_user, alpha):
    agent = make_user("supplier_agent", supplier=alpha, username="agent")
    with pytest.raises(PermissionDenied):
        services.supplier_update(actor=agent, supplier=alpha, description="We are the best")


def test_certification_expiry_on_a_frozen_day(gov, alpha):
    def add(name: str, until: date) -> SupplierCertification:
        return services.certification_add(actor=gov, supplier=alpha, name=name, valid_until=until)

    with time_machine.travel(date(2026, 3, 1), tick=False):
        today = date(2026, 3, 1)
        soon = add("ISO 27001", today + timedelta(days=90))
        later = add("SOC 2", today + timedelta(days=91))
        lapsed = add("PCI DSS", today - timedelta(days=1))
        assert (soon.expires_soon, soon.expired) == (True, False)
        assert (later.expires_soon, later.expired) == (False, False)
        assert (lapsed.expires_soon, lapsed.expired) == (False, True)


# --- MSP evaluations ---------------------------------------------------------------------------------


def _evaluation(gov, **fields) -> MspEvaluation:
    return services.evaluation_create(actor=gov, name="Outsource ops", **fields)


def test_a_new_evaluation_has_the_default_weights_and_its_owner(gov):
    evaluation = _evaluation(gov)
    assert (evaluation.slug, evaluation.owner, evaluation.status) == ("outsource-ops", gov, "open")
    assert evaluation.weights == default_weights() and sum(evaluation.weights.values()) == 100
    assert (evaluation.needs_remote, evaluation.needs_on_site, evaluation.required_response) == (
        True,
        False,
        {},
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weights": {"capability": 100}}, "weights"),
        ({"weights": dict.fromkeys(default_weights(), 0)}, "weights"),
        ({"weights": {**default_weights(), "cost": 101}}, "weights"),
        ({"required_response": {"P9": 15}}, "required_response"),
        ({"required_response": {"P1": 0}}, "required_response"),
        ({"regions": [""]}, "regions"),
    ],
)
def test_bad_evaluation_fields_are_named(gov, fields, field):
    with pytest.raises(ValidationError) as exc:
        _evaluation(gov, **fields)
    assert set(exc.value.message_dict) == {field}
    assert not MspEvaluation.objects.exists()


def test_a_provider_is_a_candidate_once_and_without_tickets_has_no_figures(gov, alpha):
    evaluation = _evaluation(gov)
    candidate = services.candidate_add(
        actor=gov, evaluation=evaluation, supplier=alpha, annual_cost=Decimal("1000")
    )
    assert (candidate.demonstrated_response, candidate.response_source, candidate.customisation) == (
        {},
        "",
        3,
    )
    with pytest.raises(ValidationError) as exc:
        services.candidate_add(actor=gov, evaluation=evaluation, supplier=alpha, annual_cost=Decimal("1"))
    assert "supplier" in exc.value.message_dict
    assert MspCandidate.objects.count() == 1


def test_the_decision_takes_one_of_the_evaluations_candidates_and_a_rationale(gov, alpha):
    evaluation = _evaluation(gov)
    other = services.evaluation_create(actor=gov, name="Other")
    stranger = services.candidate_add(actor=gov, evaluation=other, supplier=alpha, annual_cost=Decimal("5"))
    own = services.candidate_add(actor=gov, evaluation=evaluation, supplier=alpha, annual_cost=Decimal("5"))
    with pytest.raises(ValidationError) as exc:
        services.evaluation_decide(actor=gov, evaluation=evaluation, candidate=stranger, rationale="cheap")
    assert "candidate" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.evaluation_decide(actor=gov, evaluation=evaluation, candidate=own, rationale="  ")
    assert "rationale" in exc.value.message_dict
    evaluation.refresh_from_db()
    assert evaluation.status == "open" and evaluation.chosen is None


def test_a_decided_evaluation_is_not_changed(gov, alpha):
    evaluation = _evaluation(gov)
    own = services.candidate_add(actor=gov, evaluation=evaluation, supplier=alpha, annual_cost=Decimal("5"))
    services.evaluation_decide(actor=gov, evaluation=evaluation, candidate=own, rationale="only one")
    with pytest.raises(ValidationError) as exc:
        services.evaluation_update(actor=gov, evaluation=evaluation, description="more")
    assert "status" in exc.value.message_dict
    with pytest.raises(TypeError):  # the status changes only by deciding or cancelling
        services.evaluation_update(actor=gov, evaluation=evaluation, status="open")  # type: ignore[call-arg]


def test_evaluations_are_hidden_from_a_suppliers_people(gov, beta_manager):
    _evaluation(gov)
    assert MspEvaluation.objects.restrict(gov, "view").count() == 1
    assert not MspEvaluation.objects.restrict(beta_manager, "view").exists()


# --- the API: 400s that name their fields, denials across suppliers ------------------------------------


def test_api_supplier_bad_input_names_the_fields_and_writes_nothing(client_for, gov):
    response = client_for(gov).post(
        "/api/suppliers/", {"name": "X", "tier": "gold", "website": "not a url"}, content_type=JSON
    )
    assert response.status_code == 400
    assert {"tier", "website"} <= set(response.json())
    assert not Supplier.objects.filter(name="X").exists()


def test_api_certification_dates_are_checked(client_for, gov, alpha):
    response = client_for(gov).post(
        "/api/suppliers/alpha/certifications/",
        {"name": "ISO 27001", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
        content_type=JSON,
    )
    assert response.status_code == 400 and "valid_until" in response.json()
    assert not SupplierCertification.objects.exists()


def test_api_contract_supplier_is_not_changed(client_for, gov, alpha):
    contract = ContractFactory(supplier=alpha, reference="CT-A")
    response = client_for(gov).patch(
        "/api/contracts/CT-A/", {"supplier": "beta", "title": "Moved"}, content_type=JSON
    )
    assert response.status_code == 400 and "supplier" in response.json()
    contract.refresh_from_db()
    assert (contract.supplier, contract.title) == (alpha, "Managed service")


def test_api_evaluation_bad_weights_and_response_are_400(client_for, gov):
    client = client_for(gov)
    out_of_range = client.post(
        "/api/msp-evaluations/", {"name": "E", "weights": {"cost": 500}}, content_type=JSON
    )
    assert out_of_range.status_code == 400 and "weights" in out_of_range.json()
    bad_priority = client.post(
        "/api/msp-evaluations/", {"name": "E", "required_response": {"P9": 5}}, content_type=JSON
    )
    assert bad_priority.status_code == 400 and "required_response" in bad_priority.json()
    assert not MspEvaluation.objects.exists()


def test_api_another_suppliers_manager_gets_404s(client_for, alpha, beta_manager):
    ContractFactory(supplier=alpha, reference="CT-A")
    client = client_for(beta_manager)
    assert client.get("/api/suppliers/alpha/").status_code == 404
    assert client.get("/api/contracts/CT-A/").status_code == 404
    assert client.patch("/api/contracts/CT-A/", {"title": "x"}, content_type=JSON).status_code == 404
    made = client.post(
        "/api/suppliers/alpha/contacts/", {"name": "Eve", "role": "account_manager"}, content_type=JSON
    )
    assert made.status_code == 404
    assert not alpha.contacts.exists()


def test_a_requirement_is_set_once_with_a_weight_from_one_to_five(gov):
    evaluation = _evaluation(gov)
    cobol = Skill.objects.create(name="COBOL", slug="cobol")
    services.requirement_set(actor=gov, evaluation=evaluation, skill=cobol, weight=2)
    again = services.requirement_set(actor=gov, evaluation=evaluation, skill=cobol, weight=5, future=True)
    assert evaluation.requirements.count() == 1 and (again.weight, again.future) == (5, True)
    with pytest.raises(ValidationError) as exc:
        services.requirement_set(actor=gov, evaluation=evaluation, skill=cobol, weight=6)
    assert "weight" in exc.value.message_dict


def test_evaluation_services_are_kept_unless_given(gov):
    service = ServiceFactory(slug="mainframe")
    evaluation = _evaluation(gov, services=[service])
    services.evaluation_update(actor=gov, evaluation=evaluation, needs_on_site=True)
    assert list(evaluation.services.all()) == [service]
    services.evaluation_update(actor=gov, evaluation=evaluation, services=[])
    assert not evaluation.services.exists()
    evaluation.refresh_from_db()
    assert evaluation.needs_on_site is True


def test_candidate_update_changes_only_the_given_fields(gov, alpha):
    evaluation = _evaluation(gov)
    candidate = services.candidate_add(
        actor=gov, evaluation=evaluation, supplier=alpha, annual_cost=Decimal("1000"), notes="first"
    )
    services.candidate_update(actor=gov, candidate=candidate, notes="revised")
    candidate.refresh_from_db()
    assert (candidate.notes, candidate.annual_cost, candidate.customisation) == (
        "revised",
        Decimal("1000"),
        3,
    )


def test_api_candidate_bad_input_names_the_fields(client_for, gov, alpha):
    evaluation = _evaluation(gov)
    services.candidate_add(actor=gov, evaluation=evaluation, supplier=alpha, annual_cost=Decimal("1000"))
    response = client_for(gov).patch(
        "/api/msp-evaluations/outsource-ops/candidates/alpha/",
        {"customisation": 9, "annual_cost": "-5"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert {"customisation", "annual_cost"} <= set(response.json())
    assert MspCandidate.objects.get().customisation == 3

"""Service tests: a supplier's contacts and certifications, and the MSP evaluation's candidate, requirement
and cancellation steps — who may, what is refused, and the audit row of each write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.people.models import Skill
from bimodal.suppliers import services
from bimodal.suppliers.models import MspCandidate, MspRequirement, SupplierCertification, SupplierContact
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    w = two_suppliers(make_user)
    # A supplier-side manager with the vendor manager's rights: object restriction keeps them to Beta.
    w["beta_manager"] = make_user("governance_lead", supplier=w["b"], username="beta_manager")
    return w


def _audit(verb: str) -> AuditEntry:
    return AuditEntry.objects.get(verb=verb)


def test_contact_add_and_remove_are_audited(w):
    contact = services.contact_add(
        actor=w["gov"],
        supplier=w["a"],
        name="Ann Lee",
        role="escalation",
        email="ann@alpha.example",
        phone="+44 20 7946 0000",
        escalation_level=1,
    )
    entry = _audit("contact_add")
    assert (entry.actor, entry.object_id, entry.after["name"]) == (w["gov"], str(contact.pk), "Ann Lee")
    services.contact_remove(actor=w["gov"], contact=contact, reason="left the company")
    entry = _audit("contact_remove")
    assert entry.before["email"] == "ann@alpha.example" and entry.reason == "left the company"
    assert not SupplierContact.objects.exists()


def test_contact_rules(w):
    with pytest.raises(ValidationError) as exc:
        services.contact_add(actor=w["gov"], supplier=w["a"], name="X", role="boss", escalation_level=9)
    assert {"role", "escalation_level"} <= set(exc.value.message_dict)
    for user in (w["agent_a"], w["agent"], w["requester"]):  # roles that only read
        with pytest.raises(PermissionDenied):
            services.contact_add(actor=user, supplier=w["a"], name="X", role="technical")
    with pytest.raises(PermissionDenied):  # may add contacts, but only to their own supplier
        services.contact_add(actor=w["beta_manager"], supplier=w["a"], name="X", role="technical")
    alpha = services.contact_add(actor=w["gov"], supplier=w["a"], name="Al", role="technical")
    with pytest.raises(PermissionDenied):
        services.contact_remove(actor=w["beta_manager"], contact=alpha)
    with pytest.raises(PermissionDenied):
        services.contact_remove(actor=w["agent_a"], contact=alpha)
    own = services.contact_add(actor=w["beta_manager"], supplier=w["b"], name="Bo", role="technical")
    services.contact_remove(actor=w["beta_manager"], contact=own)
    assert list(SupplierContact.objects.values_list("name", flat=True)) == ["Al"]
    assert AuditEntry.objects.filter(verb="contact_add").count() == 2


def test_certification_add_validates_and_audits(w):
    with pytest.raises(ValidationError) as exc:
        services.certification_add(
            actor=w["gov"],
            supplier=w["a"],
            name="ISO 27001",
            valid_from=date(2026, 5, 1),
            valid_until=date(2026, 4, 1),
        )
    assert "valid_until" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.certification_add(actor=w["gov"], supplier=w["a"], name="SOC 2", evidence_url="not a url")
    assert "evidence_url" in exc.value.message_dict
    assert (
        not SupplierCertification.objects.exists()
        and not AuditEntry.objects.filter(verb="certification_add").exists()
    )
    cert = services.certification_add(
        actor=w["gov"],
        supplier=w["a"],
        name="ISO 27001",
        issuer="BSI",
        reference="IS 123456",
        valid_from=date(2025, 1, 1),
        valid_until=date(2027, 12, 31),
        evidence_url="https://evidence.example/iso.pdf",
    )
    assert _audit("certification_add").after["evidence_url"] == "https://evidence.example/iso.pdf"
    with pytest.raises(ValidationError) as exc:  # once per supplier and standard
        services.certification_add(actor=w["gov"], supplier=w["a"], name="ISO 27001")
    assert "name" in exc.value.message_dict
    services.certification_add(actor=w["gov"], supplier=w["b"], name="ISO 27001")  # another supplier may
    with pytest.raises(PermissionDenied):
        services.certification_remove(actor=w["beta_manager"], certification=cert)
    services.certification_remove(actor=w["gov"], certification=cert)
    assert _audit("certification_remove").before["name"] == "ISO 27001"
    assert list(SupplierCertification.objects.values_list("supplier__slug", flat=True)) == ["beta"]


def test_certification_expiry(w):
    cert = services.certification_add(
        actor=w["gov"], supplier=w["a"], name="PCI DSS", valid_until=date(2026, 6, 30)
    )
    with time_machine.travel(date(2026, 6, 30), tick=False):
        assert not cert.expired and cert.expires_soon
    with time_machine.travel(date(2026, 3, 1), tick=False):
        assert not cert.expired and not cert.expires_soon
    with time_machine.travel(date(2026, 7, 1), tick=False):
        assert cert.expired and not cert.expires_soon


@pytest.fixture
def ev(w):
    evaluation = services.evaluation_create(actor=w["gov"], name="Outsource ops", services=[w["sa"]])
    candidate = services.candidate_add(
        actor=w["gov"],
        evaluation=evaluation,
        supplier=w["a"],
        annual_cost=Decimal("1000"),
        demonstrated_response={"P1": 20},
    )
    skill = Skill.objects.create(name="Mainframe", slug="mainframe")
    requirement = services.requirement_set(actor=w["gov"], evaluation=evaluation, skill=skill, weight=4)
    return evaluation, candidate, requirement


def test_candidate_update_keeps_the_supplier_and_audits(w, ev):
    _evaluation, candidate, _ = ev
    services.candidate_update(
        actor=w["gov"],
        candidate=candidate,
        annual_cost=Decimal("900"),
        customisation=5,
        reason="revised offer",
    )
    with pytest.raises(TypeError):  # the supplier of a candidate is not a parameter of the update
        services.candidate_update(actor=w["gov"], candidate=candidate, supplier=w["b"])  # type: ignore[call-arg]
    candidate.refresh_from_db()
    assert (candidate.annual_cost, candidate.customisation, candidate.supplier) == (
        Decimal("900"),
        5,
        w["a"],
    )
    entry = _audit("candidate_update")
    assert entry.before["annual_cost"] == "1000.00" and entry.reason == "revised offer"
    with pytest.raises(ValidationError) as exc:
        services.candidate_update(actor=w["gov"], candidate=candidate, demonstrated_response={"P9": 1})
    assert "demonstrated_response" in exc.value.message_dict
    for user in (w["agent"], w["agent_a"], w["beta_manager"]):
        with pytest.raises(PermissionDenied):
            services.candidate_update(actor=user, candidate=candidate, customisation=1)
    assert AuditEntry.objects.filter(verb="candidate_update").count() == 1


def test_candidate_and_requirement_removal(w, ev):
    _evaluation, candidate, requirement = ev
    for user in (w["agent"], w["beta_manager"]):  # a supplier's people never touch evaluations
        with pytest.raises(PermissionDenied):
            services.candidate_remove(actor=user, candidate=candidate)
        with pytest.raises(PermissionDenied):
            services.requirement_remove(actor=user, requirement=requirement)
    services.candidate_remove(actor=w["gov"], candidate=candidate, reason="withdrew")
    services.requirement_remove(actor=w["gov"], requirement=requirement)
    assert not MspCandidate.objects.exists() and not MspRequirement.objects.exists()
    assert _audit("candidate_remove").reason == "withdrew"
    assert _audit("requirement_remove").before["weight"] == 4


def test_cancel_closes_the_evaluation_and_nothing_changes_after(w, ev):
    evaluation, candidate, requirement = ev
    with pytest.raises(ValidationError) as exc:
        services.evaluation_cancel(actor=w["gov"], evaluation=evaluation, reason="  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.evaluation_cancel(actor=w["agent"], evaluation=evaluation, reason="no budget")
    services.evaluation_cancel(actor=w["gov"], evaluation=evaluation, reason="no budget")
    evaluation.refresh_from_db()
    assert evaluation.status == "cancelled"
    entry = _audit("evaluation_cancel")
    assert (entry.action, entry.reason, entry.after["status"]) == ("transition", "no budget", "cancelled")
    for step in (
        lambda: services.candidate_update(actor=w["gov"], candidate=candidate, customisation=1),
        lambda: services.candidate_remove(actor=w["gov"], candidate=candidate),
        lambda: services.requirement_remove(actor=w["gov"], requirement=requirement),
        lambda: services.evaluation_cancel(actor=w["gov"], evaluation=evaluation, reason="again"),
        lambda: services.evaluation_decide(
            actor=w["gov"], evaluation=evaluation, candidate=candidate, rationale="late"
        ),
    ):
        with pytest.raises(ValidationError):
            step()
    assert (
        MspCandidate.objects.count() == 1 and AuditEntry.objects.filter(verb="evaluation_cancel").count() == 1
    )


def test_cannot_cancel_a_decided_evaluation(w, ev):
    evaluation, candidate, _ = ev
    services.evaluation_decide(actor=w["gov"], evaluation=evaluation, candidate=candidate, rationale="best")
    with pytest.raises(ValidationError):
        services.evaluation_cancel(actor=w["gov"], evaluation=evaluation, reason="changed mind")
    evaluation.refresh_from_db()
    assert evaluation.status == "decided"

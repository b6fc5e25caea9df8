"""Pages: a supplier's contacts and certifications, and the MSP evaluation's candidate, requirement and
cancellation steps — denials (anonymous, a role without the right, another supplier's people), 400 with
field errors writing nothing, and the audit row of each write."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bimodal.core.models import AuditEntry
from bimodal.people.models import Skill
from bimodal.suppliers import services
from bimodal.suppliers.models import (
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    SupplierCertification,
    SupplierContact,
)
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Ann Lee",
    "role": "escalation",
    "email": "ann@alpha.example",
    "phone": "+44 20 7946 0000",
    "escalation_level": "1",
}


@pytest.fixture
def w(make_user):
    w = two_suppliers(make_user)
    w["beta_manager"] = make_user("governance_lead", supplier=w["b"], username="beta_manager")
    w["owner"] = make_user("service_owner", username="owner")  # reads evaluations, changes nothing
    return w


def _counts(model):
    return model.objects.count(), AuditEntry.objects.count()


def test_governance_lead_adds_and_removes_a_contact(w, client_for):
    client = client_for(w["gov"])
    page = client.get("/suppliers/alpha/").content.decode()
    assert 'data-testid="contact-form"' in page and 'data-testid="certification-form"' in page
    response = client.post("/suppliers/alpha/contacts/", CONTACT)
    assert response.status_code == 302 and response["Location"] == "/suppliers/alpha/#contacts"
    contact = SupplierContact.objects.get()
    assert (contact.supplier, contact.escalation_level, contact.email) == (w["a"], 1, "ann@alpha.example")
    entry = AuditEntry.objects.get(verb="contact_add")
    assert (entry.actor, entry.object_id) == (w["gov"], str(contact.pk))
    page = client.get("/suppliers/alpha/").content.decode()
    assert "Ann Lee" in page and "mailto:ann@alpha.example" in page and 'data-testid="remove-contact"' in page
    response = client.post(f"/suppliers/alpha/contacts/{contact.pk}/remove/", {"reason": "left"})
    assert response.status_code == 302
    assert not SupplierContact.objects.exists()
    assert AuditEntry.objects.get(verb="contact_remove").reason == "left"


def test_contact_bad_input_is_400_with_field_errors_and_writes_nothing(w, client_for):
    client = client_for(w["gov"])
    before = _counts(SupplierContact)
    response = client.post(
        "/suppliers/alpha/contacts/", {**CONTACT, "name": "", "email": "nope", "escalation_level": "7"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "email", "escalation_level"} <= set(form.errors)
    assert _counts(SupplierContact) == before


def test_contact_pages_deny(w, client, client_for):
    contact = services.contact_add(actor=w["gov"], supplier=w["a"], name="Al", role="technical")
    add, remove = "/suppliers/alpha/contacts/", f"/suppliers/alpha/contacts/{contact.pk}/remove/"
    before = _counts(SupplierContact)
    for url in (add, remove):
        response = client.post(url, CONTACT)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    # Alpha's own agent and the service desk read contacts but may not add or remove them.
    for user in ("agent_a", "agent"):
        client = client_for(w[user])
        assert client.post(add, CONTACT).status_code == 403, user
        assert client.post(add, {"name": ""}).status_code == 403, user  # no form errors leak either
        assert client.post(remove).status_code == 403, user
    # Another supplier's people do not even see Alpha, whatever their role.
    for user in ("agent_b", "beta_manager"):
        client = client_for(w[user])
        assert client.post(add, CONTACT).status_code == 404, user
        assert client.post(remove).status_code == 404, user
    # A contact of another supplier is not found under this supplier's address.
    assert client_for(w["gov"]).post(f"/suppliers/beta/contacts/{contact.pk}/remove/").status_code == 404
    assert _counts(SupplierContact) == before
    page = client_for(w["agent_a"]).get("/suppliers/alpha/").content.decode()
    assert "Al" in page and 'data-testid="contact-form"' not in page and "remove-contact" not in page


def test_supplier_side_manager_keeps_to_their_supplier(w, client_for):
    client = client_for(w["beta_manager"])
    assert client.post("/suppliers/beta/contacts/", CONTACT).status_code == 302
    assert SupplierContact.objects.get().supplier == w["b"]


def test_certification_add_remove_and_expiry_stands_out(w, client_for):
    client = client_for(w["gov"])
    today = timezone.localdate()
    before = _counts(SupplierCertification)
    response = client.post(
        "/suppliers/alpha/certifications/",
        {
            "name": "ISO 27001",
            "valid_from": str(today),
            "valid_until": str(today - timedelta(days=1)),
            "evidence_url": "not a link",
        },
    )
    assert response.status_code == 400
    assert {"valid_until", "evidence_url"} <= set(response.context["form"].errors)
    assert _counts(SupplierCertification) == before
    response = client.post(
        "/suppliers/alpha/certifications/",
        {
            "name": "SOC 2 Type II",
            "issuer": "KPMG",
            "reference": "R-1",
            "valid_from": str(today - timedelta(days=400)),
            "valid_until": str(today - timedelta(days=35)),
            "evidence_url": "https://evidence.example/soc2.pdf",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(verb="certification_add").after["issuer"] == "KPMG"
    services.certification_add(
        actor=w["gov"], supplier=w["a"], name="ISO 22301", valid_until=today + timedelta(days=400)
    )
    page = client.get("/suppliers/alpha/").content.decode()
    assert 'data-testid="expired-count">1 expired<' in page
    assert page.count('data-testid="cert-expired"') == 1 and "Expired</span>" in page
    assert 'href="https://evidence.example/soc2.pdf"' in page
    expired = SupplierCertification.objects.get(name="SOC 2 Type II")
    # Same standard twice: a field error, nothing written.
    before = _counts(SupplierCertification)
    response = client.post("/suppliers/alpha/certifications/", {"name": "SOC 2 Type II"})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    assert _counts(SupplierCertification) == before
    remove = f"/suppliers/alpha/certifications/{expired.pk}/remove/"
    assert client_for(w["agent_a"]).post(remove).status_code == 403
    assert client_for(w["agent_b"]).post(remove).status_code == 404
    assert client_for(w["gov"]).post(remove).status_code == 302
    assert AuditEntry.objects.get(verb="certification_remove").before["name"] == "SOC 2 Type II"
    assert list(SupplierCertification.objects.values_list("name", flat=True)) == ["ISO 22301"]


# --- MSP evaluation ---------------------------------------------------------------------------------------


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
    requirement = services.requirement_set(actor=w["gov"], evaluation=evaluation, skill=skill)
    return evaluation, candidate, requirement


def test_candidate_edit_page(w, ev, client_for):
    evaluation, candidate, _ = ev
    url = f"/suppliers/evaluations/{evaluation.slug}/candidates/{candidate.pk}/edit/"
    client = client_for(w["gov"])
    detail = client.get(f"/suppliers/evaluations/{evaluation.slug}/").content.decode()
    assert url in detail and 'data-testid="cancel-evaluation"' in detail
    page = client.get(url)
    assert page.status_code == 200 and 'value="P1=20"' in page.content.decode()
    before = _counts(MspCandidate)
    bad = client.post(url, {"demonstrated_response": "P9=5", "customisation": "8", "annual_cost": "-1"})
    assert bad.status_code == 400
    assert {"demonstrated_response", "customisation", "annual_cost"} <= set(bad.context["form"].errors)
    candidate.refresh_from_db()
    assert candidate.annual_cost == Decimal("1000") and _counts(MspCandidate) == before
    data = {
        "demonstrated_response": "P1=12, P2=40",
        "customisation": "4",
        "annual_cost": "850",
        "notes": "best and final",
        "reason": "revised offer",
    }
    response = client.post(url, data)
    assert (
        response.status_code == 302 and response["Location"] == f"/suppliers/evaluations/{evaluation.slug}/"
    )
    candidate.refresh_from_db()
    assert candidate.demonstrated_response == {"P1": 12, "P2": 40} and candidate.annual_cost == Decimal("850")
    entry = AuditEntry.objects.get(verb="candidate_update")
    assert entry.reason == "revised offer" and entry.after["customisation"] == 4


def test_evaluation_steps_deny(w, ev, client, client_for):
    evaluation, candidate, requirement = ev
    base = f"/suppliers/evaluations/{evaluation.slug}"
    steps = [
        f"{base}/candidates/{candidate.pk}/edit/",
        f"{base}/candidates/{candidate.pk}/remove/",
        f"{base}/requirements/{requirement.pk}/remove/",
        f"{base}/cancel/",
    ]
    before = (MspCandidate.objects.count(), MspRequirement.objects.count(), AuditEntry.objects.count())
    data = {"reason": "x", "customisation": "1", "annual_cost": "1"}
    for url in steps:
        assert client.post(url, data)["Location"].startswith("/login/"), url
    for url in steps:
        assert client_for(w["owner"]).post(url, data).status_code == 403, url
        assert client_for(w["agent_a"]).post(url, data).status_code == 404, url
        assert client_for(w["beta_manager"]).post(url, data).status_code == 404, url
    other = services.evaluation_create(actor=w["gov"], name="Other")
    wrong = f"/suppliers/evaluations/{other.slug}/candidates/{candidate.pk}/remove/"
    assert client_for(w["gov"]).post(wrong).status_code == 404
    after = (MspCandidate.objects.count(), MspRequirement.objects.count(), AuditEntry.objects.count() - 1)
    assert after == before  # only the other evaluation's creation was written
    assert MspEvaluation.objects.get(pk=evaluation.pk).status == "open"


def test_remove_candidate_and_requirement_then_cancel(w, ev, client_for):
    evaluation, candidate, requirement = ev
    base = f"/suppliers/evaluations/{evaluation.slug}"
    client = client_for(w["gov"])
    assert client.post(f"{base}/candidates/{candidate.pk}/remove/").status_code == 302
    assert (
        client.post(f"{base}/requirements/{requirement.pk}/remove/", {"reason": "dropped"}).status_code == 302
    )
    assert not MspCandidate.objects.exists() and not MspRequirement.objects.exists()
    assert AuditEntry.objects.filter(verb__in=["candidate_remove", "requirement_remove"]).count() == 2
    before = AuditEntry.objects.count()
    bad = client.post(f"{base}/cancel/", {"reason": ""})
    assert bad.status_code == 400 and "reason" in bad.context["form"].errors
    assert AuditEntry.objects.count() == before
    assert MspEvaluation.objects.get(pk=evaluation.pk).status == "open"
    assert client.post(f"{base}/cancel/", {"reason": "budget cut"}).status_code == 302
    assert MspEvaluation.objects.get(pk=evaluation.pk).status == "cancelled"
    assert AuditEntry.objects.get(verb="evaluation_cancel").reason == "budget cut"
    page = client.get(f"{base}/").content.decode()
    assert 'data-testid="cancelled"' in page and 'data-testid="cancel-evaluation"' not in page
    again = client.post(f"{base}/cancel/", {"reason": "twice"})
    assert again.status_code == 400 and AuditEntry.objects.filter(verb="evaluation_cancel").count() == 1

"""API: a supplier's contacts and certifications, and the MSP evaluation's candidate, requirement and
cancellation endpoints — denials, 400 with field errors writing nothing, the audit row of each write."""

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

JSON = "application/json"
CONTACT = {"name": "Ann Lee", "role": "escalation", "email": "ann@alpha.example", "escalation_level": 1}


@pytest.fixture
def w(make_user):
    w = two_suppliers(make_user)
    w["beta_manager"] = make_user("governance_lead", supplier=w["b"], username="beta_manager")
    w["owner"] = make_user("service_owner", username="owner")
    return w


def _counts(model):
    return model.objects.count(), AuditEntry.objects.count()


def test_contacts_list_add_remove(w, client_for):
    client = client_for(w["gov"])
    made = client.post("/api/suppliers/alpha/contacts/", CONTACT, content_type=JSON)
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["name"] == "Ann Lee" and body["escalation_level"] == 1
    assert AuditEntry.objects.get(verb="contact_add").object_id == str(body["id"])
    services.contact_add(actor=w["gov"], supplier=w["b"], name="Bea", role="technical")
    listed = client_for(w["agent_a"]).get("/api/suppliers/alpha/contacts/")
    assert listed.status_code == 200 and [c["name"] for c in listed.json()] == ["Ann Lee"]
    client = client_for(w["gov"])  # one test client: signing in as another user switches it
    gone = client.delete(f"/api/suppliers/alpha/contacts/{body['id']}/?reason=left")
    assert gone.status_code == 204 and not SupplierContact.objects.filter(pk=body["id"]).exists()
    assert AuditEntry.objects.get(verb="contact_remove").reason == "left"


def test_contact_bad_input_is_400_and_writes_nothing(w, client_for):
    client = client_for(w["gov"])
    before = _counts(SupplierContact)
    bad = client.post(
        "/api/suppliers/alpha/contacts/",
        {"name": "", "role": "boss", "email": "nope", "escalation_level": 9},
        content_type=JSON,
    )
    assert bad.status_code == 400
    assert {"name", "role", "email", "escalation_level"} <= set(bad.json())
    assert client.post("/api/suppliers/alpha/contacts/", "[1]", content_type=JSON).status_code == 400
    assert client.delete("/api/suppliers/alpha/contacts/999999/").status_code == 404
    assert client.delete("/api/suppliers/alpha/contacts/abc/").status_code == 404
    assert client.delete("/api/suppliers/alpha/certifications/abc/").status_code == 404
    assert _counts(SupplierContact) == before


def test_contact_denials(w, client, client_for):
    contact = services.contact_add(actor=w["gov"], supplier=w["a"], name="Al", role="technical")
    url, one = "/api/suppliers/alpha/contacts/", f"/api/suppliers/alpha/contacts/{contact.pk}/"
    before = _counts(SupplierContact)
    assert client.get(url).status_code == 401
    assert client.post(url, CONTACT, content_type=JSON).status_code == 401
    assert client.delete(one).status_code == 401
    for user in ("agent_a", "agent"):  # they read contacts but may not write them
        api = client_for(w[user])
        assert api.get(url).status_code == 200, user
        assert api.post(url, CONTACT, content_type=JSON).status_code == 403, user
        assert api.delete(one).status_code == 403, user
    assert client_for(w["requester"]).get(url).status_code == 403
    assert client_for(w["agent_b"]).get(url).status_code == 404
    manager = client_for(w["beta_manager"])  # may write contacts, but only Beta's
    assert manager.get(url).status_code == 404
    assert manager.post(url, CONTACT, content_type=JSON).status_code == 404
    assert manager.delete(one).status_code == 404
    assert client_for(w["gov"]).delete(f"/api/suppliers/beta/contacts/{contact.pk}/").status_code == 404
    assert _counts(SupplierContact) == before


def test_certifications_with_expiry(w, client_for):
    client = client_for(w["gov"])
    today = timezone.localdate()
    url = "/api/suppliers/alpha/certifications/"
    before = _counts(SupplierCertification)
    bad = client.post(
        url,
        {"name": "ISO 27001", "valid_from": str(today), "valid_until": str(today - timedelta(days=1))},
        content_type=JSON,
    )
    assert bad.status_code == 400 and "valid_until" in bad.json()
    bad = client.post(url, {"name": "", "evidence_url": "nope"}, content_type=JSON)
    assert bad.status_code == 400 and {"name", "evidence_url"} <= set(bad.json())
    assert _counts(SupplierCertification) == before
    made = client.post(
        url,
        {
            "name": "SOC 2 Type II",
            "issuer": "KPMG",
            "valid_from": str(today - timedelta(days=400)),
            "valid_until": str(today - timedelta(days=1)),
            "evidence_url": "https://evidence.example/soc2.pdf",
        },
        content_type=JSON,
    )
    assert made.status_code == 201 and made.json()["expired"] is True
    assert AuditEntry.objects.get(verb="certification_add").after["name"] == "SOC 2 Type II"
    twice = client.post(url, {"name": "SOC 2 Type II"}, content_type=JSON)
    assert twice.status_code == 400 and "name" in twice.json()
    rows = client_for(w["agent_a"]).get(url).json()
    assert [(r["name"], r["expired"]) for r in rows] == [("SOC 2 Type II", True)]
    assert client_for(w["agent_b"]).get(url).status_code == 404
    cert = f"{url}{made.json()['id']}/"
    assert client_for(w["agent_a"]).delete(cert).status_code == 403
    assert client_for(w["beta_manager"]).delete(cert).status_code == 404
    assert client_for(w["gov"]).delete(cert).status_code == 204
    assert AuditEntry.objects.filter(verb="certification_remove").count() == 1
    assert not SupplierCertification.objects.exists()


@pytest.fixture
def ev(w):
    evaluation = services.evaluation_create(actor=w["gov"], name="Outsource ops", services=[w["sa"]])
    services.candidate_add(
        actor=w["gov"],
        evaluation=evaluation,
        supplier=w["a"],
        annual_cost=Decimal("1000"),
        demonstrated_response={"P1": 20},
    )
    Skill.objects.create(name="Mainframe", slug="mainframe")
    return evaluation


def test_candidate_update_and_remove(w, ev, client_for):
    client = client_for(w["gov"])
    url = f"/api/msp-evaluations/{ev.slug}/candidates/alpha/"
    before = _counts(MspCandidate)
    bad = client.patch(
        url, {"customisation": 9, "annual_cost": "-1", "demonstrated_response": {"P1": 0}}, content_type=JSON
    )
    assert bad.status_code == 400
    assert {"customisation", "annual_cost", "demonstrated_response"} <= set(bad.json())
    bad = client.patch(url, {"demonstrated_response": {"P9": 5}}, content_type=JSON)
    assert bad.status_code == 400 and "demonstrated_response" in bad.json()
    assert _counts(MspCandidate) == before
    assert MspCandidate.objects.get().annual_cost == Decimal("1000")
    done = client.patch(url, {"annual_cost": "800", "reason": "revised"}, content_type=JSON)
    assert done.status_code == 200 and done.json()["candidates"][0]["annual_cost"] == "800.00"
    assert AuditEntry.objects.get(verb="candidate_update").reason == "revised"
    assert (
        client.patch(f"/api/msp-evaluations/{ev.slug}/candidates/beta/", {}, content_type=JSON).status_code
        == 404
    )
    assert client.delete(url).status_code == 204
    assert not MspCandidate.objects.exists()
    assert AuditEntry.objects.filter(verb="candidate_remove").count() == 1


def test_requirements_set_and_remove(w, ev, client_for):
    client = client_for(w["gov"])
    url = f"/api/msp-evaluations/{ev.slug}/requirements/"
    before = _counts(MspRequirement)
    bad = client.post(url, {"skill": "nope", "weight": 9}, content_type=JSON)
    assert bad.status_code == 400 and {"skill", "weight"} <= set(bad.json())
    assert _counts(MspRequirement) == before
    made = client.post(url, {"skill": "mainframe", "weight": 5}, content_type=JSON)
    assert made.status_code == 200
    assert made.json()["requirements"] == [{"skill": "mainframe", "weight": 5, "future": False}]
    assert AuditEntry.objects.filter(verb="requirement_set").count() == 1
    assert client.delete(f"{url}mainframe/?reason=dropped").status_code == 204
    assert client.delete(f"{url}mainframe/").status_code == 404
    assert AuditEntry.objects.get(verb="requirement_remove").reason == "dropped"


def test_cancel(w, ev, client_for):
    client = client_for(w["gov"])
    url = f"/api/msp-evaluations/{ev.slug}/cancel/"
    before = AuditEntry.objects.count()
    bad = client.post(url, {"reason": ""}, content_type=JSON)
    assert bad.status_code == 400 and "reason" in bad.json()
    assert AuditEntry.objects.count() == before and MspEvaluation.objects.get().status == "open"
    done = client.post(url, {"reason": "budget cut"}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    entry = AuditEntry.objects.get(verb="evaluation_cancel")
    assert (entry.action, entry.reason) == ("transition", "budget cut")
    again = client.post(url, {"reason": "twice"}, content_type=JSON)
    assert again.status_code == 400 and "status" in again.json()
    closed = client.patch(
        f"/api/msp-evaluations/{ev.slug}/candidates/alpha/", {"customisation": 1}, content_type=JSON
    )
    assert closed.status_code == 400
    assert AuditEntry.objects.filter(verb__in=["evaluation_cancel", "candidate_update"]).count() == 1


def test_evaluation_endpoint_denials(w, ev, client, client_for):
    base = f"/api/msp-evaluations/{ev.slug}"
    calls = [
        ("patch", f"{base}/candidates/alpha/", {"customisation": 1}),
        ("delete", f"{base}/candidates/alpha/", None),
        ("post", f"{base}/requirements/", {"skill": "mainframe"}),
        ("post", f"{base}/cancel/", {"reason": "x"}),
    ]
    before = (MspCandidate.objects.count(), MspRequirement.objects.count(), AuditEntry.objects.count())

    def call(api, method, url, data):
        return getattr(api, method)(url, data, content_type=JSON) if data else getattr(api, method)(url)

    for method, url, data in calls:
        client.logout()
        assert call(client, method, url, data).status_code == 401, url
        assert call(client_for(w["owner"]), method, url, data).status_code == 403, url
        assert call(client_for(w["agent_a"]), method, url, data).status_code == 403, url  # no such right
        assert call(client_for(w["beta_manager"]), method, url, data).status_code == 404, url
    assert client_for(w["owner"]).get(f"{base}/").status_code == 200
    after = (MspCandidate.objects.count(), MspRequirement.objects.count(), AuditEntry.objects.count())
    assert after == before and MspEvaluation.objects.get().status == "open"

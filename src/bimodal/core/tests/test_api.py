"""API tests of the core app: teams, org units, the caller, the audit log, suppliers, tokens and OpenAPI."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from bimodal.core.models import ApiToken, AuditEntry, OrgUnit, Team
from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def names(response, key: str = "slug") -> list[str]:
    return [row[key] for row in response.json()["results"]]


# --- teams and org units ---------------------------------------------------------------------------


def test_teams_list_and_detail(make_user, client_for):
    team = TeamFactory(name="Payments squad", slug="payments-squad")
    member = make_user("product_team_member", teams=[team], username="pat")
    client = client_for(member)
    assert "payments-squad" in names(client.get("/api/teams/"))
    body = client.get("/api/teams/payments-squad/").json()
    assert body["org_unit"] == {"slug": team.org_unit.slug, "name": team.org_unit.name}
    assert body["members"] == ["pat"]


def test_supplier_agent_sees_only_their_suppliers_teams(make_user, client_for):
    acme = SupplierFactory(slug="acme")
    TeamFactory(slug="acme-ops", supplier=acme)
    TeamFactory(slug="internal")
    client = client_for(make_user("supplier_agent", supplier=acme))
    assert names(client.get("/api/teams/")) == ["acme-ops"]
    assert client.get("/api/teams/internal/").status_code == 404


def test_governance_lead_creates_and_updates_a_team(make_user, client_for):
    unit = OrgUnitFactory(slug="retail")
    make_user(username="alice")
    client = client_for(make_user("governance_lead"))
    before = AuditEntry.objects.count()
    response = client.post(
        "/api/teams/",
        {"name": "Mobile squad", "org_unit": "retail", "members": ["alice"], "kind": "product"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "mobile-squad"
    assert response.json()["members"] == ["alice"]
    team = Team.objects.get(slug="mobile-squad")
    assert team.org_unit == unit
    response = client.patch(
        "/api/teams/mobile-squad/",
        {"chat_channel": "#mobile", "members": []},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["members"] == []
    assert AuditEntry.objects.count() == before + 2


def test_team_write_denials(make_user, client_for):
    team = TeamFactory(slug="ops")
    before = (Team.objects.count(), AuditEntry.objects.count())
    client = client_for(make_user("service_owner"))  # may change only the teams they lead
    response = client.patch("/api/teams/ops/", {"chat_channel": "#x"}, content_type="application/json")
    assert response.status_code == 403
    payload = {"name": "New", "org_unit": team.org_unit.slug}
    assert client.post("/api/teams/", payload, content_type="application/json").status_code == 403
    gov = client_for(make_user("governance_lead"))
    response = gov.post(
        "/api/teams/", {"name": "New", "org_unit": "nowhere"}, content_type="application/json"
    )
    assert response.status_code == 400 and "org_unit" in response.json()
    assert (Team.objects.count(), AuditEntry.objects.count()) == before


def test_team_lead_updates_own_team(make_user, client_for):
    lead = make_user("service_owner")
    TeamFactory(slug="led", lead=lead)
    response = client_for(lead).patch(
        "/api/teams/led/", {"email": "led@example.com"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()


def test_org_units(make_user, client_for):
    OrgUnitFactory(name="Retail", slug="retail")
    client = client_for(make_user("governance_lead"))
    assert "retail" in names(client.get("/api/org-units/"))
    response = client.post(
        "/api/org-units/",
        {"name": "Digital", "parent": "retail", "governance_model": "agile"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == {"slug": "retail", "name": "Retail"}
    response = client.patch(
        "/api/org-units/digital/", {"governance_model": "bogus"}, content_type="application/json"
    )
    assert response.status_code == 400 and "governance_model" in response.json()
    response = client.patch(
        "/api/org-units/digital/", {"description": "Apps"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert OrgUnit.objects.get(slug="digital").description == "Apps"
    requester = client_for(make_user("requester"))
    assert requester.get("/api/org-units/").status_code == 403


# --- the caller ------------------------------------------------------------------------------------


def test_users_me(make_user, client_for):
    supplier = SupplierFactory(slug="acme", name="Acme")
    team = TeamFactory(slug="acme-ops", supplier=supplier)
    user = make_user(
        "supplier_agent", teams=[team], supplier=supplier, username="sam", first_name="Sam", last_name="Agent"
    )
    body = client_for(user).get("/api/users/me/").json()
    assert body["username"] == "sam"
    assert body["name"] == "Sam Agent"
    assert body["roles"] == ["supplier_agent"]
    assert body["teams"] == [{"slug": "acme-ops", "name": team.name}]
    assert body["supplier"] == {"slug": "acme", "name": "Acme"}


def test_users_me_needs_authentication(client):
    assert client.get("/api/users/me/").status_code == 401


# --- audit log -------------------------------------------------------------------------------------


def test_audit_log_filters(make_user, client_for):
    lead = make_user("governance_lead", username="gov")
    service = ServiceFactory(slug="payments")
    client = client_for(lead)
    client.patch("/api/portfolio/services/payments/", {"description": "x"}, content_type="application/json")
    client.post(
        "/api/teams/",
        {"name": "T", "org_unit": service.owner_team.org_unit.slug},
        content_type="application/json",
    )

    auditor = client_for(make_user("auditor"))
    response = auditor.get("/api/audit/", {"actor": "gov", "object_type": "portfolio.service"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["verb"], r["content_type"], r["object_id"]) for r in rows] == [
        ("service_update", "portfolio.service", str(service.pk))
    ]
    assert names(auditor.get("/api/audit/", {"verb": "team_create"}), "verb") == ["team_create"]
    assert names(auditor.get("/api/audit/", {"action": "create", "actor": "gov"}), "verb") == ["team_create"]
    assert auditor.get("/api/audit/", {"date_from": "2999-01-01"}).json()["count"] == 0
    assert auditor.get("/api/audit/", {"date_to": "2999-01-01"}).json()["count"] == AuditEntry.objects.count()
    assert auditor.get("/api/audit/", {"object_type": "nonsense"}).status_code == 400
    seq = rows[0]["seq"]
    assert auditor.get(f"/api/audit/{seq}/").json()["hash"] == AuditEntry.objects.get(seq=seq).hash
    assert auditor.post("/api/audit/", {}).status_code == 403
    admin = client_for(make_user("administrator"))
    assert admin.post("/api/audit/", {}).status_code == 405
    assert admin.delete(f"/api/audit/{seq}/").status_code == 405


@pytest.mark.parametrize("role", ["product_team_member", "requester", "supplier_agent", "service_owner"])
def test_audit_log_needs_permission(make_user, client_for, role):
    assert client_for(make_user(role)).get("/api/audit/").status_code == 403


# --- suppliers -------------------------------------------------------------------------------------


def test_suppliers_restricted_for_supplier_agents(make_user, client_for):
    acme, other = SupplierFactory(slug="acme"), SupplierFactory(slug="other")
    assert names(client_for(make_user("cab_member")).get("/api/suppliers/")) == ["acme", "other"]
    client = client_for(make_user("supplier_agent", supplier=acme))
    assert names(client.get("/api/suppliers/")) == ["acme"]
    assert client.get(f"/api/suppliers/{other.slug}/").status_code == 404
    assert client_for(make_user("requester")).get("/api/suppliers/").status_code == 403


# --- tokens ----------------------------------------------------------------------------------------


def test_token_command_and_token_auth(make_user):
    make_user("cab_member", username="pipeline")
    ServiceFactory(slug="payments")
    out = StringIO()
    call_command("token", "create", "pipeline", "--name", "ci", stdout=out)
    key = out.getvalue().strip()
    stored = ApiToken.objects.get(user__username="pipeline")
    assert key.startswith(f"bmt_{stored.prefix}_")
    assert key not in (stored.secret_hash, stored.prefix), "only a hash of the key is stored"
    assert stored.expires_at is not None

    with pytest.raises(CommandError, match="cannot be shown again"):
        call_command("token", "show", "pipeline")

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/portfolio/services/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["payments"]
    assert api.get("/api/users/me/").json()["username"] == "pipeline"
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    listed = StringIO()
    call_command("token", "list", "pipeline", stdout=listed)
    assert stored.prefix in listed.getvalue() and "valid" in listed.getvalue()

    call_command("token", "revoke", "pipeline", stdout=StringIO())
    assert api.get("/api/portfolio/services/").status_code == 401
    assert AuditEntry.objects.filter(verb="api_token_revoke").exists()
    with pytest.raises(CommandError):
        call_command("token", "revoke", "pipeline")
    with pytest.raises(CommandError):
        call_command("token", "create", "nobody")


def test_token_create_replace_revokes_the_old_key(make_user):
    make_user(username="bot")
    first, second = StringIO(), StringIO()
    call_command("token", "create", "bot", stdout=first)
    call_command("token", "create", "bot", "--replace", stdout=second)
    assert first.getvalue() != second.getvalue()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first.getvalue().strip()}")
    assert api.get("/api/users/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second.getvalue().strip()}")
    assert api.get("/api/users/me/").status_code == 200


# --- OpenAPI ---------------------------------------------------------------------------------------


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/portfolio/services/{slug}/change_mode/" in text
    assert "/api/suppliers/" in text


def test_schema_and_docs_need_sign_in(client, make_user, client_for):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    signed_in = client_for(make_user("requester"))
    assert signed_in.get("/api/schema/").status_code == 200


def test_swagger_ui_uses_local_assets_only(make_user, client_for):
    response = client_for(make_user("requester")).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html
    assert not re.search(r"https?://", html), re.findall(r"https?://\S+", html)
    assert not re.search(r"<script>", html), "the Swagger UI set-up is a script file (CSP: no inline script)"

"""API tests of the portfolio: services, dependencies, modes, capabilities and regulatory tags."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import SupplierFactory, TeamFactory
from bimodal.portfolio.models import BusinessCapability, Mode, RegulatoryTag, Service, ServiceDependency
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode

pytestmark = pytest.mark.django_db

SERVICES = "/api/portfolio/services/"
DEPENDENCIES = "/api/portfolio/dependencies/"
MODES = "/api/portfolio/modes/"


def detail(slug: str, suffix: str = "") -> str:
    return f"{SERVICES}{slug}/{suffix}"


def slugs(response) -> set[str]:
    return {row["slug"] for row in response.json()["results"]}


def counts() -> tuple[int, int, int]:
    """Rows that a refused write must leave untouched."""
    return Service.objects.count(), ServiceDependency.objects.count(), AuditEntry.objects.count()


# --- services: reads -------------------------------------------------------------------------------


def test_unauthenticated_is_401(client):
    response = client.get(SERVICES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_list_nests_mode_team_and_tags(make_user, client_for):
    tag = RegulatoryTag.objects.create(name="PCI DSS")
    supplier = SupplierFactory(name="Acme", slug="acme")
    service = ServiceFactory(name="Payments", slug="payments", supplier=supplier)
    service.regulatory_tags.add(tag)
    response = client_for(make_user("cab_member")).get(SERVICES)
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["mode"] == {
        "key": "mode-1",
        "short_name": "Mode 1",
        "name": service.mode.name,
        "colour": service.mode.colour,
    }
    assert row["owner_team"] == {"slug": service.owner_team.slug, "name": service.owner_team.name}
    assert row["regulatory_tags"] == ["PCI DSS"]
    assert row["supplier"] == {"slug": "acme", "name": "Acme"}


def test_list_query_count_is_flat(make_user, client_for):
    client = client_for(make_user("cab_member"))
    tags = [RegulatoryTag.objects.create(name=f"Tag {n}") for n in range(3)]

    def make(n):
        for _ in range(n):
            service = ServiceFactory(supplier=SupplierFactory(), capability=None)
            service.regulatory_tags.set(tags)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(SERVICES)
        assert response.status_code == 200
        return len(ctx), response.json()["count"]

    make(5)
    client.get(SERVICES)  # warm the session and permission caches
    five, count = queries()
    assert count == 5
    make(25)
    thirty, count = queries()
    assert count == 30
    assert five == thirty


def test_filter_and_ordering(make_user, client_for):
    ServiceFactory(name="Core banking", slug="core-banking", criticality=0)
    ServiceFactory(name="Mobile app", slug="mobile-app", mode=mode("mode-2"), criticality=1)
    client = client_for(make_user("cab_member"))
    assert slugs(client.get(SERVICES, {"mode": "mode-2"})) == {"mobile-app"}
    assert slugs(client.get(SERVICES, {"q": "bank"})) == {"core-banking"}
    ordered = client.get(SERVICES, {"ordering": "-criticality"}).json()["results"]
    assert [row["slug"] for row in ordered] == ["mobile-app", "core-banking"]


def test_requester_sees_only_live_services(make_user, client_for):
    ServiceFactory(slug="live-one")
    ServiceFactory(slug="planned", lifecycle="proposed")
    client = client_for(make_user("requester"))
    assert slugs(client.get(SERVICES)) == {"live-one"}
    assert client.get(detail("planned")).status_code == 404
    assert client.get(detail("live-one")).status_code == 200


def test_supplier_agent_sees_only_their_suppliers_services(make_user, client_for):
    acme, other = SupplierFactory(slug="acme"), SupplierFactory(slug="other")
    ServiceFactory(slug="outsourced", supplier=acme)
    ServiceFactory(slug="elsewhere", supplier=other)
    ServiceFactory(slug="in-house")
    client = client_for(make_user("supplier_agent", supplier=acme))
    assert slugs(client.get(SERVICES)) == {"outsourced"}
    assert client.get(detail("elsewhere")).status_code == 404


def test_auditor_reads_but_cannot_write(make_user, client_for):
    service = ServiceFactory()
    client = client_for(make_user("auditor"))
    assert client.get(detail(service.slug)).status_code == 200
    before = counts()
    payload = {"name": "New", "mode": "mode-1", "owner_team": service.owner_team.slug}
    assert client.post(SERVICES, payload, content_type="application/json").status_code == 403
    assert (
        client.patch(detail(service.slug), {"name": "X"}, content_type="application/json").status_code == 403
    )
    assert counts() == before


# --- services: writes ------------------------------------------------------------------------------


def test_service_owner_creates_a_service_for_their_team(make_user, client_for):
    team = TeamFactory()
    RegulatoryTag.objects.create(name="GDPR")
    supplier = SupplierFactory(slug="acme")
    user = make_user("service_owner", teams=[team])
    before = AuditEntry.objects.count()
    payload = {
        "name": "Card issuing",
        "mode": "mode-2",
        "owner_team": team.slug,
        "supplier": "acme",
        "regulatory_tags": ["GDPR"],
        "criticality": 1,
    }
    response = client_for(user).post(SERVICES, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "card-issuing"
    assert body["mode"]["key"] == "mode-2"
    assert body["regulatory_tags"] == ["GDPR"]
    service = Service.objects.get(slug="card-issuing")
    assert service.supplier == supplier and service.criticality == 1
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.first().verb == "service_create"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Bad mode", "mode": "mode-9"}, "mode"),
        ({"name": "Bad tier", "mode": "mode-1", "criticality": 7}, "criticality"),
        ({"mode": "mode-1"}, "name"),
        ({"name": "Bad tag", "mode": "mode-1", "regulatory_tags": ["Nope"]}, "regulatory_tags"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_writes_nothing(make_user, client_for, payload, field):
    team = TeamFactory()
    user = make_user("governance_lead")
    before = counts()
    response = client_for(user).post(
        SERVICES, {"owner_team": team.slug, **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


def test_duplicate_name_is_400(make_user, client_for):
    service = ServiceFactory(name="Payments")
    before = counts()
    payload = {"name": "Payments", "mode": "mode-1", "owner_team": service.owner_team.slug}
    response = client_for(make_user("governance_lead")).post(
        SERVICES, payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert "name" in response.json()
    assert counts() == before


def test_product_team_member_patches_own_service_only(make_user, client_for):
    own, other = ServiceFactory(), ServiceFactory()
    user = make_user("product_team_member", teams=[own.owner_team])
    client = client_for(user)
    response = client.patch(
        detail(own.slug), {"description": "Updated", "reason": "docs"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Updated"
    entry = AuditEntry.objects.first()
    assert (entry.verb, entry.reason, entry.actor) == ("service_update", "docs", user)

    before = counts()
    response = client.patch(detail(other.slug), {"description": "Hijack"}, content_type="application/json")
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.description == "" and counts() == before


def test_product_team_member_cannot_create(make_user, client_for):
    team = TeamFactory()
    client = client_for(make_user("product_team_member", teams=[team]))
    payload = {"name": "Mine", "mode": "mode-1", "owner_team": team.slug}
    assert client.post(SERVICES, payload, content_type="application/json").status_code == 403


def test_update_cannot_change_mode(make_user, client_for):
    service = ServiceFactory()
    before = counts()
    response = client_for(make_user("governance_lead")).patch(
        detail(service.slug), {"mode": "mode-2"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "change_mode" in response.json()["mode"][0]
    service.refresh_from_db()
    assert service.mode.key == "mode-1" and counts() == before


def test_put_replaces_attributes(make_user, client_for):
    service = ServiceFactory(criticality=2)
    payload = {"name": "Renamed", "mode": "mode-1", "owner_team": service.owner_team.slug, "criticality": 0}
    response = client_for(make_user("governance_lead")).put(
        detail(service.slug), payload, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    service.refresh_from_db()
    assert (service.name, service.criticality) == ("Renamed", 0)


# --- change_mode -----------------------------------------------------------------------------------


def test_governance_lead_changes_mode(make_user, client_for):
    service = ServiceFactory()
    lead = make_user("governance_lead")
    response = client_for(lead).post(
        detail(service.slug, "change_mode/"),
        {"mode": "mode-2", "reason": "Ready for CI/CD"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["mode"]["key"] == "mode-2"
    entry = AuditEntry.objects.first()
    assert (entry.verb, entry.action, entry.reason) == (
        "service_change_mode",
        "transition",
        "Ready for CI/CD",
    )


@pytest.mark.parametrize("role", ["service_owner", "product_team_member", "change_manager", "auditor"])
def test_only_governance_changes_mode(make_user, client_for, role):
    service = ServiceFactory()
    user = make_user(role, teams=[service.owner_team])
    before = counts()
    response = client_for(user).post(
        detail(service.slug, "change_mode/"),
        {"mode": "mode-2", "reason": "why not"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"mode": "mode-9", "reason": "x"}, "mode"),
        ({"mode": "mode-2"}, "reason"),
        ({"mode": "mode-1", "reason": "x"}, "mode"),
    ],
)
def test_change_mode_bad_input(make_user, client_for, payload, field):
    service = ServiceFactory()
    before = counts()
    response = client_for(make_user("administrator")).post(
        detail(service.slug, "change_mode/"), payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert counts() == before


# --- blast radius and dependencies -----------------------------------------------------------------


def test_blast_radius_and_dependencies(make_user, client_for):
    core = ServiceFactory(slug="core", name="Core")
    api = ServiceFactory(slug="api", name="API")
    app = ServiceFactory(slug="app", name="App", mode=mode("mode-2"))
    DependencyFactory(source=api, target=core)
    DependencyFactory(source=app, target=api)
    client = client_for(make_user("cab_member"))

    response = client.get(detail("core", "blast_radius/"))
    assert response.status_code == 200
    assert [(r["slug"], r["distance"], r["mode"]["key"]) for r in response.json()] == [
        ("api", 1, "mode-1"),
        ("app", 2, "mode-2"),
    ]

    response = client.get(detail("api", "dependencies/"))
    assert response.status_code == 200
    body = response.json()
    assert [e["target"]["slug"] for e in body["depends_on"]] == ["core"]
    assert [e["source"]["slug"] for e in body["used_by"]] == ["app"]


def test_blast_radius_hides_invisible_services(make_user, client_for):
    core = ServiceFactory(slug="core")
    DependencyFactory(source=ServiceFactory(slug="planned", lifecycle="proposed"), target=core)
    DependencyFactory(source=ServiceFactory(slug="live-user"), target=core)
    response = client_for(make_user("requester")).get(detail("core", "blast_radius/"))
    assert [r["slug"] for r in response.json()] == ["live-user"]


def test_dependency_create_list_and_delete(make_user, client_for):
    source = ServiceFactory(slug="src")
    ServiceFactory(slug="tgt")
    user = make_user("product_team_member", teams=[source.owner_team])
    client = client_for(user)
    response = client.post(
        DEPENDENCIES, {"source": "src", "target": "tgt", "kind": "data"}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    edge_id = response.json()["id"]
    assert response.json()["target"]["slug"] == "tgt"

    listed = client.get(DEPENDENCIES, {"source": "src"}).json()
    assert [row["id"] for row in listed["results"]] == [edge_id]

    assert client.delete(f"{DEPENDENCIES}{edge_id}/").status_code == 204
    assert not ServiceDependency.objects.exists()
    assert AuditEntry.objects.first().verb == "dependency_remove"


def test_dependency_cycle_and_duplicate_are_400(make_user, client_for):
    a, b = ServiceFactory(slug="a"), ServiceFactory(slug="b")
    DependencyFactory(source=a, target=b)
    client = client_for(make_user("governance_lead"))
    before = counts()
    for payload in (
        {"source": "a", "target": "b"},
        {"source": "b", "target": "a"},
        {"source": "a", "target": "a"},
    ):
        response = client.post(DEPENDENCIES, payload, content_type="application/json")
        assert response.status_code == 400, payload
        assert "target" in response.json()
    assert counts() == before


def test_dependency_on_another_teams_service_is_403(make_user, client_for):
    mine, theirs = ServiceFactory(slug="mine"), ServiceFactory(slug="theirs")
    edge = DependencyFactory(source=theirs, target=mine)
    client = client_for(make_user("product_team_member", teams=[mine.owner_team]))
    before = counts()
    response = client.post(
        DEPENDENCIES, {"source": "theirs", "target": "mine"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert client.delete(f"{DEPENDENCIES}{edge.pk}/").status_code == 403
    assert counts() == before


def test_requester_cannot_list_dependencies(make_user, client_for):
    assert client_for(make_user("requester")).get(DEPENDENCIES).status_code == 403


# --- modes, capabilities, regulatory tags ----------------------------------------------------------


def test_modes_list_with_service_counts(make_user, client_for):
    ServiceFactory()
    ServiceFactory(lifecycle="proposed")
    response = client_for(make_user("requester")).get(MODES)
    assert response.status_code == 200
    counts_by_key = {row["key"]: row["service_count"] for row in response.json()["results"]}
    assert counts_by_key == {"mode-1": 1, "mode-2": 0}


def test_mode_partial_update(make_user, client_for):
    before = AuditEntry.objects.count()
    response = client_for(make_user("governance_lead")).patch(
        f"{MODES}mode-2/",
        {"description": "Build it, run it.", "reason": "clearer wording"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Build it, run it."
    assert "service_count" in response.json()
    assert Mode.objects.get(key="mode-2").description == "Build it, run it."
    assert AuditEntry.objects.count() == before + 1


def test_mode_update_refused(make_user, client_for):
    before = AuditEntry.objects.count()
    client = client_for(make_user("service_owner"))
    assert client.patch(f"{MODES}mode-1/", {"name": "X"}, content_type="application/json").status_code == 403
    admin = client_for(make_user("administrator"))
    response = admin.patch(f"{MODES}mode-1/", {"colour": "red"}, content_type="application/json")
    assert response.status_code == 400 and "colour" in response.json()
    # The API is held to the same rule as the mode form: white badge text must stay readable (WCAG AA).
    response = admin.patch(f"{MODES}mode-1/", {"colour": "#e07a1f"}, content_type="application/json")
    assert response.status_code == 400 and "hard to read (contrast 3.0:1" in str(response.json()["colour"])
    assert admin.put(f"{MODES}mode-1/", {}, content_type="application/json").status_code == 405
    assert AuditEntry.objects.count() == before


def test_capabilities_and_regulatory_tags_read_only(make_user, client_for):
    BusinessCapability.objects.create(name="Payments")
    RegulatoryTag.objects.create(name="SOX")
    client = client_for(make_user("cab_member"))
    assert [r["name"] for r in client.get("/api/portfolio/capabilities/").json()["results"]] == ["Payments"]
    assert [r["name"] for r in client.get("/api/portfolio/regulatory-tags/").json()["results"]] == ["SOX"]
    gov = client_for(make_user("governance_lead"))
    assert gov.post("/api/portfolio/regulatory-tags/", {"name": "X"}).status_code == 405
    assert client_for(make_user("requester")).get("/api/portfolio/capabilities/").status_code == 403


def test_supplier_agent_sees_only_edges_of_services_under_contract(make_user, client_for):
    # Regression: an agent saw every edge whose source named their supplier, contract or not.
    from bimodal.suppliers.tests.factories import active_contract

    acme = SupplierFactory(slug="acme")
    contracted = ServiceFactory(slug="contracted", supplier=acme)
    also = ServiceFactory(slug="also-contracted", supplier=acme)
    lapsed = ServiceFactory(slug="not-under-contract", supplier=acme)
    active_contract(make_user(username="admin", is_superuser=True), acme, [contracted, also])
    DependencyFactory(source=contracted, target=also)
    DependencyFactory(source=lapsed, target=contracted)
    DependencyFactory(source=contracted, target=lapsed)

    response = client_for(make_user("supplier_agent", supplier=acme)).get(DEPENDENCIES)
    assert response.status_code == 200
    edges = [(row["source"]["slug"], row["target"]["slug"]) for row in response.json()["results"]]
    assert edges == [("contracted", "also-contracted")]
    assert "not-under-contract" not in response.content.decode()

"""Tests of the core pages: dashboard, teams and org units, audit log, areas and the page shell."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bimodal.core import audit, services
from bimodal.core.models import AuditEntry, Team
from bimodal.core.navigation import AREAS
from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory, UserFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db


def count_queries(client, url: str, **extra) -> int:
    """The number of queries one GET of `url` runs (the response must be 200)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def org(make_user):
    """A small organisation: a unit with a child, two teams (one led by `lead`), and a governance lead."""
    governance = make_user("governance_lead", username="grace")
    lead = make_user("service_owner", username="lena")
    parent = services.orgunit_create(actor=governance, name="Group IT")
    child = services.orgunit_create(
        actor=governance, name="Digital Channels", parent=parent, governance_model="agile"
    )
    mobile = services.team_create(
        actor=governance, name="Mobile App", org_unit=child, lead=lead, members=[lead], kind="product"
    )
    ledger = services.team_create(actor=governance, name="Core Ledger", org_unit=parent, kind="platform")
    return {
        "governance": governance,
        "lead": lead,
        "parent": parent,
        "child": child,
        "mobile": mobile,
        "ledger": ledger,
    }


# --- shell, login, anonymous access ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("core:team_list"),
        reverse("core:team_create"),
        reverse("core:orgunit_list"),
        reverse("core:audit_list"),
        reverse("core:audit_detail", args=[1]),
        reverse("suppliers:supplier_list"),
    ],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_signs_in_and_redirects_home(client, make_user):
    make_user("requester", username="rita")
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Sign in" in page.content
    assert b"Skip to content" in page.content

    failed = client.post(reverse("login"), {"username": "rita", "password": "wrong"})
    assert failed.status_code == 200
    assert b"did not match" in failed.content

    response = client.post(reverse("login"), {"username": "rita", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_top_bar_shows_user_roles_and_skip_link(make_user, client_for):
    user = make_user("governance_lead", "cab_member", first_name="Grace", last_name="Hopper")
    response = client_for(user).get(reverse("home"))
    html = response.content.decode()
    assert 'href="#content"' in html and 'id="content"' in html
    assert "Grace Hopper" in html
    assert "Governance lead" in html and "CAB member" in html
    assert "<title>Dashboard · Bimodal</title>" in html


# --- home dashboard ----------------------------------------------------------------------------------


def test_home_shows_counts_per_mode_and_a_local_chart(make_user, client_for):
    team = TeamFactory()
    for _ in range(3):
        ServiceFactory(owner_team=team, mode=mode("mode-1"), criticality=0)
    for _ in range(2):
        ServiceFactory(owner_team=team, mode=mode("mode-2"), lifecycle="in_development")
    SupplierFactory()
    user = make_user("cab_member")

    response = client_for(user).get(reverse("home"))

    assert response.status_code == 200
    totals = {row["mode__key"]: row["total"] for row in response.context["by_mode"]}
    assert totals == {"mode-1": 3, "mode-2": 2}
    assert response.context["total"] == 5
    html = response.content.decode()
    assert re.search(r'data-mode="mode-1".*?data-testid="mode-total">3<', html, re.S)
    assert re.search(r'data-mode="mode-2".*?data-testid="mode-total">2<', html, re.S)
    assert "plotly-graph-div" in html
    assert '/static/plotly/plotly.min.js"' in html
    # The figures the apps register (core: teams, suppliers: suppliers), each counted for the user.
    figures = dict(response.context["figures"])
    assert [figures[key]["value"] for key in ("team", "supplier")] == [1, 1]
    assert re.search(r'data-testid="supplier-count".*?class="bm-kpi">1<', html, re.S)
    # cab members may not read the audit log
    assert 'data-testid="latest-audit"' not in html


def test_home_without_services_loads_no_chart_script(make_user, client_for):
    response = client_for(make_user("requester")).get(reverse("home"))
    assert response.status_code == 200
    assert b"plotly.min.js" not in response.content
    assert b"No services yet" in response.content


@pytest.mark.parametrize(("role", "shown"), [("governance_lead", True), ("requester", False)])
def test_home_links_to_the_cio_dashboard_for_those_who_may_see_it(role, shown, make_user, client_for):
    html = client_for(make_user(role)).get(reverse("home")).content.decode()
    assert ('data-testid="home-cio"' in html) is shown


def test_home_lists_latest_audit_entries_for_auditors(org, make_user, client_for):
    response = client_for(make_user("auditor")).get(reverse("home"))
    entries = list(response.context["latest_entries"])
    assert len(entries) == min(8, AuditEntry.objects.count())
    assert entries[0].seq == AuditEntry.objects.order_by("-seq").first().seq
    assert b'data-testid="latest-audit"' in response.content


def test_home_query_count_does_not_grow_with_rows(make_user, client_for):
    user = make_user("governance_lead")
    client = client_for(user)
    unit = OrgUnitFactory()

    def add_rows(n: int) -> None:
        for i in range(n):
            team = services.team_create(
                actor=user, name=f"Team {AuditEntry.objects.count()}-{i}", org_unit=unit
            )
            ServiceFactory(owner_team=team, mode=mode("mode-1" if i % 2 else "mode-2"), criticality=i % 4)
            SupplierFactory()

    add_rows(2)
    client.get(reverse("home"))  # warm caches (content types, permissions)
    small = count_queries(client, reverse("home"))
    add_rows(12)
    large = count_queries(client, reverse("home"))
    assert small == large


# --- teams and org units -----------------------------------------------------------------------------


def test_team_list_shows_counts_and_filters(org, client_for, make_user):
    ServiceFactory(owner_team=org["mobile"])
    ServiceFactory(owner_team=org["mobile"])
    client = client_for(make_user("cab_member"))

    response = client.get(reverse("core:team_list"))
    assert response.status_code == 200
    rows = {team.name: team for team in response.context["table"].data}
    assert rows["Mobile App"].member_count == 1
    assert rows["Mobile App"].service_count == 2
    assert rows["Core Ledger"].service_count == 0
    assert b"Mobile App" in response.content and b"Core Ledger" in response.content

    by_unit = client.get(reverse("core:team_list"), {"org_unit": org["child"].slug})
    assert [t.name for t in by_unit.context["table"].data] == ["Mobile App"]
    by_kind = client.get(reverse("core:team_list"), {"kind": "platform"})
    assert [t.name for t in by_kind.context["table"].data] == ["Core Ledger"]
    by_text = client.get(reverse("core:team_list"), {"q": "ledger"})
    assert [t.name for t in by_text.context["table"].data] == ["Core Ledger"]

    partial = client.get(reverse("core:team_list"), {"kind": "platform"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert b'id="team-results"' in partial.content


def test_team_list_query_count_does_not_grow_with_rows(make_user, client_for):
    user = make_user("cab_member")
    client = client_for(user)

    def add_rows(n: int) -> None:
        for _ in range(n):
            team = TeamFactory(
                org_unit=OrgUnitFactory(), lead=UserFactory(), members=[UserFactory(), UserFactory()]
            )
            ServiceFactory(owner_team=team)

    add_rows(2)
    client.get(reverse("core:team_list"))
    small = count_queries(client, reverse("core:team_list"))
    add_rows(15)
    large = count_queries(client, reverse("core:team_list"))
    assert small == large


def test_team_detail_shows_lead_members_roles_and_services(org, make_user, client_for):
    service = ServiceFactory(owner_team=org["mobile"], name="Mobile banking", slug="mobile-banking")
    response = client_for(make_user("cab_member")).get(org["mobile"].get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert str(org["lead"]) in html
    assert "Service owner" in html  # the member's role
    assert reverse("portfolio:service_detail", args=[service.slug]) in html
    assert 'data-testid="edit-team"' not in html


def test_team_detail_is_404_for_users_who_cannot_see_teams(org, make_user, client_for):
    response = client_for(make_user("requester")).get(org["mobile"].get_absolute_url())
    assert response.status_code == 404


def test_team_edit_is_403_for_a_non_lead(org, make_user, client_for):
    other_owner = make_user("service_owner")
    client = client_for(other_owner)
    url = reverse("core:team_edit", args=[org["mobile"].slug])
    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "Hijacked", "kind": "product", "org_unit": org["child"].pk})
    assert response.status_code == 403
    org["mobile"].refresh_from_db()
    assert org["mobile"].name == "Mobile App"


def test_team_lead_edits_the_team_through_the_service(org, client_for):
    client = client_for(org["lead"])
    detail = client.get(org["mobile"].get_absolute_url())
    assert b'data-testid="edit-team"' in detail.content
    url = reverse("core:team_edit", args=[org["mobile"].slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Mobile App",
            "kind": "product",
            "org_unit": org["child"].pk,
            "lead": org["lead"].pk,
            "members": [org["lead"].pk, org["governance"].pk],
            "chat_channel": "#mobile",
            "reason": "New channel",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == org["mobile"].get_absolute_url()
    team = Team.objects.get(pk=org["mobile"].pk)
    assert team.chat_channel == "#mobile"
    assert set(team.members.all()) == {org["lead"], org["governance"]}
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.verb, entry.reason, entry.actor) == ("team_update", "New channel", org["lead"])


def test_add_team_requires_permission_and_calls_the_service(org, make_user, client_for):
    assert client_for(make_user("product_team_member")).get(reverse("core:team_create")).status_code == 403

    client = client_for(org["governance"])
    assert client.get(reverse("core:team_create")).status_code == 200
    response = client.post(
        reverse("core:team_create"),
        {"name": "Data Platform", "kind": "platform", "org_unit": org["parent"].pk},
    )
    team = Team.objects.get(name="Data Platform")
    assert response.status_code == 302 and response["Location"] == team.get_absolute_url()
    assert AuditEntry.objects.filter(verb="team_create", object_id=str(team.pk)).exists()

    duplicate = client.post(
        reverse("core:team_create"),
        {"name": "Data Platform", "kind": "platform", "org_unit": org["parent"].pk},
    )
    assert duplicate.status_code == 400  # refused, shown on the form
    assert Team.objects.filter(name="Data Platform").count() == 1


def test_orgunit_list_and_detail(org, make_user, client_for):
    client = client_for(make_user("cab_member"))
    response = client.get(reverse("core:orgunit_list"))
    assert response.status_code == 200
    assert [(unit.name, depth) for unit, depth in response.context["rows"]] == [
        ("Group IT", 0),
        ("Digital Channels", 1),
    ]
    assert b"Agile" in response.content and b"Centralised" in response.content

    detail = client.get(org["parent"].get_absolute_url())
    assert detail.status_code == 200
    assert [t.name for t in detail.context["teams"]] == ["Core Ledger"]
    assert [u.name for u in detail.context["children"]] == ["Digital Channels"]


# --- audit log ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["product_team_member", "requester"])
def test_audit_pages_are_403_without_the_permission(role, org, make_user, client_for):
    client = client_for(make_user(role))
    assert client.get(reverse("core:audit_list")).status_code == 403
    assert client.get(reverse("core:audit_detail", args=[1])).status_code == 403
    assert client.post(reverse("core:audit_verify")).status_code == 403


def test_audit_list_for_auditor_with_filters(org, make_user, client_for):
    services.team_update(
        actor=org["governance"], team=org["ledger"], description="Runs the ledger", reason="charter"
    )
    client = client_for(make_user("auditor"))
    url = reverse("core:audit_list")

    response = client.get(url)
    assert response.status_code == 200
    assert response.context["table"].paginator.count == AuditEntry.objects.count()

    def seqs(**params) -> set[int]:
        result = client.get(url, params)
        assert result.status_code == 200
        return {entry.seq for entry in result.context["table"].data}

    updates = seqs(action="update")
    assert updates == set(AuditEntry.objects.filter(action="update").values_list("seq", flat=True))
    assert len(updates) == 1
    assert seqs(q="charter") == updates
    assert seqs(verb="team_update") == updates
    assert seqs(q="Mobile App") == set(
        AuditEntry.objects.filter(object_repr="Mobile App").values_list("seq", flat=True)
    )
    grace = set(AuditEntry.objects.filter(actor_label="grace").values_list("seq", flat=True))
    assert seqs(actor="grace") == grace and len(grace) == 5
    assert seqs(object_type="core.orgunit") == set(
        AuditEntry.objects.filter(content_type__model="orgunit").values_list("seq", flat=True)
    )
    today = timezone.localdate()
    assert seqs(date_from=today.isoformat(), date_to=today.isoformat()) >= grace
    assert seqs(date_from=(today + timedelta(days=1)).isoformat()) == set()

    partial = client.get(url, {"action": "update"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert b'id="audit-results"' in partial.content and b"charter" in partial.content


def test_audit_list_query_count_does_not_grow_with_rows(org, make_user, client_for):
    client = client_for(make_user("auditor"))
    client.get(reverse("core:audit_list"))
    small = count_queries(client, reverse("core:audit_list"))
    for i in range(10):
        services.team_update(actor=org["governance"], team=org["ledger"], description=f"v{i}")
    large = count_queries(client, reverse("core:audit_list"))
    assert small == large


def test_audit_detail_shows_diff_and_hashes(org, make_user, client_for):
    services.team_update(
        actor=org["governance"], team=org["ledger"], description="Runs the ledger", reason="charter"
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    response = client_for(make_user("auditor")).get(reverse("core:audit_detail", args=[entry.seq]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<ins>Runs the ledger</ins>" in html
    assert entry.hash in html and entry.prev_hash in html
    assert "charter" in html


def test_audit_object_link_redirects_to_the_object(org, make_user, client_for):
    entry = AuditEntry.objects.filter(verb="team_create", object_id=str(org["mobile"].pk)).get()
    response = client_for(make_user("auditor")).get(reverse("core:audit_object", args=[entry.seq]))
    assert response.status_code == 302
    assert response["Location"] == org["mobile"].get_absolute_url()


def test_verify_chain_reports_ok_then_the_tampered_entry(org, make_user, client_for):
    client = client_for(make_user("auditor"))
    assert client.get(reverse("core:audit_verify")).status_code == 405

    ok = client.post(reverse("core:audit_verify"))
    assert ok.status_code == 200
    assert b"Chain OK" in ok.content
    assert f"{AuditEntry.objects.count()} entries checked".encode() in ok.content

    victim = AuditEntry.objects.get(verb="team_create", object_id=str(org["mobile"].pk))
    audit.maintenance(connection)  # PostgreSQL's trigger refuses the edit otherwise
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEntry._meta.db_table} SET reason = %s WHERE seq = %s",
            ["nothing to see", victim.seq],
        )

    broken = client.post(reverse("core:audit_verify"), HTTP_HX_REQUEST="true")
    html = broken.content.decode()
    assert broken.status_code == 200
    assert "Chain OK" not in html
    assert "Chain broken" in html
    assert f"#{victim.seq}</a>: content does not match its hash" in html
    assert "<html" not in html  # the htmx partial


# --- navigation ----------------------------------------------------------------------------------------


def test_every_navigation_area_links_to_a_page(make_user, client_for):
    html = client_for(make_user("administrator")).get(reverse("home")).content.decode()
    for area in AREAS:
        assert f'href="{reverse(area.url_name)}"' in html, area.key


# --- no external resources ---------------------------------------------------------------------------

EXTERNAL_SRC = re.compile(r"<script[^>]*\bsrc=[\"'](?!/static/)", re.I)


def test_no_page_loads_anything_from_a_cdn(org, make_user, client, client_for):
    ServiceFactory(owner_team=org["mobile"])
    entry = AuditEntry.objects.order_by("-seq").first()
    pages = [client.get(reverse("login"))]
    client = client_for(make_user("administrator"))
    for url in [
        reverse("home"),
        reverse("core:team_list"),
        org["mobile"].get_absolute_url(),
        reverse("core:team_edit", args=[org["mobile"].slug]),
        reverse("core:team_create"),
        reverse("core:orgunit_list"),
        org["parent"].get_absolute_url(),
        reverse("core:audit_list"),
        reverse("core:audit_detail", args=[entry.seq]),
        reverse("suppliers:supplier_list"),
        reverse("portfolio:map"),
        reverse("changes:change_list"),
        reverse("changes:calendar"),
        reverse("governance:policy_list"),
        reverse("servicedesk:queue"),
    ]:
        pages.append(client.get(url))
    pages.append(client.post(reverse("core:audit_verify")))
    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        html = response.content.decode()
        assert "http://cdn" not in html and "https://cdn" not in html, response.request["PATH_INFO"]
        assert not EXTERNAL_SRC.search(html), response.request["PATH_INFO"]


def test_audit_log_exports_every_filtered_entry_as_plain_csv(org, make_user, client_for):
    import csv
    import io

    services.team_update(actor=org["governance"], team=org["ledger"], description="Runs it", reason="charter")
    client = client_for(make_user("auditor"))
    response = client.get(reverse("core:audit_list"), {"export": "csv", "action": "update"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    updates = AuditEntry.objects.filter(action="update").order_by("-seq")
    assert [r[0] for r in rows[1:]] == [str(e.seq) for e in updates]
    assert not any("<" in cell for row in rows for cell in row)  # values, not the page's HTML
    assert rows[0] == ["#", "Time", "Actor", "Action", "Object", "Reason", "Request"]
    assert (rows[1][3], rows[1][4], rows[1][5]) == ("update team_update", "Team: Core Ledger", "charter")
    nobody = client_for(make_user("requester"))
    assert nobody.get(reverse("core:audit_list"), {"export": "csv"}).status_code == 403

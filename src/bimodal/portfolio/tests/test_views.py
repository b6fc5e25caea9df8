"""Pages of the portfolio: catalogue, service page, forms, reclassification, CSV import/export, modes."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import SupplierFactory, TeamFactory
from bimodal.portfolio import csvio
from bimodal.portfolio.models import Mode, RegulatoryTag, Service, ServiceDependency
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode

pytestmark = pytest.mark.django_db

LIST_URL = reverse("portfolio:service_list")


def detail_url(service: Service) -> str:
    return reverse("portfolio:service_detail", args=[service.slug])


def audit_entries(service: Service):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Service), object_id=str(service.pk)
    )


@pytest.fixture
def team():
    return TeamFactory(name="Core Banking Platform", slug="core-banking-platform")


@pytest.fixture
def estate(team):
    """Core banking (Mode 1) ← mobile app (Mode 2) ← chatbot; the general ledger stands alone."""
    core = ServiceFactory(name="Core Banking", slug="core-banking", owner_team=team, criticality=0)
    app = ServiceFactory(
        name="Mobile Banking App", slug="mobile-banking-app", mode=mode("mode-2"), owner_team=team
    )
    bot = ServiceFactory(name="Chatbot", slug="chatbot", mode=mode("mode-2"), owner_team=team, criticality=3)
    ledger = ServiceFactory(
        name="General Ledger", slug="general-ledger", owner_team=team, description="Books"
    )
    DependencyFactory(source=app, target=core, kind="runtime")
    DependencyFactory(source=bot, target=app, kind="data")
    return {"core": core, "app": app, "bot": bot, "ledger": ledger}


@pytest.fixture
def lead(make_user):
    return make_user("governance_lead")


# --- service list ---------------------------------------------------------------------------------


def test_list_requires_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_list_renders_table_filters_and_buttons(make_user, client_for, estate):
    response = client_for(make_user("governance_lead")).get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="service-table"' in html
    assert 'data-testid="service-filters"' in html
    assert "keyup changed delay:300ms" in html
    assert 'hx-push-url="true"' in html
    for name in ("Core Banking", "Mobile Banking App", "Chatbot", "General Ledger"):
        assert name in html
    assert 'class="bm-mode-badge" style="background: #e07a1f"' in html
    assert "bm-tier bm-tier-0" in html
    assert "Add service" in html and "Import CSV" in html and "Export CSV" in html
    assert response.context["active_area"] == "portfolio"


def test_list_hides_buttons_without_permissions(make_user, client_for, estate):
    html = client_for(make_user("cab_member")).get(LIST_URL).content.decode()
    assert "Export CSV" in html
    assert "Add service" not in html
    assert "Import CSV" not in html


def test_list_filters_by_mode(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(LIST_URL, {"mode": "mode-2"})
    names = {row.record.name for row in response.context["table"].rows}
    assert names == {"Mobile Banking App", "Chatbot"}


def test_list_filters_by_search(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(LIST_URL, {"q": "bank"})
    names = {row.record.name for row in response.context["table"].rows}
    assert names == {"Core Banking", "Mobile Banking App"}
    # Description matches too.
    response = client_for(make_user("cab_member")).get(LIST_URL, {"q": "books"})
    assert [row.record.name for row in response.context["table"].rows] == ["General Ledger"]


def test_list_empty_choice_means_no_filter(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(LIST_URL, {"mode": "", "lifecycle": "", "q": ""})
    assert response.context["table"].paginator.count == 4


def test_list_sorts_and_paginates(make_user, client_for, team):
    for n in range(30):
        ServiceFactory(name=f"Svc {n:02d}", slug=f"svc-{n:02d}", owner_team=team, criticality=n % 4)
    client = client_for(make_user("cab_member"))
    response = client.get(LIST_URL, {"sort": "-name"})
    table = response.context["table"]
    assert table.paginator.count == 30
    assert len(table.page.object_list) == 25
    assert table.page.object_list.data[0].name == "Svc 29"
    assert client.get(LIST_URL, {"page": 2}).context["table"].page.number == 2


def test_htmx_request_returns_only_the_results(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(LIST_URL, {"mode": "mode-1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="service-results"')
    assert "<html" not in html and "bm-sidebar" not in html and "service-filters" not in html
    assert "Core Banking" in html and "Chatbot" not in html
    # The export button follows the filters (out-of-band swap).
    assert 'id="export-services"' in html and 'hx-swap-oob="true"' in html and "mode=mode-1" in html
    assert "HX-Request" in response["Vary"]


def test_boosted_or_history_restore_request_gets_the_full_page(make_user, client_for, estate):
    client = client_for(make_user("cab_member"))
    html = client.get(LIST_URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true").content
    assert b"<html" in html


def _list_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST_URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_services(make_user, client_for):
    supplier = SupplierFactory()
    tag = RegulatoryTag.objects.create(name="PCI DSS")

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            service = ServiceFactory(
                name=f"Service {i:03d}",
                slug=f"service-{i:03d}",
                owner_team=TeamFactory(),
                mode=mode("mode-1" if i % 2 else "mode-2"),
                supplier=supplier,
            )
            service.regulatory_tags.add(tag)

    client = client_for(make_user("governance_lead"))
    make(5, 0)
    _list_queries(client)  # warm caches (content types, permissions)
    few = _list_queries(client)
    few_filtered = _list_queries(
        client, {"mode": "mode-1", "regulatory_tag": "PCI DSS", "sort": "owner_team"}
    )
    make(25, 5)
    many = _list_queries(client)
    many_filtered = _list_queries(
        client, {"mode": "mode-1", "regulatory_tag": "PCI DSS", "sort": "owner_team"}
    )
    assert few == many
    assert few_filtered == many_filtered


# --- visibility -----------------------------------------------------------------------------------


def test_requester_sees_only_live_services(make_user, client_for, team):
    live = ServiceFactory(name="Live One", owner_team=team)
    retired = ServiceFactory(name="Retired One", owner_team=team, lifecycle="retired")
    client = client_for(make_user("requester"))
    names = {row.record.name for row in client.get(LIST_URL).context["table"].rows}
    assert names == {"Live One"}
    assert client.get(detail_url(live)).status_code == 200
    assert client.get(detail_url(retired)).status_code == 404


def test_supplier_agent_sees_only_their_suppliers_services(make_user, client_for, team):
    atlas, other = SupplierFactory(name="Atlas"), SupplierFactory(name="Other")
    mine = ServiceFactory(name="Operated By Atlas", owner_team=team, supplier=atlas)
    theirs = ServiceFactory(name="Operated By Other", owner_team=team, supplier=other)
    ServiceFactory(name="In House", owner_team=team)
    client = client_for(make_user("supplier_agent", supplier=atlas))
    response = client.get(LIST_URL)
    assert {row.record.name for row in response.context["table"].rows} == {"Operated By Atlas"}
    # The supplier filter offers only their own supplier.
    assert (
        "Other" not in response.content.decode().split('data-testid="service-filters"')[1].split("</form>")[0]
    )
    assert client.get(detail_url(mine)).status_code == 200
    assert client.get(detail_url(theirs)).status_code == 404
    export = client.get(reverse("portfolio:service_export")).content.decode()
    assert "Operated By Atlas" in export and "Operated By Other" not in export and "In House" not in export


# --- service detail -------------------------------------------------------------------------------


def test_detail_shows_dependencies_both_ways_and_blast_radius(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(detail_url(estate["app"]))
    assert response.status_code == 200
    html = response.content.decode()
    depends_on = html.split('data-testid="depends-on"')[1].split("</table>")[0]
    used_by = html.split('data-testid="used-by"')[1].split("</table>")[0]
    assert "Core Banking" in depends_on and "Runtime call" in depends_on and "bm-tier-0" in depends_on
    assert "Chatbot" in used_by and "Data feed" in used_by
    assert 'data-testid="blast-radius"' in html
    assert response.context["active_area"] == "portfolio"

    core = client_for(make_user("cab_member")).get(detail_url(estate["core"]))
    blast = [(s.name, d) for s, d in core.context["blast"]]
    assert blast == [("Mobile Banking App", 1), ("Chatbot", 2)]
    core_html = core.content.decode()
    used_by = core_html.split('data-testid="used-by"')[1].split("</table>")[0]
    assert "Mobile Banking App" in used_by and "Chatbot" not in used_by
    assert "Chatbot" in core_html.split('data-testid="blast-radius"')[1]


def test_detail_shows_attributes_owner_link_and_tags(make_user, client_for, team):
    supplier = SupplierFactory(name="Meridian")
    service = ServiceFactory(name="Payments", owner_team=team, supplier=supplier)
    service.regulatory_tags.add(RegulatoryTag.objects.create(name="PCI DSS"))
    html = client_for(make_user("cab_member")).get(detail_url(service)).content.decode()
    assert 'class="bm-dl' in html
    assert reverse("core:team_detail", args=[team.slug]) in html
    assert "PCI DSS" in html and "Meridian" in html


def test_detail_history_only_for_audit_readers(make_user, client_for, lead, team):
    client = client_for(lead)
    client.post(
        reverse("portfolio:service_create"),
        _service_post(team, name="Audited Service"),
    )
    service = Service.objects.get(name="Audited Service")
    html = client.get(detail_url(service)).content.decode()
    assert 'data-testid="service-history"' in html and "service_create" in html
    html = client_for(make_user("cab_member")).get(detail_url(service)).content.decode()
    assert 'data-testid="service-history"' not in html


def test_product_team_member_buttons(make_user, client_for, team):
    own = ServiceFactory(name="Ours", owner_team=team)
    other = ServiceFactory(name="Theirs", owner_team=TeamFactory())
    member = make_user("product_team_member", teams=[team])
    client = client_for(member)
    html = client.get(detail_url(own)).content.decode()
    assert 'data-testid="edit-service"' in html and 'data-testid="add-dependency"' in html
    assert 'data-testid="change-mode"' not in html
    html = client.get(detail_url(other)).content.decode()
    assert 'data-testid="edit-service"' not in html and 'data-testid="add-dependency"' not in html
    assert 'data-testid="change-mode"' not in html


# --- create / edit --------------------------------------------------------------------------------


def _service_post(team, **overrides) -> dict:
    data = {
        "name": "New Service",
        "description": "Something useful",
        "mode": mode("mode-2").pk,
        "owner_team": team.pk,
        "lifecycle": "live",
        "criticality": "2",
        "data_classification": "internal",
        "hosting": "public_cloud",
        "support_coverage": "business_hours",
        "availability_target": "",
        "documentation_url": "",
    }
    data.update(overrides)
    return data


def test_create_through_the_form_writes_service_and_audit(lead, client_for, team):
    tag = RegulatoryTag.objects.create(name="GDPR")
    client = client_for(lead)
    assert client.get(reverse("portfolio:service_create")).status_code == 200
    response = client.post(reverse("portfolio:service_create"), _service_post(team, regulatory_tags=[tag.pk]))
    service = Service.objects.get(name="New Service")
    assert response.status_code == 302 and response["Location"] == detail_url(service)
    assert service.slug == "new-service" and service.mode.key == "mode-2"
    assert list(service.regulatory_tags.all()) == [tag]
    entry = audit_entries(service).get()
    assert entry.verb == "service_create" and entry.actor == lead


def test_create_invalid_shows_errors_and_writes_nothing(lead, client_for, team):
    ServiceFactory(name="Taken", owner_team=team)
    before = AuditEntry.objects.count()
    response = client_for(lead).post(
        reverse("portfolio:service_create"), _service_post(team, name="Taken", availability_target="150")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "name" in errors and "availability_target" in errors
    assert Service.objects.filter(name="Taken").count() == 1
    assert AuditEntry.objects.count() == before


def test_create_owner_team_choices_limited_for_non_manager(make_user, client_for, team):
    other = TeamFactory(name="Somebody Else")
    owner = make_user("service_owner", teams=[team])
    client = client_for(owner)
    form = client.get(reverse("portfolio:service_create")).context["form"]
    assert list(form.fields["owner_team"].queryset) == [team]
    response = client.post(reverse("portfolio:service_create"), _service_post(other))
    assert response.status_code == 400 and "owner_team" in response.context["form"].errors
    assert not Service.objects.filter(name="New Service").exists()


def test_create_needs_permission(make_user, client_for, team):
    client = client_for(make_user("product_team_member", teams=[team]))
    assert client.get(reverse("portfolio:service_create")).status_code == 403
    assert client.post(reverse("portfolio:service_create"), _service_post(team)).status_code == 403


def test_edit_through_the_form_writes_audit_with_before_and_after(make_user, client_for, team):
    service = ServiceFactory(name="Editable", owner_team=team, criticality=2)
    member = make_user("product_team_member", teams=[team])
    client = client_for(member)
    response = client.get(reverse("portfolio:service_edit", args=[service.slug]))
    assert response.status_code == 200 and "mode" not in response.context["form"].fields
    data = _service_post(team, name="Editable", criticality="1", reason="Now customer facing")
    data.pop("mode")
    response = client.post(reverse("portfolio:service_edit", args=[service.slug]), data)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.criticality == 1 and service.mode.key == "mode-1"
    entry = audit_entries(service).get(verb="service_update")
    assert entry.actor == member and entry.reason == "Now customer facing"
    assert ("criticality", 2, 1) in entry.changed_fields


def test_edit_cannot_change_mode(lead, client_for, team):
    service = ServiceFactory(name="Stays Put", owner_team=team)
    data = _service_post(team, name="Stays Put", mode=mode("mode-2").pk)
    client_for(lead).post(reverse("portfolio:service_edit", args=[service.slug]), data)
    service.refresh_from_db()
    assert service.mode.key == "mode-1"


def test_product_team_member_cannot_edit_another_teams_service(make_user, client_for, team):
    other = ServiceFactory(name="Not Mine", owner_team=TeamFactory())
    client = client_for(make_user("product_team_member", teams=[team]))
    url = reverse("portfolio:service_edit", args=[other.slug])
    assert client.get(url).status_code == 403
    data = _service_post(other.owner_team, name="Hijacked")
    data.pop("mode")
    assert client.post(url, data).status_code == 403
    other.refresh_from_db()
    assert other.name == "Not Mine"


# --- change mode ----------------------------------------------------------------------------------


def test_change_mode_requires_permission(make_user, client_for, team):
    service = ServiceFactory(owner_team=team)
    client = client_for(make_user("service_owner", teams=[team]))
    url = reverse("portfolio:service_change_mode", args=[service.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"mode": mode("mode-2").pk, "reason": "Because"}).status_code == 403
    service.refresh_from_db()
    assert service.mode.key == "mode-1"


def test_change_mode_requires_reason(lead, client_for, team):
    service = ServiceFactory(owner_team=team)
    url = reverse("portfolio:service_change_mode", args=[service.slug])
    response = client_for(lead).post(url, {"mode": mode("mode-2").pk, "reason": "   "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    service.refresh_from_db()
    assert service.mode.key == "mode-1"
    assert not audit_entries(service).filter(verb="service_change_mode").exists()


def test_change_mode_moves_the_service_and_audits_the_reason(lead, client_for, team):
    service = ServiceFactory(owner_team=team)
    client = client_for(lead)
    url = reverse("portfolio:service_change_mode", args=[service.slug])
    form = client.get(url).context["form"]
    assert list(form.fields["mode"].queryset.values_list("key", flat=True)) == ["mode-2"]
    response = client.post(url, {"mode": mode("mode-2").pk, "reason": "Readiness score 82"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.mode.key == "mode-2"
    entry = audit_entries(service).get(verb="service_change_mode")
    assert entry.reason == "Readiness score 82"
    html = client.get(detail_url(service)).content.decode()
    assert 'data-testid="change-mode"' in html


# --- dependencies ---------------------------------------------------------------------------------


def test_add_dependency_with_htmx_returns_the_graph(make_user, client_for, estate, team):
    client = client_for(make_user("product_team_member", teams=[team]))
    url = reverse("portfolio:dependency_add", args=[estate["ledger"].slug])
    response = client.post(url, {"target": estate["core"].pk, "kind": "data"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="row g-3 mt-0" id="service-graph">')
    assert "Core Banking" in html.split('data-testid="depends-on"')[1]
    assert 'id="blast-radius"' in html and 'hx-swap-oob="true"' in html
    assert ServiceDependency.objects.filter(source=estate["ledger"], target=estate["core"]).exists()


def test_add_dependency_cycle_is_shown_and_not_written(lead, client_for, estate):
    url = reverse("portfolio:dependency_add", args=[estate["core"].slug])
    response = client_for(lead).post(
        url, {"target": estate["app"].pk, "kind": "runtime"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "cycle" in response.content.decode()
    assert not ServiceDependency.objects.filter(source=estate["core"], target=estate["app"]).exists()


def test_add_dependency_refused_for_another_teams_service(make_user, client_for, estate):
    client = client_for(make_user("product_team_member", teams=[TeamFactory()]))
    url = reverse("portfolio:dependency_add", args=[estate["ledger"].slug])
    assert client.post(url, {"target": estate["core"].pk, "kind": "data"}).status_code == 403
    assert not ServiceDependency.objects.filter(source=estate["ledger"]).exists()


def test_remove_dependency(lead, client_for, estate):
    edge = ServiceDependency.objects.get(source=estate["app"], target=estate["core"])
    url = reverse("portfolio:dependency_remove", args=[estate["app"].slug, edge.pk])
    client = client_for(lead)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == detail_url(estate["app"])
    assert not ServiceDependency.objects.filter(pk=edge.pk).exists()


def test_remove_dependency_forbidden_for_reader(make_user, client_for, estate):
    edge = ServiceDependency.objects.get(source=estate["app"], target=estate["core"])
    url = reverse("portfolio:dependency_remove", args=[estate["app"].slug, edge.pk])
    assert client_for(make_user("cab_member")).post(url).status_code == 403
    assert ServiceDependency.objects.filter(pk=edge.pk).exists()


# --- CSV ------------------------------------------------------------------------------------------


def _upload(text: str, name: str = "services.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_import_page_needs_permission(make_user, client_for):
    client = client_for(make_user("service_owner"))
    assert client.get(reverse("portfolio:service_import")).status_code == 403


def test_import_with_one_bad_row_shows_line_and_writes_nothing(lead, client_for, team):
    text = (
        "name,mode,owner_team,criticality\n"
        f"Good One,mode-1,{team.slug},1\n"
        f"Bad One,mode-9,{team.slug},2\n"
        f"Good Two,mode-2,{team.slug},3\n"
    )
    before = AuditEntry.objects.count()
    response = client_for(lead).post(reverse("portfolio:service_import"), {"file": _upload(text)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing was written" in html
    errors_table = html.split('data-testid="import-errors"')[1].split("</table>")[0]
    assert '<td class="bm-mono">3</td>' in errors_table and "mode" in errors_table
    assert not Service.objects.filter(name__in=["Good One", "Good Two", "Bad One"]).exists()
    assert AuditEntry.objects.count() == before


def test_import_dry_run_and_real_run(lead, client_for, team):
    text = f"name,mode,owner_team\nImported One,mode-2,{team.slug}\n"
    client = client_for(lead)
    response = client.post(reverse("portfolio:service_import"), {"file": _upload(text), "dry_run": "on"})
    assert response.status_code == 200
    assert "Dry run" in response.content.decode()
    assert response.context["result"].created == ["imported-one"]
    assert not Service.objects.filter(name="Imported One").exists()
    response = client.post(reverse("portfolio:service_import"), {"file": _upload(text)})
    html = response.content.decode()
    assert 'data-testid="created-count">1<' in html
    assert Service.objects.get(name="Imported One").mode.key == "mode-2"


def test_import_rejects_non_utf8_and_large_files(lead, client_for):
    client = client_for(lead)
    latin1 = SimpleUploadedFile("x.csv", "name\nCafé\n".encode("latin-1"), content_type="text/csv")
    response = client.post(reverse("portfolio:service_import"), {"file": latin1})
    assert "not UTF-8" in " ".join(response.context["form"].errors["file"])
    big = SimpleUploadedFile("big.csv", b"a" * (2 * 1024 * 1024 + 1), content_type="text/csv")
    response = client.post(reverse("portfolio:service_import"), {"file": big})
    assert "2 MB" in " ".join(response.context["form"].errors["file"])


def test_import_template_has_the_header(lead, client_for):
    response = client_for(lead).get(reverse("portfolio:service_import_template"))
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.decode().strip() == ",".join(csvio.COLUMNS)


def test_export_honours_filters_and_round_trips(lead, client_for, estate):
    client = client_for(lead)
    response = client.get(reverse("portfolio:service_export"), {"mode": "mode-2"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="services.csv"'
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["slug"] for row in rows} == {"mobile-banking-app", "chatbot"}
    assert next(r for r in rows if r["slug"] == "mobile-banking-app")["depends_on"] == "core-banking"

    # Importing the full export changes nothing.
    full = client.get(reverse("portfolio:service_export")).content.decode()
    before = AuditEntry.objects.count()
    response = client.post(reverse("portfolio:service_import"), {"file": _upload(full)})
    result = response.context["result"]
    assert result.ok, result.errors
    assert sorted(result.unchanged) == sorted(s.slug for s in estate.values())
    assert result.created == [] and result.updated == []
    assert AuditEntry.objects.count() == before


# --- modes ----------------------------------------------------------------------------------------


def test_mode_list_shows_profiles_and_counts(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(reverse("portfolio:mode_list"))
    assert response.status_code == 200 and response.context["active_area"] == "modes"
    counts = {m.key: m.service_count for m in response.context["modes"]}
    assert counts == {"mode-1": 2, "mode-2": 2}
    html = response.content.decode()
    assert "Change advisory board" in html and "Automated policy gate" in html
    assert 'data-testid="governance-profile"' in html


def test_mode_detail_lists_its_services(make_user, client_for, estate):
    response = client_for(make_user("cab_member")).get(reverse("portfolio:mode_detail", args=["mode-2"]))
    assert response.status_code == 200
    assert {row.record.name for row in response.context["table"].rows} == {"Mobile Banking App", "Chatbot"}
    assert response.context["form"] is None
    assert 'data-testid="mode-form"' not in response.content.decode()


def test_mode_detail_edit_by_governance_lead(lead, client_for):
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    client = client_for(lead)
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data.update(sla_profile="Bronze", reason="New SLA catalogue", change_windows_required="")
    for flag in ("standard_changes_preapproved", "deployment_gate"):
        data[flag] = "on" if form.initial[flag] else ""
    response = client.post(url, data)
    assert response.status_code == 302
    m2 = Mode.objects.get(key="mode-2")
    assert m2.sla_profile == "Bronze"
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Mode), object_id=str(m2.pk), verb="mode_update"
    ).first()
    assert entry.reason == "New SLA catalogue"


def test_mode_edit_forbidden_without_permission(make_user, client_for):
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    response = client_for(make_user("service_owner")).post(url, {"name": "Hacked"})
    assert response.status_code == 403
    assert Mode.objects.get(key="mode-2").name != "Hacked"


def test_htmx_pushes_a_clean_url(make_user, client_for, estate):
    client = client_for(make_user("cab_member"))
    response = client.get(
        LIST_URL, {"q": "bank", "mode": "", "lifecycle": "", "sort": "name"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Push-Url"] == f"{LIST_URL}?q=bank&sort=name"
    assert f'href="{reverse("portfolio:service_export")}?q=bank"' in response.content.decode()


def test_requester_without_dependency_permission_sees_no_graph(make_user, client_for, estate):
    response = client_for(make_user("requester")).get(detail_url(estate["core"]))
    assert response.status_code == 200
    assert response.context["blast"] == []
    html = response.content.decode()
    assert "not shown to your role" in html
    assert "Mobile Banking App" not in html and "Chatbot" not in html

"""Pages of the portfolio: the service catalogue, who sees which services, the service page and its forms."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import SupplierFactory, TeamFactory
from bimodal.portfolio.models import RegulatoryTag, Service
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.portfolio.tests.pages import LIST_URL, audit_entries, detail_url

pytestmark = pytest.mark.django_db


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
    assert 'class="bm-mode-badge" style="background: #b45309"' in html
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
    assert (
        'data-testid="service-history"' in html and "Service created" in html and "service_create" not in html
    )
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

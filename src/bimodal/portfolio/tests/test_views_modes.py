"""Pages of the portfolio: changing a service's mode, dependencies, CSV import/export, the mode pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio import csvio
from bimodal.portfolio.models import Mode, Service, ServiceDependency
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.portfolio.tests.pages import LIST_URL, audit_entries, detail_url

pytestmark = pytest.mark.django_db


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
    data.update(description="Build it, run it.", reason="Clearer wording", change_windows_required="")
    for flag in ("standard_changes_preapproved", "deployment_gate"):
        data[flag] = "on" if form.initial[flag] else ""
    response = client.post(url, data)
    assert response.status_code == 302
    m2 = Mode.objects.get(key="mode-2")
    assert m2.description == "Build it, run it."
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Mode), object_id=str(m2.pk), verb="mode_update"
    ).first()
    assert entry.reason == "Clearer wording"


def test_a_new_mode_colour_must_carry_white_badge_text(lead, client_for):
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    client = client_for(lead)
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data.update(reason="Brighter", change_windows_required="", colour="#e07a1f")
    for flag in ("standard_changes_preapproved", "deployment_gate"):
        data[flag] = "on" if form.initial[flag] else ""
    response = client.post(url, data)
    assert response.status_code == 400
    assert "hard to read (contrast 3.0:1" in response.context["form"].errors["colour"][0]
    data["colour"] = "#2a7a4f"
    assert client.post(url, data).status_code == 302
    assert Mode.objects.get(key="mode-2").colour == "#2a7a4f"


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

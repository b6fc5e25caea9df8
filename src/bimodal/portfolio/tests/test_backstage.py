"""Backstage catalog-info.yaml import: mapping, idempotency, all-or-nothing errors, permissions."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from bimodal.core.models import AuditEntry, OrgUnit, Team
from bimodal.portfolio.backstage import import_backstage, parse_ref
from bimodal.portfolio.models import Service, ServiceDependency

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: digital
  description: Digital channels division
spec:
  type: department
  children: [mobile-squad]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: mobile-squad
spec:
  type: team
  parent: group:default/digital
  profile:
    displayName: Mobile Squad
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: retail-banking
  title: Retail Banking
spec:
  owner: mobile-squad
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: mobile-app
  title: Mobile App
  description: The bank in your pocket.
  annotations:
    bimodal.io/mode: mode-2
    bimodal.io/criticality: "1"
spec:
  type: service
  lifecycle: production
  owner: group:default/mobile-squad
  system: retail-banking
  dependsOn:
    - component:default/payments-api
    - resource:default/mobile-db
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    bimodal.io/mode: Mode 1
spec:
  type: service
  lifecycle: experimental
  owner: mobile-squad
"""


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gov")


def test_parse_ref_accepts_the_three_forms():
    assert parse_ref("group:default/Mobile-Squad", "group") == ("group", "mobile-squad")
    assert parse_ref("mobile-squad", "group") == ("group", "mobile-squad")
    assert parse_ref("component:payments-api", "group") == ("component", "payments-api")


def test_import_maps_groups_systems_components_and_dependencies(gov):
    result = import_backstage(actor=gov, sources=[("catalog-info.yaml", CATALOG)])

    assert result.ok, result.errors
    assert result.created == {"org unit": 1, "team": 1, "service": 2, "dependency": 1}
    team = Team.objects.get(slug="mobile-squad")
    assert (team.name, team.org_unit.slug) == ("Mobile Squad", "digital")
    app = Service.objects.get(slug="mobile-app")
    assert (app.name, app.mode.key, app.lifecycle, app.criticality) == ("Mobile App", "mode-2", "live", 1)
    assert app.capability.name == "Retail Banking"
    assert app.owner_team == team
    api = Service.objects.get(slug="payments-api")
    assert (api.mode.key, api.lifecycle) == ("mode-1", "in_development")
    assert list(ServiceDependency.objects.values_list("source__slug", "target__slug")) == [
        ("mobile-app", "payments-api")
    ]
    assert "Component mobile-app → resource:default/mobile-db" in result.skipped[-1]


def test_reimport_changes_nothing_and_writes_no_audit(gov):
    import_backstage(actor=gov, sources=[("catalog-info.yaml", CATALOG)])
    entries = AuditEntry.objects.count()

    again = import_backstage(actor=gov, sources=[("catalog-info.yaml", CATALOG)])

    assert again.ok and not again.created and not again.updated
    assert again.unchanged == {"org unit": 1, "team": 1, "service": 2, "dependency": 1}
    assert AuditEntry.objects.count() == entries


def test_a_changed_descriptor_updates_the_service_and_reclassifies_it(gov):
    import_backstage(actor=gov, sources=[("c.yaml", CATALOG)])
    changed = CATALOG.replace("bimodal.io/mode: Mode 1", "bimodal.io/mode: mode-2")

    result = import_backstage(actor=gov, sources=[("c.yaml", changed)])

    assert result.updated["service"] == 1
    assert Service.objects.get(slug="payments-api").mode.key == "mode-2"
    entry = AuditEntry.objects.filter(verb="service_change_mode").get()
    assert entry.reason == "Backstage import"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("owner: mobile-squad\n", "owner: nobody\n"), "spec.owner “nobody” is not a team"),
        (("lifecycle: experimental", "lifecycle: retired"), "spec.lifecycle “retired”"),
        (
            ("bimodal.io/mode: Mode 1", "bimodal.io/mode: mode-9"),
            "annotation bimodal.io/mode “mode-9” is unknown",
        ),
        (
            ("component:default/payments-api", "component:default/ghost"),
            "spec.dependsOn “component:default/ghost”",
        ),
    ],
)
def test_one_bad_document_means_nothing_is_written(gov, edit, message):
    entries = AuditEntry.objects.count()

    result = import_backstage(actor=gov, sources=[("catalog-info.yaml", CATALOG.replace(*edit))])

    assert not result.ok
    assert any(message in str(error) for error in result.errors), [str(e) for e in result.errors]
    assert str(result.errors[0]).startswith("catalog-info.yaml, document ")
    assert not Service.objects.exists()
    assert not Team.objects.filter(slug="mobile-squad").exists()
    assert not OrgUnit.objects.filter(slug="digital").exists()
    assert AuditEntry.objects.count() == entries


def test_component_without_mode_needs_the_default_mode(gov):
    text = CATALOG.replace("  annotations:\n    bimodal.io/mode: Mode 1\n", "")
    result = import_backstage(actor=gov, sources=[("c.yaml", text)])
    assert [e.document for e in result.errors] == [5]
    assert "no mode" in result.errors[0].message


def test_invalid_yaml_names_file_and_line(gov):
    result = import_backstage(actor=gov, sources=[("broken.yaml", "kind: Group\nmetadata: [unclosed\n")])
    assert not result.ok
    assert str(result.errors[0]).startswith("broken.yaml, document 0: not valid YAML at line")


def test_dry_run_writes_nothing(gov):
    result = import_backstage(actor=gov, sources=[("c.yaml", CATALOG)], dry_run=True)
    assert result.ok and result.created["service"] == 2
    assert not Service.objects.exists()


def test_import_needs_the_import_permission(make_user):
    with pytest.raises(PermissionDenied):
        import_backstage(actor=make_user("product_team_member"), sources=[("c.yaml", CATALOG)])


def test_command_imports_and_reports_errors_with_the_document(gov, tmp_path, capsys):
    good = tmp_path / "catalog-info.yaml"
    good.write_text(CATALOG)
    call_command("import_backstage", str(good), "--user", "gov")
    assert Service.objects.count() == 2
    assert "service: 2 created" in capsys.readouterr().out

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        CATALOG.replace("name: payments-api", "name: payments-api-2").replace(
            "owner: mobile-squad\n", "owner: x\n"
        )
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_backstage", str(bad), "--user", "gov")
    assert "bad.yaml, document 5 (Component payments-api-2)" in capsys.readouterr().err
    assert not Service.objects.filter(slug="payments-api-2").exists()

"""`bimodal import-services` and `bimodal export-services`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bimodal.core.models import AuditEntry
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode

pytestmark = pytest.mark.django_db


def run(*argv: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def gloria(make_user):
    return make_user("governance_lead", username="gloria")


@pytest.fixture
def portfolio(db):
    """Three services in both modes with a dependency."""
    app = ServiceFactory(name="Mobile App", slug="mobile-app", mode=mode("mode-2"))
    core = ServiceFactory(name="Core Banking", slug="core-banking", criticality=0)
    ServiceFactory(name="Ledger", slug="ledger", owner_team=core.owner_team)
    DependencyFactory(source=app, target=core)
    return app, core


def write(tmp_path, text: str):
    path = tmp_path / "services.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_with_a_bad_row_names_the_line_and_writes_nothing(tmp_path, gloria, portfolio):
    team = portfolio[1].owner_team.slug
    path = write(
        tmp_path,
        f"name,mode,owner_team,criticality\nPayments Hub,mode-1,{team},1\nRobo Advisor,mode-7,{team},2\n",
    )
    services, audits = Service.objects.count(), AuditEntry.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_services", path, "--user", "gloria", stdout=io.StringIO(), stderr=err)
    assert "line 3, column mode: no mode “mode-7”" in err.getvalue()
    assert (Service.objects.count(), AuditEntry.objects.count()) == (services, audits)


def test_import_creates_services_and_reports_counts(tmp_path, gloria, portfolio):
    team = portfolio[1].owner_team.slug
    path = write(tmp_path, f"name,mode,owner_team,depends_on\nPayments Hub,mode-1,{team},core-banking\n")
    out, _ = run("import_services", path, "--user", "gloria", "--dry-run")
    assert "Dry run" in out and "1 created" in out
    assert not Service.objects.filter(name="Payments Hub").exists()
    out, _ = run("import_services", path, "--user", "gloria")
    assert "1 created, 0 updated, 0 unchanged, 1 dependencies added" in out
    hub = Service.objects.get(name="Payments Hub")
    assert hub.dependencies.get().target.slug == "core-banking"


def test_import_refuses_unknown_or_unauthorised_users(tmp_path, make_user, portfolio):
    path = write(tmp_path, "name,mode,owner_team\n")
    with pytest.raises(CommandError, match="No user “ghost”"):
        run("import_services", path, "--user", "ghost")
    make_user("requester", username="rita")
    with pytest.raises(CommandError, match="permission"):
        run("import_services", path, "--user", "rita")
    make_user("governance_lead", username="gloria")
    with pytest.raises(CommandError, match="No such file"):
        run("import_services", str(tmp_path / "missing.csv"), "--user", "gloria")


def test_export_filters_by_mode(portfolio):
    out, _ = run("export_services", "--mode", "mode-2")
    lines = out.strip().splitlines()
    assert lines[0].startswith("slug,name,")
    assert [line.split(",")[0] for line in lines[1:]] == ["mobile-app"]
    with pytest.raises(CommandError, match="No mode “mode-9”"):
        run("export_services", "--mode", "mode-9")


def test_export_then_import_round_trips_unchanged(tmp_path):
    from bimodal.demo.loader import load_demo

    load_demo()
    path = tmp_path / "export.csv"
    _, err = run("export_services", "-o", str(path))
    count = Service.objects.count()
    assert f"Wrote {count} services" in err
    audits = AuditEntry.objects.count()
    out, _ = run("import_services", str(path), "--user", "gloria")
    assert f"0 created, 0 updated, {count} unchanged, 0 dependencies added" in out
    assert AuditEntry.objects.count() == audits
    again, _ = run("export_services")
    assert again == path.read_text(encoding="utf-8")

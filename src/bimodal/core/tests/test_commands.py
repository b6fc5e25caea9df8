"""The core commands: `audit verify|tail`, `setup` and `serve`."""

import io
import os

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from bimodal.core import audit
from bimodal.core import services as core_services
from bimodal.core.models import AuditEntry, User
from bimodal.portfolio.models import Mode
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audited(make_user):
    """A few audited writes on top of the seeded modes."""
    admin = make_user("administrator", username="root")
    for name in ("Retail", "Wholesale", "Treasury"):
        core_services.orgunit_create(actor=admin, name=name)
    return admin


def run(*argv: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_audit_verify_reports_a_clean_chain(audited):
    out, _ = run("audit", "verify")
    assert f"{AuditEntry.objects.count()} audit entries checked: OK" in out


def test_audit_verify_exits_1_when_an_entry_was_edited(audited, capsys):
    audit.maintenance(connection)  # PostgreSQL's trigger refuses the edit otherwise
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE seq = 1")
    with pytest.raises(CommandError, match="problem"):
        run("audit", "verify")
    # From the command line the same failure is exit status 1 with the entry named on stderr.
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["bimodal", "audit", "verify"])
    assert exit_info.value.code == 1
    assert "#1: content does not match its hash" in capsys.readouterr().err


def test_audit_needs_a_subcommand(db):
    with pytest.raises(CommandError):
        run("audit")


def test_audit_tail_prints_the_latest_entries_oldest_first(audited):
    out, _ = run("audit", "tail", "-n", "2")
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "“Treasury”" in lines[-1] and "“Wholesale”" in lines[0]
    assert "root" in lines[-1] and "orgunit_create" in lines[-1]


def test_setup_chooses_the_preset_and_creates_an_admin(monkeypatch):
    monkeypatch.setenv("BIMODAL_MODE_PRESET", "bimodal")
    out, _ = run("setup", "--preset", "trimodal", "--admin", "boss")
    assert set(Mode.objects.values_list("key", flat=True)) == {"pioneers", "settlers", "town-planners"}
    password = out.split("password: ")[1].split()[0]
    boss = User.objects.get(username="boss")
    assert (
        boss.check_password(password)
        and boss.is_superuser
        and boss.groups.filter(name="administrator").exists()
    )
    assert AuditEntry.objects.filter(verb="user_create", object_id=str(boss.pk)).exists()

    out, _ = run("setup", "--admin", "boss")
    assert "already exists" in out
    assert Mode.objects.count() == 3, "without --preset the modes stay as they are"
    assert os.environ["BIMODAL_MODE_PRESET"] == "bimodal", "setup restores the environment"


def test_setup_refuses_another_preset_once_services_exist(monkeypatch):
    monkeypatch.setenv("BIMODAL_MODE_PRESET", "bimodal")
    ServiceFactory()
    with pytest.raises(CommandError, match="without services"):
        run("setup", "--preset", "pace-layered")
    out, _ = run("setup", "--preset", "bimodal")
    assert "Mode 1" in out
    assert User.objects.filter(is_superuser=True).count() == 0


def test_serve_collects_static_and_execs_gunicorn(monkeypatch):
    from bimodal.core.management.commands import serve

    calls, execs = [], []
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setattr(serve.os, "execvp", lambda program, argv: execs.append((program, argv)))
    run("serve", "--bind", "127.0.0.1:9001", "--workers", "3")
    assert calls[0][0] == ("collectstatic",) and calls[0][1]["interactive"] is False
    program, argv = execs[0]
    assert program.endswith("gunicorn")
    assert argv[1] == "bimodal.config.wsgi:application"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:9001"
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--access-logfile") + 1] == "-"

    run("serve", "--bind", "127.0.0.1:9001", "--workers", "2", "--no-access-log")
    assert "--access-logfile" not in execs[1][1]


def test_setup_writes_the_default_and_generated_policies_with_its_administrator(monkeypatch):
    from bimodal.governance.models import Policy

    monkeypatch.setenv("BIMODAL_MODE_PRESET", "bimodal")
    out, _ = run("setup", "--preset", "trimodal")
    assert "Default policies: none yet" in out and not Policy.objects.exists()

    out, _ = run("setup", "--admin", "boss")
    sets = set(Policy.objects.filter(is_current=True).values_list("policy_set", flat=True))
    assert {"all-modes", "profile:pioneers", "profile:settlers", "profile:town-planners"} <= sets
    boss = User.objects.get(username="boss")
    assert set(Policy.objects.values_list("created_by", flat=True)) == {boss.pk}
    assert "Defaults (as boss): governance.policies:" in out

    # Each mode's release train from its cadence, and its SLA profile from its place on the axis.
    from bimodal.changes.models import Release
    from bimodal.servicedesk.models import SlaDefinition

    trains = set(Release.objects.values_list("mode__key", "cadence").distinct())
    assert trains == {("town-planners", "quarterly"), ("settlers", "monthly")}  # pioneers: on demand
    assert set(SlaDefinition.objects.values_list("mode__key", flat=True)) == {
        "pioneers",
        "settlers",
        "town-planners",
    }

    written = Policy.objects.count(), Release.objects.count(), SlaDefinition.objects.count()
    out, _ = run("setup")  # idempotent: nothing more to write
    assert (Policy.objects.count(), Release.objects.count(), SlaDefinition.objects.count()) == written
    assert "governance.policies: 0 written" in out and "changes.release_trains: 0 written" in out
    assert "servicedesk.sla: 0 written" in out

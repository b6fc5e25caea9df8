"""`bimodal demo`: migrate, load and print the logins; serve unless --no-serve."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from bimodal.core.choices import NotificationKind
from bimodal.core.models import User
from bimodal.core.services import notify
from bimodal.demo.data import DEMO_LOGINS
from bimodal.portfolio.models import Service

pytestmark = pytest.mark.django_db


def test_demo_no_serve_loads_and_prints_the_logins(settings):
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert Service.objects.count() >= 40
    assert "http://127.0.0.1:8000/" in text
    assert f"“{settings.BIMODAL_DEMO_PASSWORD}”" in text
    for username, role, _hint in DEMO_LOGINS:
        assert username in text and role in text
    assert "Mode 1: " in text and "Mode 2: " in text

    again = io.StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "already loaded" in again.getvalue()


def test_demo_without_a_mail_server_writes_its_emails_to_files(settings, monkeypatch, tmp_path):
    """The default SMTP backend with no EMAIL_HOST would fail on every email: the demo writes them to
    EMAIL_FILE_PATH (<data dir>/outbox) instead, linking to the demo's address."""
    monkeypatch.delenv("EMAIL_HOST", raising=False)
    monkeypatch.delenv("BIMODAL_BASE_URL", raising=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    out = io.StringIO()
    call_command("demo", "--no-serve", "--addr", "127.0.0.1:8011", stdout=out)
    assert f"Emails are written to {tmp_path / 'outbox'}/" in out.getvalue()
    assert settings.BIMODAL_BASE_URL == "http://127.0.0.1:8011"
    rita = User.objects.get(username="rita")
    assert rita.email
    with mail.get_connection() as connection:
        assert type(connection).__module__ == "django.core.mail.backends.filebased"
    with TestCase.captureOnCommitCallbacks(execute=True):
        notify(recipients=[rita], kind=NotificationKind.TICKET_COMMENT, subject="Hello", url="/servicedesk/")
    sent = "".join(f.read_text() for f in (tmp_path / "outbox").iterdir())
    assert "Subject: Hello" in sent and "http://127.0.0.1:8011/servicedesk/" in sent


def test_demo_serves_with_runserver_on_the_given_address(monkeypatch):
    from bimodal.demo.management.commands import demo as demo_command

    calls = []
    real_call_command = demo_command.call_command

    def fake_call_command(name, *args, **kwargs):
        calls.append((name, args, kwargs))
        if name != "runserver":
            real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    out = io.StringIO()
    call_command("demo", "--addr", "0.0.0.0:9000", stdout=out)
    assert ("runserver", ("0.0.0.0:9000",), {"use_reloader": False}) in calls
    assert "http://127.0.0.1:9000/" in out.getvalue()


def test_demo_rejects_a_bad_address(db):
    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("demo", "--addr", "localhost:http", "--no-serve", stdout=io.StringIO())


def test_demo_loads_into_the_modes_of_another_preset():
    out = io.StringIO()
    call_command("demo", "--no-serve", "--preset", "trimodal", stdout=out)
    text = out.getvalue()
    assert "(trimodal modes)" in text
    assert "Town Planners: " in text and "Settlers: " in text and "Pioneers: " in text
    assert "Mode 1: " not in text  # the bimodal modes set up with the database hold no service
    for name in ("Pioneers", "Settlers", "Town Planners"):
        assert Service.objects.filter(mode__short_name=name).exists(), name
    assert Service.objects.get(slug="core-banking").mode.short_name == "Town Planners"


def test_demo_rejects_an_unknown_preset(db):
    with pytest.raises(CommandError, match="preset"):
        call_command("demo", "--no-serve", "--preset", "quadmodal", stdout=io.StringIO())

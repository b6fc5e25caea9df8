"""Security controls: sign-in lockout, throttles, hashed API tokens, CSP and the production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.test import APIClient

from bimodal.core import services
from bimodal.core.models import ApiToken

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[4]


def _sign_in(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_sign_in_locks_out_after_repeated_failures(client, make_user):
    make_user(username="victim", password="right-password-123")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        response = _sign_in(client, "victim", "wrong")
        assert response.status_code in (200, 429)  # the form again; the last one locks
    # From now on even the right password is refused, with the lockout page (429).
    response = _sign_in(client, "victim", "right-password-123")
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    make_user(username="other", password="other-password-123")
    assert _sign_in(client, "other", "other-password-123").status_code == 302


def test_lockout_ends_after_the_cool_off(client, make_user):
    make_user(username="victim", password="right-password-123")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _sign_in(client, "victim", "wrong")
        assert _sign_in(client, "victim", "right-password-123").status_code != 302
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert _sign_in(client, "victim", "right-password-123").status_code == 302


def test_wrong_tokens_are_throttled_per_address(make_user):
    user = make_user("requester", username="bot")
    _, key = services.api_token_create(user=user, actor=None)
    api = APIClient()
    for _ in range(settings.BIMODAL_AUTH_FAILURE_LIMIT):
        api.credentials(HTTP_AUTHORIZATION="Token bmt_deadbeef_guess")
        assert api.get("/api/users/me/").status_code == 401
    # Past the limit even the right key waits: guessing costs a minute per few tries.
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/users/me/")
    assert response.status_code == 429
    assert "Retry-After" in response


def test_pipeline_tokens_count_towards_the_same_limit():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer bmp_nothing_wrong")
    codes = [api.post("/api/gate/", {}, format="json").status_code for _ in range(12)]
    assert codes[: settings.BIMODAL_AUTH_FAILURE_LIMIT] == [401] * settings.BIMODAL_AUTH_FAILURE_LIMIT
    assert codes[-1] == 429


def test_token_calls_are_throttled_by_their_scope(make_user, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "3/min"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        user = make_user("requester", username="bot")
        _, key = services.api_token_create(user=user, actor=None)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert [api.get("/api/users/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    finally:
        settings.REST_FRAMEWORK = settings.REST_FRAMEWORK
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_tokens_expire_and_are_hashed(make_user):
    user = make_user("requester", username="bot")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token, key = services.api_token_create(user=user, actor=user, name="laptop")
        assert ApiToken.objects.filter(secret_hash__contains=key.split("_", 2)[2]).count() == 0
        assert token.expires_at == timezone.now() + timedelta(days=settings.BIMODAL_API_TOKEN_DAYS)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/users/me/").status_code == 200
        clock.shift(timedelta(days=settings.BIMODAL_API_TOKEN_DAYS, seconds=1))
        assert api.get("/api/users/me/").status_code == 401


def test_only_the_owner_or_an_administrator_manages_a_token(make_user):
    owner, stranger = make_user("requester"), make_user("requester")
    token, _ = services.api_token_create(user=owner, actor=owner)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=token, actor=stranger)
    with pytest.raises(PermissionDenied):
        services.api_token_create(user=owner, actor=stranger)
    assert services.api_token_revoke(token=token, actor=owner).revoked_at is not None


def test_pages_send_a_content_security_policy_without_inline_script(make_user, client_for):
    response = client_for(make_user("cab_member")).get("/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "<script>" not in html and 'type="text/javascript">' not in html


def test_templates_hold_no_inline_script_or_handlers():
    templates = (ROOT / "src" / "bimodal").rglob("*.html")
    offenders = []
    for path in templates:
        text = path.read_text()
        for needle in ("<script>", "onclick=", "onsubmit=", "onchange=", "javascript:"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


def test_sessions_end_after_the_idle_timeout(settings, make_user, client_for):
    from django.conf import settings as configured

    settings.SESSION_COOKIE_AGE = 30 * 60  # the production default (conftest lengthens it for other tests)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = client_for(make_user("cab_member"))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=25))
        assert client.get("/").status_code == 200  # activity renews the session
        clock.shift(timedelta(minutes=25))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert client.get("/").status_code == 302  # idle too long: back to sign-in
    assert configured.SESSION_COOKIE_AGE == 30 * 60
    assert configured.SESSION_SAVE_EVERY_REQUEST is False


def test_pages_write_the_session_at_most_once_a_minute(settings, make_user, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_COOKIE_AGE = 30 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = client_for(make_user("cab_member"))
        client.get("/")

        def session_writes() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            return sum(
                q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
                for q in queries.captured_queries
            )

        clock.shift(timedelta(seconds=30))
        assert session_writes() == 0
        clock.shift(timedelta(seconds=31))
        assert session_writes() == 1  # a minute since the last renewal
        assert session_writes() == 0


# The production settings of docs/operations.md ("Security"): `check --deploy` has nothing to say.
PRODUCTION_ENV = {
    "BIMODAL_PRODUCTION": "1",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "bimodal.example.com",
    "BIMODAL_HSTS_INCLUDE_SUBDOMAINS": "1",
    "BIMODAL_HSTS_PRELOAD": "1",
}


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never does.
    skip = ("BIMODAL_", "DEBUG", "SECURE_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(PRODUCTION_ENV, BIMODAL_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/check.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, "DJANGO_SETTINGS_MODULE": "bimodal.config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_trusts_the_proxy_header_only_when_configured(tmp_path):
    script = "from django.conf import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIMODAL_")}
    env.update(PRODUCTION_ENV, BIMODAL_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    env["DJANGO_SETTINGS_MODULE"] = "bimodal.config.settings"
    run = [sys.executable, "-c", f"import django; django.setup(); {script}"]
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "None"
    env["BIMODAL_PROXY_SSL_HEADER"] = "X-Forwarded-Proto"
    out = subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip()
    assert out == "('HTTP_X_FORWARDED_PROTO', 'https')"

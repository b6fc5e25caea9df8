"""Behind PgBouncer in transaction mode (docs/deployment.md) a session's prepared statements do not
survive its transaction: with `BIMODAL_PGBOUNCER=1` the gate prepares nothing on PostgreSQL, and the
settings turn off psycopg's own preparation and Django's server-side cursors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from bimodal.changes import services

ROOT = Path(__file__).resolve().parents[4]
GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only (runs in the PostgreSQL test run): SQLite has no prepared statements",
)


def _prepared_on_this_connection() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def _gate_call(client, estate, key: str) -> None:
    _, secret = services.pipeline_token_create(actor=estate.admin, name=f"ci {key}", services=[estate.app])
    body = {"service": "mobile-app", "version": "1.2.3", "idempotency_key": key, "evidence": GOOD}
    response = client.post(
        "/api/gate/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "allow"


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared", [True, False])
def test_the_gate_prepares_statements_only_when_allowed(client, estate, prepared):
    connection.close()  # a fresh session: nothing prepared on it yet
    with override_settings(BIMODAL_PREPARED_STATEMENTS=prepared):
        _gate_call(client, estate, f"run-{prepared}")
        count = _prepared_on_this_connection()
    if prepared:
        assert count > 0, "the gate's hot queries run as prepared statements"
    else:
        assert count == 0, "behind PgBouncer nothing may be prepared on the session"


def _settings_with(**env: str) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(s.BIMODAL_PREPARED_STATEMENTS, d.get('DISABLE_SERVER_SIDE_CURSORS', False),"
        " 'prepare_threshold' in d.get('OPTIONS', {}) and d['OPTIONS']['prepare_threshold'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BIMODAL_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "PYTHONPATH": str(ROOT / "src"),
            "DJANGO_SETTINGS_MODULE": "bimodal.config.settings",
            "DATABASE_URL": "postgres://bimodal@127.0.0.1:5432/bimodal",  # parsed only, never reached
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True False False"),
        ({"BIMODAL_PGBOUNCER": "1"}, "False True None"),
        ({"BIMODAL_PREPARED_STATEMENTS": "0"}, "False True None"),
        # PgBouncer 1.21+ keeps protocol-level prepared statements (max_prepared_statements), not cursors.
        ({"BIMODAL_PGBOUNCER": "1", "BIMODAL_PREPARED_STATEMENTS": "1"}, "True True False"),
    ],
)
def test_the_pgbouncer_switch_turns_off_preparation_and_server_side_cursors(env, expected):
    assert _settings_with(**env) == expected

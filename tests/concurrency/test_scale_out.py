"""Scale-out, proven on real processes (docs/deployment.md): two web servers (gunicorn with the command line of
`bimodal serve`) and two `bimodal worker` processes against one PostgreSQL database — the test database.

- Periodic tasks run once per period: the SLA check's period is 2 s here (`BIMODAL_SLA_CHECK_SECONDS`).
  It starts with two runs waiting (two chains, as two workers racing at start used to leave); both
  workers take one at once, the chains merge, and from then on runs start at least a period apart, and
  each periodic task has exactly one run waiting.
- An escalation due once fires once: a ticket whose SLA breached long ago is escalated once, though
  two checks run at the same moment on the two workers and more run after them.
- The gate's decisions stay consistent under load on both web servers: calls with one idempotency key
  sent to both at once get one decision; distinct calls get distinct change numbers without gaps.

The workers and servers run on the real clock (they are other processes), and so does this test (the
`real_clock` fixture pauses `--today` for it); the data is placed relative to now, so the test holds on
any day."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bimodal.changes import services as changes
from bimodal.changes.models import Change, GateRequest
from bimodal.core.management.commands.serve import gunicorn_argv
from bimodal.core.management.commands.worker import PERIODIC
from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.governance.defaults import apply_default_policies
from bimodal.portfolio.tests.factories import ServiceFactory, mode
from bimodal.servicedesk import services as desk
from bimodal.servicedesk.models import SlaEscalation
from bimodal.servicedesk.tasks import sla_check_task
from bimodal.servicedesk.tests.factories import SlaDefinitionFactory
from tests.concurrency.conftest import postgresql_only

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

ROOT = Path(__file__).resolve().parents[2]
PERIOD = 2  # seconds between two SLA checks
SLA_CHECK = "bimodal.servicedesk.tasks.sla_check_task"
GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}


def _database_url() -> str:
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIMODAL_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=_database_url(),
        BIMODAL_DATA_DIR=str(tmp_path),
        BIMODAL_SLA_CHECK_SECONDS=str(PERIOD),
        BIMODAL_THROTTLE_PIPELINE="100000/s",
        DJANGO_SETTINGS_MODULE="bimodal.config.settings",
        PYTHONPATH=str(ROOT / "src"),
        DEBUG="0",
        LOG_LEVEL="WARNING",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/gate/")
        conn.getresponse().read()
        return True
    except OSError:
        return False


def _gate(port: int, secret: str, key: str, version: str) -> tuple[int, dict]:
    body = {"service": "scale-app", "version": version, "idempotency_key": key, "evidence": GOOD}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
        conn.request("POST", "/api/gate/", json.dumps(body), headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _wait(what: str, condition, processes: list[subprocess.Popen], timeout: float = 90) -> None:
    until = time.monotonic() + timeout
    while not condition():
        for proc in processes:
            assert proc.poll() is None, f"{proc.args[:3]} exited with {proc.returncode}"
        assert time.monotonic() < until, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_two_web_servers_and_two_workers_share_one_database(tmp_path, real_clock):
    admin = UserFactory(username="scale-admin", is_superuser=True)
    apply_default_policies(actor=admin)
    team = TeamFactory(slug="scale", name="Scale")
    app = ServiceFactory(slug="scale-app", mode=mode("mode-2"), owner_team=team, criticality=1)
    _, secret = changes.pipeline_token_create(actor=admin, name="scale ci", services=[app])
    # A ticket whose 1-hour SLA ran out weeks ago (whatever the day): the first check escalates it.
    desk_team = TeamFactory(slug="scale-desk", name="Desk")
    SlaDefinitionFactory(target_seconds=3600, warning_thresholds=[], escalation_team=desk_team)
    agent = UserFactory(username="scale-agent", roles=["service_desk_agent"])
    desk_team.members.add(agent)
    desk.ticket_create(
        actor=agent,
        ticket_type="incident",
        title="Down since",
        service=ServiceFactory(mode=mode("mode-1"), lifecycle="live"),
        opened_at=timezone.now() - timedelta(days=30),
        impact=2,
        urgency=2,
    )
    # Two runs of the SLA check already waiting, as two workers racing at start once left them: both
    # run at once (the escalation is raised by one of them), then the two chains merge into one.
    sla_check_task.enqueue(True)
    sla_check_task.enqueue(True)
    connection.close()  # the processes below see committed data only

    env = _env(tmp_path)
    ports = [_free_port(), _free_port()]
    logs = open(tmp_path / "processes.log", "w")  # noqa: SIM115 - closed in the finally block
    processes: list[subprocess.Popen] = []
    try:
        for port in ports:
            argv = gunicorn_argv(bind=f"127.0.0.1:{port}", workers=1, access_log=False)
            processes.append(subprocess.Popen(argv, env=env, cwd=ROOT, stdout=logs, stderr=logs))
        for n in (1, 2):
            worker = [sys.executable, "-m", "bimodal", "worker", "--interval", "0.2", "--worker-id", f"w{n}"]
            processes.append(subprocess.Popen(worker, env=env, cwd=ROOT, stdout=logs, stderr=logs))
        _wait("both web servers", lambda: all(_answers(p) for p in ports), processes)

        # One idempotency key, 16 calls at once, split across both servers: one decision.
        with ThreadPoolExecutor(16) as pool:
            same = list(pool.map(lambda i: _gate(ports[i % 2], secret, "same-key", "1.0.0"), range(16)))
        assert {status for status, _ in same} <= {200, 201}, same
        assert sorted(status for status, _ in same).count(201) == 1, "one call decided, the others replayed"
        assert len({(body["outcome"], body["decided_at"]) for _, body in same}) == 1
        assert GateRequest.objects.filter(idempotency_key="same-key").count() == 1
        first_new = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        # 40 distinct calls at once across both servers: each allowed, each its own change, numbered
        # without duplicates or gaps.
        with ThreadPoolExecutor(16) as pool:
            distinct = list(
                pool.map(lambda i: _gate(ports[i % 2], secret, f"key-{i}", f"2.{i}.0"), range(40))
            )
        assert [status for status, _ in distinct] == [201] * 40, distinct
        assert {body["outcome"] for _, body in distinct} == {"allow"}
        numbers = sorted(Change.objects.filter(pk__gt=first_new).values_list("pk", flat=True))
        assert numbers == list(range(numbers[0], numbers[0] + 40)), numbers
        references = Change.objects.filter(pk__gt=first_new).values_list("reference", flat=True)
        assert len(set(references)) == 40

        # Both workers poll for PERIOD × 4 more seconds after the first SLA check.
        checks = DBTaskResult.objects.filter(task_path=SLA_CHECK, status="SUCCESSFUL")
        _wait("the first SLA check", checks.exists, processes)
        time.sleep(PERIOD * 4 + 1)
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        logs.close()

    # Periodic work: one chain per task — after the two runs left waiting, runs at least a period
    # apart; one run of each periodic task waiting.
    starts = list(checks.order_by("started_at").values_list("started_at", flat=True))
    assert len(starts) >= 4, starts
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts[1:])]
    assert min(gaps) >= PERIOD * 0.95, f"two SLA checks within one period: {gaps}"
    waiting = Counter(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))
    assert set(waiting.values()) == {1}, f"a periodic task waits more than once: {waiting}"
    assert len(waiting) >= len(PERIODIC) - 1, waiting  # all but the mailbox read (no IMAP host here)

    # The escalation due once fired once, whichever worker ran the check.
    assert SlaEscalation.objects.count() == 1
    assert AuditEntry.objects.filter(verb="sla_escalate").count() == 1

"""The worker: one command for queued and periodic work; a task killed with SIGKILL is run again, once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated SQLite database file, made once (migrating is the slow part)."""
    where = tmp_path_factory.mktemp("template")
    subprocess.run(
        [sys.executable, "-m", "bimodal", "migrate", "-v", "0"], env=_env(where), check=True, timeout=900
    )
    return where / "worker.sqlite3"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIMODAL_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/worker.sqlite3",
        BIMODAL_DATA_DIR=str(tmp_path),
        BIMODAL_TASK_LEASE_SECONDS="3",
        PYTHONPATH=str(ROOT / "src"),
        DJANGO_SETTINGS_MODULE="bimodal.config.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def _python(env: dict[str, str], code: str) -> str:
    script = f"import django; django.setup()\n{code}"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_task_killed_mid_run_is_recovered_and_takes_effect_once(tmp_path, migrated):
    env = _env(tmp_path)
    shutil.copy(migrated, tmp_path / "worker.sqlite3")
    bimodal = [sys.executable, "-m", "bimodal"]
    flag = tmp_path / "started"
    _python(
        env,
        f"from bimodal.core.tests.worker_tasks import mark_once; mark_once.enqueue('once', {str(flag)!r})",
    )

    worker = subprocess.Popen([*bimodal, "worker", "--no-periodic", "--interval", "0.2"], env=env)
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert time.monotonic() < deadline, "the worker never started the task"
            assert worker.poll() is None, "the worker died"
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    status = "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get().status)"
    assert _python(env, status) == "RUNNING", "killed mid-run: the task is left RUNNING"

    time.sleep(3.5)  # the dead worker's lease runs out
    # `db_worker` is the same command: it recovers the task, runs it, and (batch) exits.
    subprocess.run([*bimodal, "db_worker", "--batch", "--no-periodic"], env=env, check=True, timeout=300)
    assert _python(env, status) == "SUCCESSFUL"
    count = "from bimodal.core.models import OrgUnit; print(OrgUnit.objects.filter(slug='once').count())"
    assert _python(env, count) == "1", "the killed run left nothing; the second run took effect once"


def test_the_worker_schedules_the_periodic_tasks(tmp_path, migrated):
    env = _env(tmp_path)
    shutil.copy(migrated, tmp_path / "worker.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "bimodal", "db_worker", "--max-tasks", "1"], env=env, check=True, timeout=300
    )
    paths = _python(
        env,
        "from django_tasks_db.models import DBTaskResult; "
        "print(sorted(set(DBTaskResult.objects.values_list('task_path', flat=True))))",
    )
    assert "sla" in paths.lower() or "check" in paths.lower(), paths

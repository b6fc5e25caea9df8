"""Every `bimodal` command the documentation names runs through the installed console script — the way
a reader types it, hyphens and all — rather than through `call_command`, which skips `bimodal`'s own
argument handling (a documented `bimodal insights-backfill` was once refused as an unknown command)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A command in a code span or block: `bimodal <name>` or `.venv/bin/bimodal <name>`, not a path or a
# database name ending in "bimodal" (postgres://…/bimodal make test).
COMMAND = re.compile(r"(?<![\w/.-])(?:\.venv/bin/)?bimodal ([a-z][a-z0-9_-]*)")
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)


def documented_commands() -> dict[str, str]:
    """Command name → the first document naming it."""
    found: dict[str, str] = {}
    for doc in sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]):
        for code in CODE.findall(doc.read_text()):
            for name in COMMAND.findall(code):
                found.setdefault(name, str(doc.relative_to(ROOT)))
    return found


def test_the_documentation_names_the_commands_it_should():
    names = documented_commands()
    # A sample the documentation must keep naming (the finder itself must be able to fail).
    assert {"demo", "setup", "worker", "insights-backfill", "import-deployments", "backup"} <= set(names)
    assert "make" not in names  # `postgres://…/bimodal make test` is not a command


def test_every_documented_command_runs_through_the_console_script(tmp_path):
    script = Path(sys.executable).with_name("bimodal")
    assert script.exists(), f"the console script {script} is not installed (pip install -e .)"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BIMODAL_DATA_DIR": str(tmp_path),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(name: str) -> tuple[str, int, str]:
        done = subprocess.run(
            [str(script), name, "--help"], capture_output=True, text=True, env=env, timeout=120, check=False
        )
        return name, done.returncode, done.stdout + done.stderr

    commands = documented_commands()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, sorted(commands)))
    refused = {name: f"{commands[name]}: {out.strip()[-300:]}" for name, rc, out in results if rc != 0}
    assert not refused
    for name, _rc, out in results:
        assert "usage:" in out, f"bimodal {name} --help printed no usage:\n{out[-300:]}"


@pytest.mark.parametrize("typed", ["insights-backfill", "insights_backfill"])
def test_a_hyphenated_command_and_its_module_name_both_run(typed, tmp_path):
    script = Path(sys.executable).with_name("bimodal")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = subprocess.run(
        [str(script), typed, "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--rebuild" in done.stdout

"""`bimodal serve`: collect static files, then replace this process with gunicorn (production server)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def default_workers() -> int:
    """WEB_CONCURRENCY when set, else 2 × CPUs + 1 (at most 8)."""
    if os.environ.get("WEB_CONCURRENCY", "").isdigit():
        return int(os.environ["WEB_CONCURRENCY"])
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_path() -> str:
    """The gunicorn of this virtualenv (next to the Python running us), else the one on PATH."""
    local = Path(sys.executable).parent / "gunicorn"
    if local.exists():
        return str(local)
    found = shutil.which("gunicorn")
    if found is None:
        raise CommandError("gunicorn is not installed in this environment.")
    return found


def gunicorn_argv(
    *,
    bind: str,
    workers: int,
    timeout: int = 60,
    access_log: bool = True,
    app: str = "bimodal.config.wsgi:application",
) -> list[str]:
    """The gunicorn command line of `bimodal serve` (the load test runs the same, with its own app)."""
    argv = [gunicorn_path(), app, "--bind", bind, "--workers", str(workers), "--timeout", str(timeout)]
    if access_log:
        argv += ["--access-logfile", "-"]
    return argv


class Command(BaseCommand):
    help = "Run the production web server: collectstatic, then gunicorn bimodal.config.wsgi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default="0.0.0.0:8000", help="address to listen on (default 0.0.0.0:8000)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default WEB_CONCURRENCY or 2 × CPUs + 1, at most 8)",
        )
        parser.add_argument("--timeout", type=int, default=60, help="worker timeout in seconds (default 60)")
        parser.add_argument(
            "--no-access-log",
            action="store_true",
            help="no access log line per request on stdout (a proxy in front usually logs them)",
        )

    def handle(
        self, *args: Any, bind: str, workers: int | None, timeout: int, no_access_log: bool, **options: Any
    ) -> None:
        workers = workers or default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        self.stdout.write("Collecting static files …")
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(bind=bind, workers=workers, timeout=timeout, access_log=not no_access_log)
        self.stdout.write(f"Starting gunicorn on {bind} with {workers} worker(s).")
        self.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
        os.execvp(argv[0], argv)

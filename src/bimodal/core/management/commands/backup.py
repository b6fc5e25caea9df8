"""`bimodal backup FILE`: a consistent copy of the whole database (pg_dump, or SQLite's backup API)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bimodal.core import audit
from bimodal.core import backup as db_backup


class Command(BaseCommand):
    help = "Back up the whole database to FILE (PostgreSQL: pg_dump custom format; SQLite: a database file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        if file.exists() and not force:
            raise CommandError(f"{file} exists; --force to overwrite it.")
        if file.exists():
            file.unlink()
        try:
            db_backup.backup(file)
        except (subprocess.CalledProcessError, OSError) as exc:
            raise CommandError(f"Backup failed: {getattr(exc, 'stderr', '') or exc}") from exc
        point = audit.checkpoint()
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up to {file} ({file.stat().st_size} bytes); audit log up to #{point['head_seq']}."
            )
        )

"""`bimodal restore FILE --yes`: replace the database with a backup, then verify the audit chain."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bimodal.core import backup as db_backup


class Command(BaseCommand):
    help = "Restore the whole database from a `bimodal backup` FILE (replaces everything), then verify the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="confirm: the current contents are replaced")
        parser.add_argument(
            "--checkpoint", type=Path, help="verify the audit log against this checkpoint too"
        )

    def handle(self, *args: Any, file: Path, yes: bool, **options: Any) -> None:
        if not yes:
            raise CommandError("Restoring replaces every table of the database: add --yes to go ahead.")
        try:
            db_backup.restore(file)
        except FileNotFoundError as exc:
            raise CommandError(f"No backup file {file}.") from exc
        except (subprocess.CalledProcessError, OSError) as exc:
            raise CommandError(f"Restore failed: {getattr(exc, 'stderr', '') or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Restored from {file}."))
        verify = ["audit", "verify"]
        if options.get("checkpoint"):
            verify += ["--checkpoint", str(options["checkpoint"])]
        call_command(*verify, stdout=self.stdout, stderr=self.stderr)

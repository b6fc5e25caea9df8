"""`bimodal import-deployments FILE [--format csv|json] [--user USERNAME] [--dry-run]`: load deployment history."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bimodal.changes.choices import DeploymentSource
from bimodal.core.management.files import read_text
from bimodal.core.models import User
from bimodal.integrations.importing import deployments_load, read_rows


class Command(BaseCommand):
    help = (
        "Load deployment history (with commits) from CSV or JSON. All rows or none: with any error nothing is "
        "written and each error names its line and field. Idempotent on external_id."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE", help="CSV or JSON file ('-' for standard input)")
        parser.add_argument("--format", choices=["csv", "json"], help="default: from the file's extension")
        parser.add_argument(
            "--user", help="username the load is made (and audited) as; default: the system, all services"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")

    def handle(
        self, *args, file: str, format: str | None, user: str | None, dry_run: bool, **options
    ) -> None:
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user “{user}”.")
        fmt = format or (
            "json" if file.lower().endswith(".json") else "csv" if file.lower().endswith(".csv") else ""
        )
        if not fmt:
            raise CommandError(
                "Cannot tell the format from the file name: pass --format csv or --format json."
            )
        text = read_text(file, stdin=True)
        try:
            rows, number = read_rows(text, fmt)
        except (ValueError, ValidationError) as exc:
            raise CommandError(f"{file} is not a valid {fmt.upper()} deployment list: {exc}") from exc
        # tqdm writes carriage returns; it needs the raw stream, not Django's line-ending wrapper.
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(total=len(rows), desc="Importing", unit="row", file=stream, leave=False) as bar:
            try:
                result = deployments_load(
                    actor=actor,
                    rows=rows,
                    source=DeploymentSource.IMPORT,
                    dry_run=dry_run,
                    number=number,
                    progress=bar.update,
                )
            except PermissionDenied as exc:
                raise CommandError(f"{user}: {exc}") from exc
        label = "line" if fmt == "csv" else "item"
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{label} {error}")
            raise CommandError(f"{len(result.errors)} error(s) in {file}; nothing was imported.")
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {result.rows} row(s) are valid.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {file}: {result.created} created, {result.updated} updated.")
            )

"""`bimodal import-services FILE.csv --user USERNAME [--dry-run]`: import the service catalogue from CSV."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bimodal.core.management.files import read_text
from bimodal.core.models import User
from bimodal.portfolio.csvio import import_services, read_rows


class Command(BaseCommand):
    help = (
        "Create or update services from a CSV file (the format `export-services` writes). All rows or none: "
        "with any error nothing is written and each error names its line and column."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="CSV file to import ('-' for standard input)")
        parser.add_argument("--user", required=True, help="username the import is made (and audited) as")
        parser.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options) -> None:
        actor = User.objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"No user “{user}”: pass --user with the username of an existing account.")
        if not actor.is_active:
            raise CommandError(f"User “{user}” is inactive.")
        if not actor.has_perm("portfolio.import_services"):
            raise CommandError(f"User “{user}” does not have permission to import services.")
        text = read_text(file, stdin=True)
        rows, _ = read_rows(text)
        # tqdm writes carriage returns; it needs the raw stream, not Django's line-ending wrapper.
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(total=len(rows), desc="Importing", unit="row", file=stream, leave=False) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            try:
                result = import_services(actor=actor, text=text, dry_run=dry_run, progress=progress)
            except PermissionDenied as exc:
                raise CommandError(f"{user}: {exc}") from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s) in {file}; nothing was imported.")
        summary = (
            f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged, "
            f"{result.dependencies_added} dependencies added"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written — the import would give: {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary}."))

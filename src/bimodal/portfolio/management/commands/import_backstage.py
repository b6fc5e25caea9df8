"""`bimodal import-backstage FILE… --user USERNAME`: import Backstage catalog-info.yaml files."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from bimodal.core.management.files import read_text
from bimodal.core.models import User
from bimodal.portfolio.backstage import import_backstage
from bimodal.portfolio.models import Mode


class Command(BaseCommand):
    help = (
        "Import Backstage catalog-info.yaml files: Groups become teams or org units, Components services, "
        "spec.dependsOn dependencies. All files or nothing; re-importing changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="catalog-info.yaml files")
        parser.add_argument("--user", required=True, help="username the import is made (and audited) as")
        parser.add_argument(
            "--default-mode", help="mode key for components without the bimodal.io/mode annotation"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")

    def handle(self, *args, files: list[str], user: str, default_mode: str | None, dry_run: bool, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(
                f"No active user “{user}”: pass --user with the username of an existing account."
            )
        mode = None
        if default_mode:
            mode = Mode.objects.filter(key=default_mode).first()
            if mode is None:
                keys = ", ".join(Mode.objects.values_list("key", flat=True))
                raise CommandError(f"No mode “{default_mode}”; the modes are {keys}.")
        sources = []
        for name in files:
            sources.append((name, read_text(name)))
        try:
            result = import_backstage(actor=actor, sources=sources, default_mode=mode, dry_run=dry_run)
        except PermissionDenied as exc:
            raise CommandError(f"{user}: {exc}") from exc
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported.")
        kinds = sorted(set(result.created) | set(result.updated) | set(result.unchanged))
        summary = "; ".join(
            f"{kind}: {result.created[kind]} created, {result.updated[kind]} updated, "
            f"{result.unchanged[kind]} unchanged"
            for kind in kinds
        )
        if result.skipped:
            summary += f"; skipped {len(result.skipped)} (other kinds or resource dependencies)"
        prefix = "Dry run, nothing written — the import would give: " if dry_run else "Imported: "
        self.stdout.write(prefix + (summary or "nothing to import") + ".")

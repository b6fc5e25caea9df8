"""`bimodal detect-drift [--dry-run] [--user USERNAME]`: open reclassification proposals for drifted services."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bimodal.core.models import User
from bimodal.portfolio.services import drift_detect


class Command(BaseCommand):
    help = (
        "Compare each live service's mode with what its latest assessment (or, without one, its attributes) "
        "recommends and open a reclassification proposal with the evidence for each that has drifted."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report, open no proposals")
        parser.add_argument("--user", help="run as this user (default: the system)")

    def handle(self, *args, dry_run: bool, user: str | None, **options) -> None:
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user “{user}”.")
        findings = drift_detect(actor=actor, dry_run=dry_run)
        for f in findings:
            state = "proposal opened" if f["proposal"] else ("dry run" if dry_run else "already proposed")
            self.stdout.write(
                f"{f['service'].slug}: {f['service'].mode.short_name} → {f['to_mode'].short_name} "
                f"(confidence {f['evidence']['confidence']:.2f}, from {f['evidence']['source']}) — {state}"
            )
        opened = sum(1 for f in findings if f["proposal"])
        self.stdout.write(
            self.style.SUCCESS(f"{len(findings)} drifted service(s); {opened} proposal(s) opened.")
        )

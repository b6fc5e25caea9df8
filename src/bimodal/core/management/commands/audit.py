"""`bimodal audit verify [--checkpoint FILE]` checks the audit hash chain (and against a stored checkpoint);
`bimodal audit checkpoint` prints a signed checkpoint to keep outside the database; `tail` the latest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Work with the audit log: `verify` the hash chain (exit 1 on tampering) or `tail` the latest entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,checkpoint,tail}")
        verify = sub.add_parser(
            "verify", help="Recompute the hash chain; exit with status 1 if anything is wrong."
        )
        verify.add_argument(
            "--checkpoint",
            type=Path,
            help="also check against a checkpoint file (from `audit checkpoint`): truncation, rewriting",
        )
        sub.add_parser(
            "checkpoint", help="Print a signed checkpoint (JSON) of the chain's end, for an external store."
        )
        tail = sub.add_parser("tail", help="Print the most recent entries, oldest first.")
        tail.add_argument("-n", "--lines", type=int, default=20, help="how many entries (default 20)")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self._verify(options.get("checkpoint"))
        elif subcommand == "checkpoint":
            self.stdout.write(json.dumps(audit.checkpoint(), sort_keys=True))
        else:
            self._tail(options["lines"])

    def _verify(self, checkpoint_file: Path | None) -> None:
        checked, problems = audit.verify()
        if checkpoint_file is not None:
            try:
                point = json.loads(checkpoint_file.read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the checkpoint {checkpoint_file}: {exc}") from exc
            problems += audit.verify_checkpoint(point if isinstance(point, dict) else {})
        if not problems:
            self.stdout.write(
                self.style.SUCCESS(f"{checked} audit entries checked: OK, the chain is intact.")
            )
            return
        for problem in problems:
            self.stderr.write(f"#{problem.seq}: {problem.message}")
        raise CommandError(
            f"{checked} audit entries checked: {len(problems)} problem(s); the audit log has been tampered with."
        )

    def _tail(self, count: int) -> None:
        if count < 1:
            raise CommandError("-n must be at least 1.")
        entries = list(AuditEntry.objects.select_related("content_type").order_by("-seq")[:count])
        if not entries:
            self.stdout.write("The audit log is empty.")
            return
        for entry in reversed(entries):
            when = timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S")
            what = entry.verb or entry.action
            line = (
                f"#{entry.seq:<6} {when}  {entry.actor_label or 'system':<12} {what:<22} "
                f"{entry.content_type.model} {entry.object_id} “{entry.object_repr}”"
            )
            if entry.reason:
                line += f" — {entry.reason}"
            self.stdout.write(line)

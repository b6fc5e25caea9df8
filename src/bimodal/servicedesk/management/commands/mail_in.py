"""`bimodal mail-in --imap | --maildir PATH | --mbox PATH`: email to the desk becomes tickets and comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bimodal.servicedesk.mailboxes import MailboxError, Summary, read_imap, read_maildir, read_mbox


class Command(BaseCommand):
    """Read the desk's mailbox once (from cron, or from a local MTA's delivery) and print a summary."""

    help = (
        "Turn email to the desk into tickets and comments: the IMAP mailbox of the BIMODAL_IMAP_* settings, "
        "a maildir's new messages, or an mbox file. Prints one summary line; exits 1 if the mailbox "
        "cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--imap", action="store_true", help="read the unseen messages of the IMAP folder")
        source.add_argument("--maildir", type=Path, metavar="PATH", help="read the new messages of a maildir")
        source.add_argument("--mbox", type=Path, metavar="PATH", help="read every message of an mbox file")
        parser.add_argument("--ssl", action="store_true", help="IMAP over TLS (also BIMODAL_IMAP_SSL=1)")
        parser.add_argument("--host", default="", help="IMAP host (default BIMODAL_IMAP_HOST)")
        parser.add_argument("--port", type=int, default=0, help="IMAP port (default BIMODAL_IMAP_PORT)")
        parser.add_argument("--folder", default="", help="IMAP folder (default BIMODAL_IMAP_FOLDER)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = self._read(options)
        except (MailboxError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from None
        for line in summary.details():
            self.stdout.write(line)
        self.stdout.write(summary.line())

    def _read(self, options: dict[str, Any]) -> Summary:
        if options["maildir"] is not None:
            return read_maildir(options["maildir"])
        if options["mbox"] is not None:
            return read_mbox(options["mbox"])
        host = options["host"] or settings.BIMODAL_IMAP_HOST
        if not host:
            raise CommandError("Set BIMODAL_IMAP_HOST (or --host) to read an IMAP mailbox.")
        return read_imap(
            host=host,
            port=options["port"] or settings.BIMODAL_IMAP_PORT,
            user=settings.BIMODAL_IMAP_USER,
            password=settings.BIMODAL_IMAP_PASSWORD,
            folder=options["folder"] or settings.BIMODAL_IMAP_FOLDER,
            ssl=options["ssl"] or settings.BIMODAL_IMAP_SSL,
        )

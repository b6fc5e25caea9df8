"""Where the desk's email comes from: an IMAP mailbox, a maildir or an mbox file. Each reader hands every
new message to `mail_receive` (one transaction each: a bad message never stops the rest) and marks what
it read, so that the next run reads only what came since."""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bimodal.servicedesk.choices import MailOutcome
from bimodal.servicedesk.services.mail_in import MailResult, mail_receive


class MailboxError(Exception):
    """The mailbox cannot be reached or read (connection refused, wrong password, no such folder …)."""


@dataclass
class Summary:
    """What one run did with the messages it read."""

    results: list[MailResult] = field(default_factory=list)

    def line(self) -> str:
        """One line for the operator: "3 messages: 1 ticket created, 1 comment added, 1 ignored …"."""
        counts = Counter("duplicate" if r.duplicate else r.mail.outcome for r in self.results)
        parts = [
            f"{counts[MailOutcome.TICKET_CREATED]} ticket(s) created",
            f"{counts[MailOutcome.COMMENT_ADDED]} comment(s) added",
            f"{counts[MailOutcome.IGNORED]} ignored",
            f"{counts[MailOutcome.REJECTED]} rejected",
            f"{counts['duplicate']} already received",
        ]
        return f"{len(self.results)} message(s): {', '.join(parts)}"

    def details(self) -> Iterable[str]:
        """One line per message ignored or rejected, with the reason."""
        for result in self.results:
            mail = result.mail
            if not result.duplicate and mail.outcome in (MailOutcome.IGNORED, MailOutcome.REJECTED):
                yield f"{mail.outcome}: {mail.message_id} from {mail.sender or '?'}: {mail.reason}"


def read_imap(
    *, host: str, port: int, user: str, password: str, folder: str = "INBOX", ssl: bool = False
) -> Summary:
    """Take the folder's unseen messages; each taken is marked \\Seen, each rejected also \\Flagged so
    that a person looks at it (it is not read again)."""
    summary = Summary()
    try:
        client: imaplib.IMAP4 = (
            imaplib.IMAP4_SSL(host, port or 993, timeout=30)
            if ssl
            else imaplib.IMAP4(host, port or 143, timeout=30)
        )
    except OSError as exc:
        raise MailboxError(f"cannot connect to {host}:{port or (993 if ssl else 143)}: {exc}") from None
    try:
        client.login(user, password)
        status, _ = client.select(_quoted(folder))
        if status != "OK":
            raise MailboxError(f"no folder {folder!r} on {host}")
        _, data = client.uid("SEARCH", "UNSEEN")
        for uid in (data[0] or b"").decode().split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
            result = mail_receive(raw=raw, source="imap")
            summary.results.append(result)
            flags = r"(\Seen \Flagged)" if result.mail.outcome == MailOutcome.REJECTED else r"(\Seen)"
            client.uid("STORE", uid, "+FLAGS", flags)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailboxError(f"IMAP {host}: {exc}") from None
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return summary


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_maildir(path: Path) -> Summary:
    """Take the messages in the maildir's new/ and move each to cur/, marked seen (S)."""
    if not (path / "new").is_dir():
        raise MailboxError(f"{path} is not a maildir (no new/ folder)")
    box = mailbox.Maildir(path, factory=None, create=False)
    summary = Summary()
    for key in sorted(box.iterkeys()):
        message = box.get_message(key)
        if message.get_subdir() != "new":
            continue
        summary.results.append(mail_receive(raw=box.get_bytes(key), source="maildir"))
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
    return summary


def read_mbox(path: Path) -> Summary:
    """Take every message of an mbox file; those received before (same Message-ID) are not taken again."""
    if not path.is_file():
        raise MailboxError(f"no mbox file {path}")
    box = mailbox.mbox(path, create=False)
    try:
        return Summary([mail_receive(raw=box.get_bytes(key), source="mbox") for key in box.iterkeys()])
    finally:
        box.close()

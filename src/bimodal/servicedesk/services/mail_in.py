"""Email to the desk: a message becomes a ticket, or a comment on the ticket it answers; auto-replies and
loops are ignored, and every message is recorded once (by Message-ID) with what became of it."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from typing import Final, NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone

from bimodal.core.models import User
from bimodal.core.roles import Role
from bimodal.core.services import LOOP_HEADER, create_audited, write
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import MailOutcome, TicketType
from bimodal.servicedesk.models import InboundMail, Ticket
from bimodal.servicedesk.services.tickets import ticket_attach, ticket_comment, ticket_create

log = logging.getLogger(__name__)

UNKNOWN_SENDER_POLICIES: Final = ("ignore", "create")
_REFERENCE = re.compile(r"\b([A-Z]{3}\d{6,})\b")
_SUBJECT_REFERENCE = re.compile(r"\[([A-Z]{3}\d{6,})\]")
_QUOTE_HEADER = re.compile(r"^(On\s.+wrote:|-{2,}\s*Original Message\s*-{2,})\s*$", re.IGNORECASE)
_BOUNCE_SENDERS: Final = {"mailer-daemon", "postmaster"}
_BULK_PRECEDENCE: Final = {"bulk", "junk", "list"}


class Rejected(Exception):
    """A message the desk cannot take, with the reason recorded for it."""


class MailResult(NamedTuple):
    """What became of one message: its record, and whether it had been received before."""

    mail: InboundMail
    duplicate: bool


def _unknown_sender_policy() -> str:
    value = settings.BIMODAL_MAIL_UNKNOWN_SENDERS
    if value not in UNKNOWN_SENDER_POLICIES:
        raise ImproperlyConfigured(
            f"BIMODAL_MAIL_UNKNOWN_SENDERS must be one of {', '.join(UNKNOWN_SENDER_POLICIES)}, not {value!r}."
        )
    return value


def _desk() -> tuple[str, str]:
    local, _, domain = settings.BIMODAL_DESK_ADDRESS.lower().partition("@")
    return local, domain


def _digest_id(raw: bytes) -> str:
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@bimodal.invalid>"


def _message_id(msg: Message, raw: bytes) -> str:
    """The message's Message-ID; a message without one is known by a digest of its bytes."""
    value = str(msg.get("Message-ID", "") or "").strip() or _digest_id(raw)
    return value.replace("\x00", "")[:255]  # a NUL cannot be stored (PostgreSQL refuses it in text)


def ignore_reason(msg: Message, sender: str) -> str:
    """Why a message is an auto-reply, a bounce or a loop that must get no answer (RFC 3834), or ""."""
    desk_local, desk_domain = _desk()
    local, _, domain = sender.partition("@")
    if msg.get(LOOP_HEADER) is not None:
        return f"loop: one of the desk's own emails ({LOOP_HEADER})"
    if domain == desk_domain and (local == desk_local or local.startswith(f"{desk_local}+")):
        return "loop: from the desk's own address"
    auto = str(msg.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"auto-reply (Auto-Submitted: {auto})"
    precedence = str(msg.get("Precedence", "") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"auto-reply (Precedence: {precedence})"
    if msg.get("X-Auto-Response-Suppress") is not None:
        return "auto-reply (X-Auto-Response-Suppress)"
    if msg.get("List-Id") is not None:
        return "mailing list (List-Id)"
    if local in _BOUNCE_SENDERS:
        return f"bounce (from {local})"
    return ""


def _decode(part: Message) -> str:
    """The text of a part, decoded strictly: an unknown charset or bytes that are not in it are refused."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "us-ascii"
    try:
        text = data.decode(charset)
    except LookupError:
        raise Rejected(f"unknown charset {charset!r}") from None
    except UnicodeDecodeError:
        raise Rejected(f"the text is not valid {charset}") from None
    if "\x00" in text:
        raise Rejected("NUL byte in the text")
    return text


def html_to_text(markup: str) -> str:
    """Plain text of an HTML body: tags dropped, block ends made line breaks, entities decoded."""
    markup = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6])\s*>", "\n", markup)
    text = html.unescape(re.sub(r"<[^>]*>", "", markup))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.splitlines())).strip()


def body_text(msg: EmailMessage) -> str:
    """The message's text: its text/plain body, else its HTML body as text, else ""."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decode(part)
    return html_to_text(text) if part.get_content_subtype() == "html" else text.strip()


def strip_quoted(text: str) -> str:
    """A reply without the message it quotes: lines from "On … wrote:" (or an Outlook "Original Message"
    line) on, and lines starting with ">", are left out."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def _referenced_ticket(msg: Message) -> Ticket | None:
    """The ticket a message answers: desk+REF in its recipients, else [REF] in its subject, else a
    Message-ID in In-Reply-To/References that the desk sent (REF@ its domain) or received before."""
    desk_local, desk_domain = _desk()
    headers = ("To", "Cc", "Delivered-To", "X-Original-To")
    fields = [str(v) for name in headers for v in (msg.get_all(name) or [])]
    for _, address in getaddresses(fields):
        local, _, domain = address.lower().partition("@")
        if domain == desk_domain and local.startswith(f"{desk_local}+"):
            ticket = Ticket.objects.filter(number=local.partition("+")[2].upper()).first()
            if ticket is not None:
                return ticket
    match = _SUBJECT_REFERENCE.search(str(msg.get("Subject", "") or ""))
    if match and (ticket := Ticket.objects.filter(number=match.group(1)).first()) is not None:
        return ticket
    ids = re.findall(r"<[^<>]+>", f"{msg.get('In-Reply-To', '') or ''} {msg.get('References', '') or ''}")
    for message_id in ids:
        if message_id.lower().endswith(f"@{desk_domain}>") and (found := _REFERENCE.search(message_id)):
            ticket = Ticket.objects.filter(number=found.group(1)).first()
            if ticket is not None:
                return ticket
    earlier = InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False).select_related("ticket")
    row = earlier.order_by("-received_at", "-id").first()
    return row.ticket if row is not None else None


def _sender_user(sender: str, display_name: str) -> User | None:
    """The active person with the sender's address; for an unknown address, per the setting, none or a
    new requester who cannot sign in (no usable password) until an administrator gives them one."""
    user = User.objects.filter(email__iexact=sender, is_active=True).order_by("pk").first()
    if user is not None or _unknown_sender_policy() == "ignore":
        return user
    if User.objects.filter(email__iexact=sender).exists() or User.objects.filter(username=sender).exists():
        return None  # an inactive account: not revived by an email
    first, _, last = display_name.partition(" ")
    user = User(username=sender[:150], email=sender, first_name=first[:150], last_name=last[:150])
    user.set_unusable_password()
    create_audited(user, actor=None, verb=AuditVerb.USER_CREATE, reason="An email to the desk")
    user.groups.add(Group.objects.get(name=Role.REQUESTER))
    return user


def _attach_all(msg: EmailMessage, *, ticket: Ticket, actor: User) -> list[str]:
    """Store the message's attachments on the ticket (the attachment service's size and type limits);
    returns what was not stored and why."""
    notes: list[str] = []
    for part in msg.iter_attachments():
        name = part.get_filename() or "attachment"
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        upload = SimpleUploadedFile(name, content, content_type=part.get_content_type())
        try:
            with write():  # a savepoint: a refused file leaves the ticket and the other files
                ticket_attach(actor=actor, ticket=ticket, upload=upload)
        except (ValidationError, PermissionDenied) as exc:
            notes.append(f"attachment {name!r} not stored: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
    return notes


def _process(msg: EmailMessage, row: InboundMail) -> None:
    """Decide what the message is and do it, filling in `row`; raises Rejected for what cannot be taken."""
    display_name, sender = parseaddr(str(msg.get("From", "") or ""))
    sender = sender.strip().lower()
    row.sender = sender[:254]
    subject = str(msg.get("Subject", "") or "").strip()
    if "\x00" in subject or "\x00" in display_name:
        raise Rejected("NUL byte in a header")
    row.subject = subject[:200]
    if "@" not in sender:
        raise Rejected("no sender address")
    if reason := ignore_reason(msg, sender):
        row.outcome, row.reason = MailOutcome.IGNORED, reason
        return
    text = body_text(msg)
    user = _sender_user(sender, display_name)
    if user is None:
        row.outcome, row.reason = MailOutcome.IGNORED, f"unknown sender {sender}"
        return
    ticket = _referenced_ticket(msg)
    if ticket is not None:
        reply = strip_quoted(text)
        if not reply:
            row.outcome, row.reason, row.ticket = MailOutcome.IGNORED, "an empty reply", ticket
            return
        try:
            with write():
                ticket_comment(actor=user, ticket=ticket, body=reply)
        except PermissionDenied:
            ticket = None  # not theirs to answer: their mail opens a ticket of its own
        else:
            row.outcome, row.ticket = MailOutcome.COMMENT_ADDED, ticket
            row.reason = "; ".join(_attach_all(msg, ticket=ticket, actor=user))
            return
    service = Service.objects.filter(slug=settings.BIMODAL_MAIL_SERVICE).first()
    if service is None:
        raise Rejected(f"BIMODAL_MAIL_SERVICE names no service ({settings.BIMODAL_MAIL_SERVICE!r})")
    try:
        ticket = ticket_create(
            actor=user,
            ticket_type=TicketType.INCIDENT,
            title=subject[:200] or "(no subject)",
            service=service,
            description=text,
        )
    except (PermissionDenied, ValidationError) as exc:
        raise Rejected(f"the sender may not open a ticket: {exc}") from None
    row.outcome, row.ticket = MailOutcome.TICKET_CREATED, ticket
    row.reason = "; ".join(_attach_all(msg, ticket=ticket, actor=user))


def mail_receive(*, raw: bytes, source: str) -> MailResult:
    """Take one email (its bytes as received) in its own transaction: a ticket, a comment, or nothing, and
    a record of which and why. A message received before (same Message-ID) is not taken again; a
    message that cannot be taken is recorded as rejected with the reason, never raised."""
    _unknown_sender_policy()  # a wrong setting stops the run before any message is taken
    msg: EmailMessage | None = None
    try:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)  # policy.default parses into EmailMessage
        message_id, msg = _message_id(parsed, raw), parsed
    except Exception:  # a header the parser chokes on: the message is known by its digest, and rejected
        log.exception("An email could not be parsed")
        message_id = _digest_id(raw)
    earlier = InboundMail.objects.filter(message_id=message_id).first()
    if earlier is not None:
        return MailResult(earlier, True)
    row = InboundMail(message_id=message_id, source=source, received_at=timezone.now())
    try:
        with write():
            # The row first: a second reader of the same message waits here, then finds it taken.
            InboundMail.objects.create(
                message_id=message_id, source=source, outcome=MailOutcome.REJECTED, reason="being taken"
            )
            if msg is None:
                raise Rejected("the message cannot be parsed")
            _process(msg, row)
            InboundMail.objects.filter(message_id=message_id).update(
                sender=row.sender,
                subject=row.subject,
                outcome=row.outcome,
                reason=row.reason,
                ticket=row.ticket,
            )
    except IntegrityError as exc:
        taken = InboundMail.objects.filter(message_id=message_id).first()
        if taken is not None:  # another reader took it first
            return MailResult(taken, True)
        row.outcome, row.reason, row.ticket = MailOutcome.REJECTED, f"IntegrityError: {exc}", None
    except Rejected as exc:
        row.outcome, row.reason, row.ticket = MailOutcome.REJECTED, str(exc), None
    except Exception as exc:  # a message that breaks the parser or a service is the message's fault
        log.exception("Email %s could not be taken", message_id)
        row.outcome, row.reason, row.ticket = MailOutcome.REJECTED, f"{type(exc).__name__}: {exc}", None
    else:
        return MailResult(InboundMail.objects.get(message_id=message_id), False)
    with write():
        row.sender, row.subject, row.reason = (
            v.replace("\x00", "") for v in (row.sender, row.subject, row.reason)
        )
        row.save()
    return MailResult(row, False)

"""The desk's email channel against real servers: notifications go out over SMTP (an aiosmtpd server in
this process) threaded by ticket; mail read from IMAP (a private Dovecot started here), a maildir or an
mbox becomes tickets and comments, once each; auto-replies, loops and unknown senders get no ticket; a
broken message is rejected with a reason and the rest of the batch goes on.

Example messages are those of RFC 5322 Appendix A.1.1 and A.2 (a message and its reply) and an
auto-reply as RFC 3834 section 5 describes it (Auto-Submitted: auto-replied)."""

from __future__ import annotations

import imaplib
import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command
from django.test import TestCase
from django_tasks_db.models import DBTaskResult

from bimodal.core.models import User
from bimodal.servicedesk.choices import MailOutcome
from bimodal.servicedesk.models import InboundMail, RoutingRule, Ticket, TicketAttachment
from bimodal.servicedesk.services.mail_in import mail_receive, strip_quoted
from bimodal.servicedesk.tasks import ensure_periodic_mail_in, mail_in_task
from bimodal.servicedesk.tests.factories import world

pytestmark = pytest.mark.django_db(transaction=False)

DESK = "desk@bimodal.example"

# RFC 5322, Appendix A.1.1 ("A message from one person to another with simple addressing"), addressed
# to the desk.
RFC5322_A11 = (
    b"From: John Doe <jdoe@machine.example>\r\n"
    b"To: Service Desk <desk@bimodal.example>\r\n"
    b"Subject: Saying Hello\r\n"
    b"Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n"
    b"Message-ID: <1234@local.machine.example>\r\n"
    b"\r\n"
    b"This is a message just to say hello.\r\n"
    b'So, "Hello".\r\n'
)


def _reply(ref: str, *, sender: str, message_id: str, body: str, in_reply_to: str) -> bytes:
    """A reply shaped as RFC 5322 Appendix A.2's ("Re:" subject, In-Reply-To, References), sent to the
    Reply-To address the desk gave, quoting what it answers."""
    return (
        f"From: {sender}\r\n"
        f"To: desk+{ref}@bimodal.example\r\n"
        f"Subject: Re: [{ref}] Saying Hello\r\n"
        f"Date: Fri, 21 Nov 1997 10:01:10 -0600\r\n"
        f"Message-ID: {message_id}\r\n"
        f"In-Reply-To: {in_reply_to}\r\n"
        f"References: {in_reply_to}\r\n"
        f"\r\n"
        f"{body}\r\n"
        f"\r\n"
        f"On Fri, 21 Nov 1997 at 09:55, Service Desk <desk@bimodal.example> wrote:\r\n"
        f"> New ticket {ref}: Saying Hello\r\n"
    ).encode()


# An auto-reply as RFC 3834 section 5 asks responders to mark it: "Auto-Submitted: auto-replied".
AUTO_REPLY = (
    b"From: Mary Smith <mary@example.net>\r\n"
    b"To: desk@bimodal.example\r\n"
    b"Subject: Auto: Saying Hello\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b"Message-ID: <auto-1@example.net>\r\n"
    b"\r\n"
    b"I am out of the office until Monday.\r\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


# --- servers --------------------------------------------------------------------------------------------


class _Collect:
    """An aiosmtpd handler that keeps what it received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free local port, and Django's SMTP backend pointed at it."""
    handler = _Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture
def imap(settings):
    """A private Dovecot IMAP server (Debian's dovecot-imapd) on a free local port with one mailbox,
    desk/secret; the BIMODAL_IMAP_* settings point at it. Skipped without Dovecot, unless
    BIMODAL_REQUIRE_IMAP=1 (CI), where its absence fails."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if binary is None:
        if os.environ.get("BIMODAL_REQUIRE_IMAP") == "1":
            pytest.fail("BIMODAL_REQUIRE_IMAP=1 but Dovecot is not installed (apt-get install dovecot-imapd)")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd); the IMAP tests need it")
    # Not under pytest's tmp_path: Dovecot's unprivileged processes must be able to reach the mailbox.
    root = Path(tempfile.mkdtemp(prefix="bimodal-dovecot-"))
    root.chmod(0o755)
    if os.geteuid() == 0:  # Dovecot refuses to run mail processes as root: the mailbox is dovenull's
        owner = pwd.getpwnam("dovenull")
        uid, gid, login, internal = owner.pw_uid, owner.pw_gid, "dovenull", "dovecot"
    else:
        me = pwd.getpwuid(os.geteuid())
        uid, gid, login, internal = me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", uid, gid)
    (root / "users").write_text("desk:{PLAIN}secret\n")
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(root=root, port=port, uid=uid, gid=gid, login_user=login, internal_user=internal)
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_port(port)
    except RuntimeError:
        process.kill()
        output = process.communicate()[0].decode(errors="replace")
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        pytest.fail(f"Dovecot did not start: {output}\n{log}")
    settings.BIMODAL_IMAP_HOST, settings.BIMODAL_IMAP_PORT = "127.0.0.1", port
    settings.BIMODAL_IMAP_USER, settings.BIMODAL_IMAP_PASSWORD = "desk", "secret"
    settings.BIMODAL_IMAP_FOLDER, settings.BIMODAL_IMAP_SSL = "INBOX", False
    yield port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    shutil.rmtree(root, ignore_errors=True)


def _deliver(port: int, *messages: bytes) -> None:
    """Put messages into the desk's INBOX over IMAP (APPEND), as a mail server's delivery would."""
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("desk", "secret")
    for raw in messages:
        status, detail = client.append("INBOX", None, None, raw)
        assert status == "OK", detail
    client.logout()


def _flags(port: int) -> list[bytes]:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("desk", "secret")
    client.select("INBOX")
    _, data = client.fetch("1:*", "(FLAGS)")
    client.logout()
    return [item for item in data if isinstance(item, bytes)]


def _mail_in(*args: str) -> str:
    """Run `bimodal mail-in` with these arguments, notifications sent as its transactions commit."""
    from io import StringIO

    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("mail_in", *args, stdout=out)
    return out.getvalue()


# --- the world -------------------------------------------------------------------------------------------


@pytest.fixture
def w(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # stored attachments stay out of the data directory
    data = world(make_user)
    settings.BIMODAL_DESK_ADDRESS = DESK
    settings.DEFAULT_FROM_EMAIL = DESK
    settings.BIMODAL_MAIL_SERVICE = data["service"].slug
    settings.BIMODAL_MAIL_UNKNOWN_SENDERS = "ignore"
    data["triage"] = RoutingRule.objects.create(name="Triage", order=1000, group=data["desk"])
    data["jdoe"] = make_user("requester", username="jdoe", email="jdoe@machine.example")
    data["agent"].email = "agent@bimodal.example"
    data["agent"].save(update_fields=["email"])
    return data


# --- end to end: IMAP in, SMTP out --------------------------------------------------------------------


def test_an_email_becomes_a_ticket_and_a_reply_a_comment_over_real_imap_and_smtp(w, imap, smtp, settings):
    settings.BIMODAL_BASE_URL = "https://desk.example.org"
    _deliver(imap, RFC5322_A11)
    out = _mail_in("--imap")
    assert out.strip().endswith(
        "1 message(s): 1 ticket(s) created, 0 comment(s) added, 0 ignored, 0 rejected, 0 already received"
    )
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.title, ticket.service) == (w["jdoe"], "Saying Hello", w["service"])
    assert "just to say hello" in ticket.description
    assert (ticket.assignment_group, ticket.routing_rule) == (w["desk"], w["triage"])  # routing applied
    assert InboundMail.objects.get().ticket == ticket

    # The agent's notification went out over SMTP, threaded by the ticket.
    [(to, note)] = [(rcpt, m) for rcpt, m in smtp.messages if "agent@bimodal.example" in rcpt]
    ref = ticket.number
    assert note["Reply-To"] == f"desk+{ref}@bimodal.example"
    assert note["Subject"].startswith(f"[{ref}] New ticket {ref}")
    assert note["In-Reply-To"] == note["References"] == f"<{ref}@bimodal.example>"
    assert note["Message-ID"].endswith("@bimodal.example>") and ref in note["Message-ID"]
    assert note["Auto-Submitted"] == "auto-generated" and note["X-Bimodal-Loop"] == "ticket_new"
    assert note["From"] == DESK
    # The link in it opens the ticket from a mail client: the site's address, then the ticket's path.
    assert f"https://desk.example.org{ticket.get_absolute_url()}" in note.get_content()

    # The agent answers the notification from their mail client: a comment, without the quoted text.
    _deliver(
        imap,
        _reply(
            ref,
            sender="Agent <agent@bimodal.example>",
            message_id="<3456@example.net>",
            body="This is a reply to your hello.",
            in_reply_to=note["Message-ID"],
        ),
    )
    smtp.messages.clear()
    out = _mail_in("--imap")
    assert "1 comment(s) added" in out
    comment = ticket.comments.get()
    assert (comment.author, comment.body, comment.internal) == (
        w["agent"],
        "This is a reply to your hello.",
        False,
    )
    # … and the requester is told, by email threaded the same way.
    [(to, told)] = smtp.messages
    assert to == ["jdoe@machine.example"] and told["Reply-To"] == f"desk+{ref}@bimodal.example"
    assert told["Subject"] == f"[{ref}] New comment on {ref}"

    # Everything read is marked seen; reading again takes nothing, the same message again nothing twice.
    assert all(b"\\Seen" in f for f in _flags(imap))
    assert "0 message(s)" in _mail_in("--imap")
    _deliver(imap, RFC5322_A11)
    assert "1 already received" in _mail_in("--imap")
    assert (Ticket.objects.count(), ticket.comments.count(), InboundMail.objects.count()) == (1, 1, 2)


def test_auto_replies_and_loops_are_ignored_and_a_broken_message_does_not_stop_the_batch(w, imap):
    ticket_ref = "INC000999"
    loop = (
        b"From: desk@bimodal.example\r\nTo: desk@bimodal.example\r\nSubject: [INC000999] again\r\n"
        b"Message-ID: <loop-1@bimodal.example>\r\nX-Bimodal-Loop: ticket_new\r\n\r\nround and round\r\n"
    )
    bad_charset = (
        b"From: John Doe <jdoe@machine.example>\r\nTo: desk@bimodal.example\r\nSubject: broken\r\n"
        b"Message-ID: <bad-1@machine.example>\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"caf\xe9\r\n"
    )
    _deliver(imap, AUTO_REPLY, loop, bad_charset, RFC5322_A11)
    out = _mail_in("--imap")
    assert "4 message(s): 1 ticket(s) created, 0 comment(s) added, 2 ignored, 1 rejected" in out
    outcomes = dict(InboundMail.objects.values_list("message_id", "reason"))
    assert outcomes["<auto-1@example.net>"] == "auto-reply (Auto-Submitted: auto-replied)"
    assert outcomes["<loop-1@bimodal.example>"].startswith("loop:")
    assert outcomes["<bad-1@machine.example>"] == "unknown charset 'x-no-such-charset'"
    assert "rejected: <bad-1@machine.example> from jdoe@machine.example: unknown charset" in out
    assert Ticket.objects.get().title == "Saying Hello" and ticket_ref not in out
    # The rejected message is flagged for a person to look at; all are seen.
    flags = _flags(imap)
    assert [b"\\Flagged" in f for f in flags] == [False, False, True, False]


def test_the_worker_reads_the_mailbox_only_when_an_imap_host_is_set(w, imap, settings, caplog):
    _deliver(imap, RFC5322_A11)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert mail_in_task.call(False) == {
            "summary": "1 message(s): 1 ticket(s) created, 0 comment(s) added, 0 ignored, 0 rejected, "
            "0 already received"
        }
    ensure_periodic_mail_in()
    ensure_periodic_mail_in()  # a restarted worker does not pile up reads
    queued = DBTaskResult.objects.filter(status="READY", task_path="bimodal.servicedesk.tasks.mail_in_task")
    assert queued.count() == 1
    settings.BIMODAL_IMAP_PASSWORD = "wrong"
    assert "IMAP 127.0.0.1" in mail_in_task.call(False)["error"] and "could not be read" in caplog.text
    queued.delete()
    settings.BIMODAL_IMAP_HOST = ""
    ensure_periodic_mail_in()
    assert not queued.exists() and mail_in_task.call(False) == {"summary": "BIMODAL_IMAP_HOST is not set"}


def test_an_unreachable_imap_server_is_a_clear_error_not_a_traceback(w, settings):
    settings.BIMODAL_IMAP_HOST, settings.BIMODAL_IMAP_PORT = "127.0.0.1", _free_port()
    with pytest.raises(CommandError, match=r"cannot connect to 127\.0\.0\.1"):
        _mail_in("--imap")


def test_a_wrong_imap_password_is_a_clear_error(w, imap, settings):
    settings.BIMODAL_IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match=r"IMAP 127\.0\.0\.1"):
        _mail_in("--imap")


# --- outbound ------------------------------------------------------------------------------------------


def test_a_mail_server_that_is_down_does_not_undo_the_ticket_and_is_logged(w, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = mail_receive(raw=RFC5322_A11, source="test")
    assert result.mail.outcome == MailOutcome.TICKET_CREATED and Ticket.objects.count() == 1
    assert "Could not send the email '[INC" in caplog.text


# --- inbound rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy_", ["ignore", "create"])
def test_unknown_senders_follow_the_setting(w, settings, policy_):
    settings.BIMODAL_MAIL_UNKNOWN_SENDERS = policy_
    raw = RFC5322_A11.replace(b"jdoe@machine.example", b"stranger@elsewhere.example")
    mail = mail_receive(raw=raw, source="test").mail
    if policy_ == "ignore":
        assert (mail.outcome, mail.reason) == (
            MailOutcome.IGNORED,
            "unknown sender stranger@elsewhere.example",
        )
        assert (
            not Ticket.objects.exists()
            and not User.objects.filter(email="stranger@elsewhere.example").exists()
        )
    else:
        user = User.objects.get(email="stranger@elsewhere.example")
        assert mail.outcome == MailOutcome.TICKET_CREATED and mail.ticket.requester == user
        assert not user.has_usable_password() and user.groups.filter(name="requester").exists()
        assert (user.first_name, user.last_name) == ("John", "Doe")


def test_a_wrong_unknown_senders_setting_stops_the_command(w, settings, tmp_path):
    settings.BIMODAL_MAIL_UNKNOWN_SENDERS = "welcome"
    box = mailbox.mbox(tmp_path / "desk.mbox")
    box.add(RFC5322_A11)
    box.close()
    with pytest.raises(CommandError, match="BIMODAL_MAIL_UNKNOWN_SENDERS must be one of ignore, create"):
        _mail_in("--mbox", str(tmp_path / "desk.mbox"))
    assert not InboundMail.objects.exists()


def test_without_a_mail_service_a_new_ticket_is_rejected_with_the_reason(w, settings):
    settings.BIMODAL_MAIL_SERVICE = ""
    mail = mail_receive(raw=RFC5322_A11, source="test").mail
    assert mail.outcome == MailOutcome.REJECTED and "BIMODAL_MAIL_SERVICE" in mail.reason


def test_threading_by_subject_and_by_a_message_id_the_desk_received(w):
    first = mail_receive(raw=RFC5322_A11, source="test").mail
    ticket = first.ticket
    # RFC 5322 A.2's reply from the requester, to the desk's plain address: In-Reply-To names the
    # message the desk received.
    reply = _reply(
        "X",
        sender="jdoe@machine.example",
        message_id="<3456@example.net>",
        body="Still broken.",
        in_reply_to="<1234@local.machine.example>",
    )
    reply = reply.replace(b"desk+X@", b"desk@").replace(b"[X] ", b"")
    assert mail_receive(raw=reply, source="test").mail.outcome == MailOutcome.COMMENT_ADDED
    by_subject = RFC5322_A11.replace(b"Saying Hello", f"Re: [{ticket.number}] hello".encode()).replace(
        b"<1234@", b"<5678@"
    )
    assert mail_receive(raw=by_subject, source="test").mail.ticket == ticket
    assert list(ticket.comments.values_list("body", flat=True)) == [
        "Still broken.",
        'This is a message just to say hello.\r\nSo, "Hello".'.replace("\r\n", "\n"),
    ]


def test_a_reply_from_someone_who_may_not_comment_opens_a_ticket_of_their_own(w):
    ticket = mail_receive(raw=RFC5322_A11, source="test").mail.ticket
    w["requester2"].email = "other@machine.example"
    w["requester2"].save(update_fields=["email"])
    raw = _reply(
        ticket.number,
        sender="other@machine.example",
        message_id="<9@machine.example>",
        body="Me too",
        in_reply_to="<1234@local.machine.example>",
    )
    mail = mail_receive(raw=raw, source="test").mail
    assert mail.outcome == MailOutcome.TICKET_CREATED and mail.ticket != ticket
    assert mail.ticket.requester == w["requester2"] and not ticket.comments.exists()


def test_attachments_are_stored_within_the_limits_and_html_only_mail_is_read_as_text(w):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "jdoe@machine.example", DESK, "Screen"
    msg["Message-ID"] = "<att-1@machine.example>"
    msg.set_content("<p>The screen is <b>blank</b>.</p><p>Fish &amp; chips</p>", subtype="html")
    msg.add_attachment(b"line one\n", maintype="text", subtype="plain", filename="log.txt")
    msg.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload", filename="tool.exe")
    mail = mail_receive(raw=msg.as_bytes(), source="test").mail
    ticket = mail.ticket
    assert ticket.description == "The screen is blank.\nFish & chips"
    [stored] = TicketAttachment.objects.filter(ticket=ticket)
    assert (stored.name, stored.content_type, stored.file.read()) == ("log.txt", "text/plain", b"line one\n")
    assert "attachment 'tool.exe' not stored" in mail.reason


def test_nul_bytes_in_headers_are_rejected_and_stored_without_them(w):
    raw = RFC5322_A11.replace(b"John Doe", b"John\x00Doe").replace(b"<1234@", b"<12\x0034@")
    mail = mail_receive(raw=raw, source="test").mail
    assert (mail.outcome, mail.reason) == (MailOutcome.REJECTED, "NUL byte in a header")
    assert InboundMail.objects.get().message_id == "<1234@local.machine.example>"
    assert not Ticket.objects.exists()


def test_a_message_id_the_parser_chokes_on_is_rejected_and_known_by_its_digest(w):
    # Python 3.11's email package raises IndexError on a Message-ID of a lone "<".
    raw = RFC5322_A11.replace(b"<1234@local.machine.example>", b"<")
    first = mail_receive(raw=raw, source="test")
    assert (first.mail.outcome, first.mail.reason) == (MailOutcome.REJECTED, "the message cannot be parsed")
    assert first.mail.message_id.startswith("<sha256-") and not Ticket.objects.exists()
    assert mail_receive(raw=raw, source="test").duplicate


def test_quoted_text_is_left_out_of_comments():
    text = "Fixed now.\n> earlier line\n\nThanks\nOn Mon, 7 Dec 2026, Desk <desk@x> wrote:\n> old\nmore old"
    assert strip_quoted(text) == "Fixed now.\n\nThanks"
    assert strip_quoted("Top\n-----Original Message-----\nFrom: x") == "Top"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b"Precedence: bulk", "auto-reply (Precedence: bulk)"),
        (b"X-Auto-Response-Suppress: All", "auto-reply (X-Auto-Response-Suppress)"),
        (b"List-Id: <news.example.net>", "mailing list (List-Id)"),
        (b"Auto-Submitted: no", ""),
    ],
)
def test_bulk_and_list_mail_is_ignored(w, header, reason):
    raw = RFC5322_A11.replace(b"Subject:", header + b"\r\nSubject:")
    mail = mail_receive(raw=raw, source="test").mail
    assert mail.reason == reason
    assert mail.outcome == (MailOutcome.IGNORED if reason else MailOutcome.TICKET_CREATED)


def test_bounces_and_mail_from_the_desk_itself_are_ignored(w):
    bounce = RFC5322_A11.replace(b"John Doe <jdoe@machine.example>", b"MAILER-DAEMON@machine.example")
    assert mail_receive(raw=bounce, source="test").mail.reason == "bounce (from mailer-daemon)"
    own = RFC5322_A11.replace(b"John Doe <jdoe@machine.example>", b"desk+INC000001@bimodal.example")
    own = own.replace(b"<1234@", b"<1235@")
    assert mail_receive(raw=own, source="test").mail.reason == "loop: from the desk's own address"
    assert not Ticket.objects.exists()


# --- maildir and mbox --------------------------------------------------------------------------------


def test_a_maildir_s_new_messages_are_taken_once_and_moved_to_cur(w, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    nul = RFC5322_A11.replace(b"<1234@", b"<nul-1@").replace(b"hello.", b"hel\x00lo.")
    for raw in (nul, RFC5322_A11):
        box.add(mailbox.MaildirMessage(raw))
    out = _mail_in("--maildir", str(tmp_path / "Maildir"))
    assert out.strip().endswith(
        "2 message(s): 1 ticket(s) created, 0 comment(s) added, 0 ignored, 1 rejected, 0 already received"
    )
    assert (
        InboundMail.objects.get(message_id="<nul-1@local.machine.example>").reason == "NUL byte in the text"
    )
    assert os.listdir(tmp_path / "Maildir" / "new") == []
    assert all(name.endswith(":2,S") for name in os.listdir(tmp_path / "Maildir" / "cur"))
    assert "0 message(s)" in _mail_in("--maildir", str(tmp_path / "Maildir"))
    assert Ticket.objects.count() == 1


def test_an_mbox_read_twice_takes_each_message_once(w, tmp_path):
    path = tmp_path / "desk.mbox"
    box = mailbox.mbox(path)
    box.add(RFC5322_A11)
    box.add(AUTO_REPLY)
    box.close()
    assert "2 message(s): 1 ticket(s) created, 0 comment(s) added, 1 ignored" in _mail_in("--mbox", str(path))
    assert (
        "2 message(s): 0 ticket(s) created, 0 comment(s) added, 0 ignored, 0 rejected, 2 already received"
        in _mail_in("--mbox", str(path))
    )
    assert Ticket.objects.count() == 1


def test_a_missing_maildir_or_mbox_is_a_clear_error(w, tmp_path):
    with pytest.raises(CommandError, match="is not a maildir"):
        _mail_in("--maildir", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="no mbox file"):
        _mail_in("--mbox", str(tmp_path / "nowhere.mbox"))


def test_the_email_settings_are_read_from_the_environment(tmp_path):
    env = {
        **os.environ,
        "BIMODAL_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "EMAIL_HOST": "smtp.bimodal.example",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "bimodal",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": "1",
        "BIMODAL_DESK_ADDRESS": "help@corp.example",
        "BIMODAL_MAIL_UNKNOWN_SENDERS": "create",
        "BIMODAL_MAIL_SERVICE": "payments",
        "BIMODAL_IMAP_HOST": "imap.corp.example",
        "BIMODAL_IMAP_PORT": "993",
        "BIMODAL_IMAP_SSL": "yes",
        "BIMODAL_IMAP_FOLDER": "Desk",
    }
    env.pop("DEFAULT_FROM_EMAIL", None)
    names = [
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "BIMODAL_DESK_ADDRESS",
        "DEFAULT_FROM_EMAIL",
        "BIMODAL_MAIL_UNKNOWN_SENDERS",
        "BIMODAL_MAIL_SERVICE",
        "BIMODAL_IMAP_HOST",
        "BIMODAL_IMAP_PORT",
        "BIMODAL_IMAP_SSL",
        "BIMODAL_IMAP_FOLDER",
    ]
    code = f"from bimodal.config import settings as s; print([getattr(s, n) for n in {names!r}])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(
        [
            "smtp.bimodal.example",
            587,
            "bimodal",
            "s3cret",
            True,
            "help@corp.example",
            "help@corp.example",
            "create",
            "payments",
            "imap.corp.example",
            993,
            True,
            "Desk",
        ]
    )

"""Shared write helpers: validate, save and audit in one transaction.

Domain apps build their `<entity>_<verb>` service functions on these so that every write is
validated with `full_clean()` and recorded in the audit log in the same transaction.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any, Final, Literal, ParamSpec, TypeVar

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from bimodal.core import audit
from bimodal.core.choices import (
    DEFAULT_NOTIFICATION_CHANNEL,
    ESSENTIAL_NOTIFICATION_KINDS,
    AuditAction,
    NotificationChannel,
)
from bimodal.core.models import Actor, ApiToken, Notification, NotificationPreference, OrgUnit, Team, User
from bimodal.core.querysets import restricted_manager
from bimodal.core.security import hash_secret
from bimodal.core.verbs import AuditVerb

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)


class Unset(enum.Enum):
    """The type of UNSET: an update's keyword argument that was not given (None may be a real value)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET
NotGiven = Literal[Unset.UNSET]  # `name: str | NotGiven = UNSET` in an update service's signature


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not UNSET): the fields an update service changes."""
    return {name: value for name, value in values.items() if value is not UNSET}


@contextlib.contextmanager
def write() -> Iterator[None]:
    """One write transaction: atomic, with its audit entries chained when the outermost write ends.

    The audit chain head is thus the last lock the transaction takes (docs/architecture.md, "Locks").
    Code that runs several services in one transaction (an import, the demo loader) wraps them in
    `with write():` so that their entries are chained once, at the very end."""
    with transaction.atomic(), audit.batch():
        yield


def transactional(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service: it runs in `write()` (atomic, the audit chain head locked last)."""

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with write():
            return func(*args, **kwargs)

    return inner


# What a transaction may meet when another one writes the same rows at the same moment: a unique key
# taken in between (IntegrityError), a serialization failure or a deadlock (OperationalError on
# PostgreSQL: SQLSTATE 40001, 40P01). Retried as a whole.
_TRANSIENT_STATES: Final = frozenset({"40001", "40P01", "55P03"})


def _transient(error: DatabaseError) -> bool:
    if isinstance(error, IntegrityError):
        return True
    state = getattr(error.__cause__, "sqlstate", None) or getattr(error.__cause__, "pgcode", None)
    return state in _TRANSIENT_STATES or "database is locked" in str(error)


def retrying(func: Callable[P, R], *, attempts: int = 5) -> Callable[P, R]:
    """Run `func` (a transactional service), again from the start when it meets a transient conflict
    with a concurrent writer; the last error is raised. Inside an enclosing transaction it runs once:
    the locks taken before it would still be held, so a second attempt would meet the same conflict."""

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, attempts + 1):
            if transaction.get_connection().in_atomic_block or attempt == attempts:
                return func(*args, **kwargs)
            try:
                return func(*args, **kwargs)
            except DatabaseError as error:
                if not _transient(error):
                    raise
                log.info("retrying %s after %s (attempt %d)", func.__name__, type(error).__name__, attempt)
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    return inner


def lock(obj: M) -> M:
    """`obj` as it is now in the database, its row locked until the transaction ends (FOR NO KEY UPDATE:
    rows that refer to it may still be inserted). A service locks the rows it decides on first, then
    reads and decides (docs/architecture.md, "Locks")."""
    manager = type(obj)._default_manager
    return manager.select_for_update(no_key=True).get(pk=obj.pk)


def require_perm(actor: Actor, perm: str) -> None:
    """Raise PermissionDenied unless `actor` holds the model-level permission `perm`."""
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(permission_refusal(perm))


def permission_refusal(perm: str) -> str:
    """The refusal people read for a missing permission, in the permission's words ("You may not review
    and publish articles."), never its key."""
    app_label, _, codename = perm.partition(".")
    name = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .values_list("name", flat=True)
        .first()
    )
    if not name:
        return "You do not have the permission this needs."
    action = name[4:] if name.lower().startswith("can ") else name
    return f"You may not {action[:1].lower()}{action[1:]}."


def require_object(actor: Actor, action: str, obj: models.Model) -> None:
    """Raise PermissionDenied unless `actor` may `action` this object (object restriction included)."""
    if not restricted_manager(type(obj)).restrict(actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(f"You may not {action} {obj._meta.verbose_name} “{obj}”.")


def unique_slug(model: type[models.Model], text: str, field: str = "slug") -> str:
    """A slug from `text` that no row of `model` uses yet and that the field's validators accept."""
    slug_field = model._meta.get_field(field)
    assert isinstance(slug_field, models.Field)  # a column, not a reverse relation

    def usable(slug: str) -> bool:
        try:
            slug_field.run_validators(slug)
        except ValidationError:
            return False
        return not model._default_manager.filter(**{field: slug}).exists()

    base = slugify(text)[:100] or "item"
    slug, n = base, 2
    while not usable(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


@transactional
def create_audited(
    obj: M, *, actor: Actor, m2m: dict[str, Iterable[Any]] | None = None, reason: str = "", verb: AuditVerb
) -> M:
    """Validate and insert `obj` (and set its many-to-many fields), then audit it."""
    obj.full_clean()
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=obj,
        after=audit.snapshot(obj),
        reason=reason,
        verb=verb,
    )
    return obj


@transactional
def update_audited(
    obj: M,
    *,
    actor: Actor,
    fields: dict[str, Any],
    m2m: dict[str, Iterable[Any]] | None = None,
    reason: str = "",
    verb: AuditVerb,
    action: str = AuditAction.UPDATE,
) -> M:
    """Apply `fields` (and many-to-many values) to the row as it is now, validate, save, audit.

    The row is re-read under a lock and only the given fields are applied to it and written
    (`save(update_fields=…)`), so a concurrent write of other fields is kept and the audit's "before" is
    the locked row's state, not the caller's copy. The caller's `obj` is refreshed to the row as saved."""
    row = lock(obj)
    before = audit.snapshot(row)
    names: list[str] = []
    for name, value in fields.items():
        field = row._meta.get_field(name)
        setattr(row, name, value)
        names.append(field.name)
    row.full_clean()
    # auto_now fields (updated_at) are written too: save() computes them.
    names += [f.name for f in row._meta.concrete_fields if getattr(f, "auto_now", False)]
    if fields:
        row.save(update_fields=sorted(set(names)))
    for name, values in (m2m or {}).items():
        getattr(row, name).set(values)
    after = audit.snapshot(row)
    _refresh(obj, row)
    if after != before:
        audit.record(
            actor=actor,
            action=action,
            obj=obj,
            before=before,
            after=after,
            reason=reason,
            verb=verb,
        )
    return obj


def _refresh(obj: models.Model, row: models.Model) -> None:
    """Give `obj` the column values of `row` (the same row, fresher); cached relations that changed go."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(row, field.attname))
        if isinstance(field, models.ForeignKey) and field.is_cached(row):
            field.set_cached_value(obj, field.get_cached_value(row))
    if hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache.clear()


def put_audited(
    model: type[M],
    *,
    actor: Actor,
    lookup: dict[str, Any],
    fields: dict[str, Any],
    verb: AuditVerb,
    update_verb: AuditVerb | None = None,
    defaults: dict[str, Any] | None = None,
) -> M:
    """Set `fields` on the row matching `lookup`, or create it (with `defaults` too): the "set" writes of
    the services, audited as an update (`update_verb`, else `verb`) or a creation (`verb`)."""
    existing = model._default_manager.filter(**lookup).first()
    if existing is not None:
        return update_audited(existing, actor=actor, fields=fields, verb=update_verb or verb)
    return create_audited(model(**{**lookup, **(defaults or {}), **fields}), actor=actor, verb=verb)


@transactional
def delete_audited(obj: models.Model, *, actor: Actor, reason: str = "", verb: AuditVerb) -> None:
    """Delete `obj` after recording its last state in the audit log."""
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=obj,
        before=audit.snapshot(obj),
        reason=reason,
        verb=verb,
    )
    obj.delete()


# The fields a person sets on an org unit or a team: the form, the API's write serializer and these services'
# keyword arguments list the same names (core/tests/test_services.py checks that they do not drift).
ORGUNIT_FIELDS: Final = ("name", "slug", "parent", "governance_model", "head", "description")
TEAM_FIELDS: Final = (
    "name",
    "slug",
    "kind",
    "org_unit",
    "lead",
    "members",
    "supplier",
    "email",
    "chat_channel",
    "description",
)


def orgunit_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    parent: OrgUnit | None = None,
    governance_model: str = "",
    head: User | None = None,
    description: str = "",
) -> OrgUnit:
    """Create an org unit (its governance model defaults to the model field's default)."""
    require_perm(actor, "core.add_orgunit")
    unit = OrgUnit(
        name=name,
        slug=slug or unique_slug(OrgUnit, name),
        parent=parent,
        head=head,
        description=description,
        **given(governance_model=governance_model or UNSET),
    )
    return create_audited(unit, actor=actor, verb=AuditVerb.ORGUNIT_CREATE)


def orgunit_update(
    *,
    actor: User,
    org_unit: OrgUnit,
    reason: str = "",
    name: str | NotGiven = UNSET,
    slug: str | NotGiven = UNSET,
    parent: OrgUnit | NotGiven | None = UNSET,
    governance_model: str | NotGiven = UNSET,
    head: User | NotGiven | None = UNSET,
    description: str | NotGiven = UNSET,
) -> OrgUnit:
    """Change the given attributes of an org unit."""
    require_object(actor, "change", org_unit)
    fields = given(
        name=name,
        slug=slug,
        parent=parent,
        governance_model=governance_model,
        head=head,
        description=description,
    )
    return update_audited(org_unit, actor=actor, fields=fields, reason=reason, verb=AuditVerb.ORGUNIT_UPDATE)


def team_create(
    *,
    actor: User,
    name: str,
    org_unit: OrgUnit,
    slug: str = "",
    kind: str = "",
    lead: User | None = None,
    members: Iterable[User] = (),
    supplier: Any = None,  # a suppliers.Supplier: core sits below the suppliers app
    email: str = "",
    chat_channel: str = "",
    description: str = "",
) -> Team:
    """Create a team with its members (its kind defaults to the model field's default)."""
    require_perm(actor, "core.add_team")
    team = Team(
        name=name,
        slug=slug or unique_slug(Team, name),
        org_unit=org_unit,
        lead=lead,
        email=email,
        chat_channel=chat_channel,
        supplier=supplier,
        description=description,
        **given(kind=kind or UNSET),
    )
    return create_audited(team, actor=actor, m2m={"members": members}, verb=AuditVerb.TEAM_CREATE)


def team_update(
    *,
    actor: User,
    team: Team,
    reason: str = "",
    members: Iterable[User] | None = None,
    name: str | NotGiven = UNSET,
    slug: str | NotGiven = UNSET,
    kind: str | NotGiven = UNSET,
    org_unit: OrgUnit | NotGiven = UNSET,
    lead: User | NotGiven | None = UNSET,
    supplier: Any = UNSET,  # a suppliers.Supplier or None
    email: str | NotGiven = UNSET,
    chat_channel: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
) -> Team:
    """Change the given attributes of a team, or its members (None leaves them as they are)."""
    require_object(actor, "change", team)
    fields = given(
        name=name,
        slug=slug,
        kind=kind,
        org_unit=org_unit,
        lead=lead,
        supplier=supplier,
        email=email,
        chat_channel=chat_channel,
        description=description,
    )
    m2m = {"members": members} if members is not None else None
    return update_audited(
        team, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.TEAM_UPDATE
    )


def notification_channels(users: Iterable[User], kind: str) -> dict[int, str]:
    """Each person's channel for `kind` (one query): their preference, else the default; an essential
    kind is never off."""
    users = list(users)
    chosen = dict(
        NotificationPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "channel")
    )
    channels = {u.pk: chosen.get(u.pk, DEFAULT_NOTIFICATION_CHANNEL) for u in users}
    if kind in ESSENTIAL_NOTIFICATION_KINDS:
        channels = {
            pk: DEFAULT_NOTIFICATION_CHANNEL if c == NotificationChannel.OFF else c
            for pk, c in channels.items()
        }
    return channels


def _may_view(user: User, obj: models.Model) -> bool:
    return restricted_manager(type(obj)).restrict(user, "view").filter(pk=obj.pk).exists()


def _notification_put(
    user: User, *, kind: str, obj: models.Model | None, subject: str, body: str, url: str, digest: bool
) -> Notification:
    """Add `user`'s notification, or update their unread one of the same kind about the same object.

    Lock the unread row, then read and decide; two writers that both find none both insert, and the
    partial unique constraint lets one in: the other's savepoint rolls back and it updates that row."""
    now = timezone.now()
    if obj is None:
        return Notification.objects.create(
            recipient=user,
            kind=kind,
            subject=subject,
            body=body,
            url=url,
            created_at=now,
            updated_at=now,
            digest_pending=digest,
        )
    content_type = ContentType.objects.get_for_model(obj)
    group = {"recipient": user, "content_type": content_type, "object_id": str(obj.pk), "kind": kind}
    for attempt in range(1, 4):
        row = Notification.objects.select_for_update().filter(read_at__isnull=True, **group).first()
        if row is not None:
            changes: dict[str, Any] = {"subject": subject, "body": body, "url": url, "updated_at": now}
            if digest:
                changes["digest_pending"] = True
            Notification.objects.filter(pk=row.pk).update(count=models.F("count") + 1, **changes)
            row.refresh_from_db()
            return row
        try:
            with write():  # a savepoint: losing the race must not undo the caller's transaction
                return Notification.objects.create(
                    **group,
                    subject=subject,
                    body=body,
                    url=url,
                    created_at=now,
                    updated_at=now,
                    digest_pending=digest,
                )
        except IntegrityError:
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def absolute_url(url: str) -> str:
    """A site path as a link that works outside the site (in an email): BIMODAL_BASE_URL + path."""
    return f"{settings.BIMODAL_BASE_URL}{url}" if url.startswith("/") else url


# Every email the product sends carries this header: mail that comes back with it is a loop, not a person.
LOOP_HEADER: Final = "X-Bimodal-Loop"


@dataclass(frozen=True)
class MailThread:
    """How emails about one object thread: the reference put in the subject, the address replies go to,
    and the Message-ID of the thread's root that In-Reply-To and References name."""

    reference: str
    reply_to: str
    root_message_id: str


def _email_send(subject: str, body: str, recipients: list[str], thread: MailThread | None, kind: str) -> None:
    """Send one notification email; a mail server that is down is logged, not raised (the in-app
    notification is the record)."""
    headers = {LOOP_HEADER: kind, "Auto-Submitted": "auto-generated"}  # RFC 3834: no auto-replies to us
    reply_to: list[str] = []
    if thread is not None:
        subject = f"[{thread.reference}] {subject}"
        reply_to = [thread.reply_to]
        domain = settings.BIMODAL_DESK_ADDRESS.rpartition("@")[2] or None
        headers["Message-ID"] = make_msgid(idstring=thread.reference, domain=domain)
        headers["In-Reply-To"] = thread.root_message_id
        headers["References"] = thread.root_message_id
    message = EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, recipients, reply_to=reply_to, headers=headers
    )
    try:
        message.send()
    except Exception as exc:  # any failure of the mail server or the network: logged, the write stands
        log.warning("Could not send the email %r to %d recipient(s): %r", subject, len(recipients), exc)


def notify(
    *,
    recipients: Iterable[User | None],
    subject: str,
    kind: str,
    obj: models.Model | None = None,
    body: str = "",
    url: str = "",
    thread: MailThread | None = None,
) -> list[Notification]:
    """Tell people of something about `obj`: in the app (grouped with their unread notification of the
    same `kind` about the same object) and by each one's channel for the kind — an email when the
    transaction commits (threaded by `thread`: subject reference, Reply-To, References), the daily
    digest, or nothing more; a kind switched off adds nothing.

    Only active people who may view `obj` now are told."""
    people = sorted(
        {u.pk: u for u in recipients if u is not None and u.is_active}.values(), key=lambda u: u.pk
    )
    if obj is not None:
        people = [u for u in people if _may_view(u, obj)]
    channels = notification_channels(people, kind)
    subject = subject[:200]
    rows: list[Notification] = []
    emails: list[str] = []
    for user in people:  # in key order: one lock order for concurrent notifications
        channel = channels[user.pk]
        if channel == NotificationChannel.OFF:
            continue
        rows.append(
            _notification_put(
                user,
                kind=kind,
                obj=obj,
                subject=subject,
                body=body,
                url=url,
                digest=channel == NotificationChannel.DIGEST,
            )
        )
        if channel == NotificationChannel.EMAIL and user.email:
            emails.append(user.email)
    if emails:
        # A mail server that is down must not undo the write: the in-app notification is the record.
        text = f"{body}\n\n{absolute_url(url)}".strip()
        addresses = sorted(set(emails))
        transaction.on_commit(lambda: _email_send(subject, text, addresses, thread, kind))
    return rows


def _digest_text(rows: list[Notification], now: datetime) -> tuple[str, str]:
    """The subject and body of `user`'s digest, its times in the organisation's time zone."""
    day = timezone.localtime(now)
    lines = [f"Your notifications since the last digest ({len(rows)}):", ""]
    for row in rows:
        when = timezone.localtime(row.updated_at)
        times = f" (×{row.count})" if row.count > 1 else ""
        lines.append(f"- {when:%d %b %H:%M} {row.subject}{times}")
        if row.body:
            lines.append(f"  {row.body[:300]}")
        if row.url:
            lines.append(f"  {absolute_url(row.url)}")
    return f"Bimodal digest for {day:%d %b %Y}: {len(rows)} notification(s)", "\n".join(lines)


def notification_send_digests(*, now: datetime | None = None) -> int:
    """Send each person one email with the notifications queued for their digest since the last one,
    and clear the queue; returns how many emails. Each person's rows are locked and cleared in one
    transaction, so a second worker running at once sends nothing twice."""
    now = now or timezone.now()
    users = User.objects.filter(is_active=True, notifications__digest_pending=True).distinct().order_by("pk")
    sent = 0
    for user in users:
        with write():
            rows = list(
                Notification.objects.select_for_update()
                .filter(recipient=user, digest_pending=True)
                .order_by("updated_at", "pk")
            )
            if not rows:
                continue
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(digest_pending=False)
            if user.email:
                subject, text = _digest_text(rows, now)
                email = user.email
                transaction.on_commit(functools.partial(_email_send, subject, text, [email], None, "digest"))
                sent += 1
    return sent


# --- people's API tokens -------------------------------------------------------------------------------

API_TOKEN_PREFIX = "bmt"


def _may_manage_token(actor: Actor, user: User, perm: str) -> None:
    """A person manages their own tokens; someone else's need the model permission (None: the CLI)."""
    if actor is None or (getattr(actor, "pk", None) == user.pk and actor.is_authenticated):
        return
    require_perm(actor, perm)


@transaction.atomic
def api_token_create(
    *, user: User, actor: Actor, name: str = "", expires_at: datetime | NotGiven | None = UNSET
) -> tuple[ApiToken, str]:
    """A new API token for `user`; returns it and its key, which is shown this once and never stored.

    Expires after BIMODAL_API_TOKEN_DAYS unless `expires_at` is given (None: never)."""
    _may_manage_token(actor, user, "core.add_apitoken")
    if not user.is_active:
        raise ValidationError({"user": "The user is inactive."})
    if expires_at is UNSET:
        expires_at = timezone.now() + timedelta(days=settings.BIMODAL_API_TOKEN_DAYS)
    elif expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(4)
    key = f"{API_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(key),
        expires_at=expires_at,
        created_by=actor if isinstance(actor, User) else None,
    )
    create_audited(token, actor=actor, verb=AuditVerb.API_TOKEN_CREATE)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor, reason: str = "") -> ApiToken:
    """Revoke a token: its key no longer authenticates (the row stays, for the record)."""
    _may_manage_token(actor, token.user, "core.change_apitoken")
    if token.revoked_at is not None:
        return token
    return update_audited(
        token,
        actor=actor,
        fields={"revoked_at": timezone.now()},
        reason=reason,
        verb=AuditVerb.API_TOKEN_REVOKE,
    )

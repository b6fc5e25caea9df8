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
from datetime import datetime, timedelta
from typing import Any, Final, Literal, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import Actor, ApiToken, Notification, OrgUnit, Team, User
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
        raise PermissionDenied(f"You do not have permission {perm!r}.")


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


def notify(
    *, recipients: Iterable[User | None], subject: str, body: str = "", url: str = ""
) -> list[Notification]:
    """In-app notifications plus one email each, sent when the transaction commits."""
    people = {u.pk: u for u in recipients if u is not None and u.is_active}
    rows = Notification.objects.bulk_create(
        [Notification(recipient=u, subject=subject[:200], body=body, url=url) for u in people.values()]
    )
    emails = sorted({u.email for u in people.values() if u.email})
    if emails:
        # A mail server that is down must not undo the write: the in-app notification is the record.
        transaction.on_commit(
            lambda: send_mail(
                subject, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, emails, fail_silently=True
            )
        )
    return rows


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

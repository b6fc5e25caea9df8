"""The audit log: `record()` appends a hash-chained entry inside the caller's transaction; `verify()` checks it."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from bimodal.core import db
from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditChainHead, AuditEntry
from bimodal.core.verbs import AuditVerb

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from bimodal.core.models import User

GENESIS_HASH = "0" * 64
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("bimodal_request_id", default="")


class _BatchState(TypedDict):
    pending: list[AuditEntry]  # entries recorded in the batch, chained when it ends
    rows: list[list[models.Model]]  # rows given to add_rows(), written with them
    depth: int  # how many writes nested in the outermost one are running


_batch: contextvars.ContextVar[_BatchState | None] = contextvars.ContextVar(
    "bimodal_audit_batch", default=None
)


class Snapshot(dict[str, Any]):
    """A dict already normalised by to_json (a snapshot): record() does not normalise it again. Values
    set on it later (item assignment, update) are normalised as they are set."""

    def __setitem__(self, key: str, value: object) -> None:
        super().__setitem__(key, to_json(value))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


def to_json(value: object) -> Any:
    """Normalise a value to what a JSON column gives back (dates as ISO text, decimals as text)."""
    if isinstance(value, Snapshot):
        return value
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: models.Model, *, m2m: dict[str, Iterable[Any]] | None = None) -> Snapshot:
    """The object's concrete fields and many-to-many ids as JSON-ready data (`m2m`: ids already known)."""
    data: dict[str, object] = {}
    for field in obj._meta.concrete_fields:
        # auto_now fields change on every save: recording them would make a no-op update look like a change.
        if getattr(field, "auto_now", False):
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, models.DecimalField) and isinstance(value, Decimal) and value.is_finite():
            # As the column stores it: 99.9 and 99.900 are the same value, not a change.
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        data[field.attname] = value
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            if m2m is not None and field.name in m2m:
                data[field.name] = sorted(m2m[field.name])
            else:
                data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return Snapshot(to_json(data))


def audit_key() -> bytes:
    """The key of the chain's HMAC: BIMODAL_AUDIT_KEY, or one derived from SECRET_KEY when that is empty.
    It lives outside the database, so a copy of the database alone cannot be re-chained after an edit."""
    configured = getattr(settings, "BIMODAL_AUDIT_KEY", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(b"bimodal-audit-chain:" + settings.SECRET_KEY.encode()).digest()


def canonical(entry: Any) -> bytes:
    """The entry's canonical JSON, including the previous hash. The timestamp counts to the millisecond,
    as JSON serialisation keeps it: a dumpdata/loaddata copy verifies."""
    payload = {
        "seq": entry.seq,
        "timestamp": entry.timestamp.astimezone(UTC).isoformat(timespec="milliseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "verb": entry.verb,
        "content_type_id": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _digest(entry: Any, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the entry's canonical JSON under the audit key."""
    return hmac.new(key or audit_key(), canonical(entry), hashlib.sha256).hexdigest()


_VERBS = frozenset(AuditVerb)
_ACTIONS = frozenset(AuditAction.values)  # the property builds its list on every read


def record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    verb: AuditVerb | str,
) -> AuditEntry:
    """Append an audit entry for `obj`; must run inside the transaction of the write it records. The verb
    must be one of `AuditVerb` (core/verbs.py)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the write's transaction")
    if action not in _ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if verb not in _VERBS:
        raise ValueError(f"unknown audit verb {verb!r}: add it to core/verbs.py")
    user = cast("User | None", actor if getattr(actor, "is_authenticated", False) else None)
    entry = AuditEntry(
        timestamp=timezone.now(),
        actor=user,
        actor_label=user.get_username() if user else "system",
        action=action,
        verb=str(verb),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        before=to_json(before) if before is not None else None,
        after=to_json(after) if after is not None else None,
        reason=reason,
        request_id=current_request_id.get(),
    )
    state = _batch.get()
    if state is not None:
        # Inside batch(): chained and written when the batch ends, so the head is locked only briefly.
        state["pending"].append(entry)
        return entry
    head = _lock_head()
    _chain(entry, head)
    entry.save()
    AuditChainHead.objects.filter(pk=1).update(seq=head.seq, last_hash=head.last_hash)
    return entry


def _chain(entry: AuditEntry, head: AuditChainHead) -> None:
    """Give `entry` the next sequence number and link it to the head; move the (locked) head to it."""
    entry.seq = head.seq + 1
    entry.prev_hash = head.last_hash
    entry.hash = _digest(entry)
    head.seq, head.last_hash = entry.seq, entry.hash


_head = db.CompiledQuery(
    lambda stand: (
        AuditChainHead.objects.select_for_update().filter(pk=1).values_list(*db.columns(AuditChainHead))
    ),
    {},
)


def _lock_head() -> AuditChainHead:
    """The chain head, locked so that concurrent writers append one after the other."""
    rows = _head.rows()
    head = db.instance(AuditChainHead, _head.using, rows[0]) if rows else None
    if head is None:
        head = AuditChainHead.objects.create(pk=1, seq=0, last_hash=GENESIS_HASH)
    return head


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Several entries in one transaction, chained at the end: the head is locked only then, last.

    Every write transaction runs in one (core.services.transactional / write): the chain head is the
    last lock a transaction takes, so a transaction holding it waits for nothing but its commit and can
    never be part of a deadlock (docs/architecture.md, "Locks"). A nested batch joins the outer one; if
    it ends with an error, the entries it recorded are dropped with its savepoint.

    record() inside a batch collects its entry; when the batch ends the head is locked, the entries are
    chained in order (exactly as without a batch) and inserted in one statement, together with the
    new rows given to add_rows() (PostgreSQL). Concurrent writers therefore wait for each other only
    from that point to their commit, not for their whole transaction. Use it as the whole of an atomic
    block (`with transaction.atomic(), audit.batch():`) and do not catch errors inside it: an error
    leaving the batch marks the transaction for rollback."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.batch() must run inside the write's transaction")
    outer = _batch.get()
    if outer is not None:  # already batching: the outer batch locks the head, last
        marks = len(outer["pending"]), len(outer["rows"])
        outer["depth"] += 1
        try:
            yield
        except BaseException:
            # The inner write failed (its savepoint rolls back): its entries and rows go with it.
            del outer["pending"][marks[0] :], outer["rows"][marks[1] :]
            raise
        finally:
            outer["depth"] -= 1
        return
    state: _BatchState = {"pending": [], "rows": [], "depth": 0}
    token = _batch.set(state)
    try:
        yield
    except BaseException:
        transaction.set_rollback(True)
        raise
    finally:
        _batch.reset(token)
    if state["pending"] or state["rows"]:
        head = _lock_head()
        for entry in state["pending"]:
            _chain(entry, head)
        _write(state["rows"], state["pending"], head)


def add_rows(objs: Sequence[models.Model]) -> None:
    """Insert new rows (of one model) as they stand, without save() — prepare them first with
    db.prepare_insert().

    Inside a batch on PostgreSQL they are written with the batch's entries, in its final statement:
    one round trip for a request that only inserts. They are then not in the database before the
    batch ends (nothing in the batch may read them back) and what they hold when it ends is written;
    rows that refer to each other need their ids first (db.allocate_ids). Otherwise they are
    inserted now, in one statement, and take their ids from it."""
    if not objs:
        return
    state = _batch.get()
    connection = transaction.get_connection(objs[0].__class__._default_manager.db)
    # Deferred only in the outermost write: a write nested in a longer one (an import, the demo loader)
    # may be followed by code of that one that reads the rows back, so they are inserted now.
    if state is not None and connection.vendor == "postgresql" and not state["depth"]:
        state["rows"].append(list(objs))
        return
    _insert_now(connection, list(objs))


def is_pending(obj: models.Model) -> bool:
    """Whether `obj` was given to add_rows() in the current batch and is not written yet."""
    state = _batch.get()
    return state is not None and any(obj is row for rows in state["rows"] for row in rows)


def _insert_now(connection: BaseDatabaseWrapper, objs: Sequence[models.Model]) -> None:
    db.insert_rows(connection, objs)  # in statements the database takes (a bulk write's 100,000 entries)


def _saved(connection: BaseDatabaseWrapper, objs: Sequence[models.Model], ids: Iterable[Any]) -> None:
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def _write(rows: list[list[models.Model]], entries: list[AuditEntry], head: AuditChainHead) -> None:
    """Insert the batch's rows and chained entries and move the head: on PostgreSQL in one statement
    (data-modifying WITH clauses; Django's foreign keys are checked at commit). Elsewhere there are no
    rows (add_rows inserted them at once): the entries, then the head."""
    connection = transaction.get_connection(AuditEntry.objects.db)
    if connection.vendor != "postgresql":
        if entries:
            _insert_now(connection, entries)
        AuditChainHead.objects.filter(pk=1).update(seq=head.seq, last_hash=head.last_hash)
        return
    parts: list[str] = []
    params: list[Any] = []
    for i, objs in enumerate(rows):
        sql, values = db.recordset_insert(connection, objs)
        parts.append(f"r{i} AS ({sql})")
        params += values
    if entries:
        sql, values = db.recordset_insert(connection, entries, returning=True)
        parts.append(f"entries AS ({sql})")
        params += values
    quote = connection.ops.quote_name
    table = quote(AuditChainHead._meta.db_table)
    parts.append(f"head AS (UPDATE {table} SET {quote('seq')} = %s, {quote('last_hash')} = %s WHERE id = 1)")
    params += [head.seq, head.last_hash]
    select = "SELECT id FROM entries ORDER BY id" if entries else "SELECT 1"
    with db.prepared_cursor(connection) as cursor:  # the same few shapes again and again
        cursor.execute(f"WITH {', '.join(parts)} {select}", params)
        ids = [r[0] for r in cursor.fetchall()]
    for objs in rows:
        _saved(connection, objs, [o.pk for o in objs])
    if entries:
        _saved(connection, entries, ids)


@dataclass(frozen=True)
class ChainProblem:
    """One place where the audit chain does not hold."""

    seq: int
    message: str


def verify(chunk_size: int = 2000) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain; return (entries checked, problems found)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    key = audit_key()
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        checked += 1
        if entry.seq != expected_seq:
            problems.append(ChainProblem(entry.seq, f"sequence gap: expected #{expected_seq}"))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.seq, "previous-hash link broken (an entry was removed)"))
        if not hmac.compare_digest(_digest(entry, key), entry.hash):
            problems.append(ChainProblem(entry.seq, "content does not match its hash (entry was edited)"))
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != expected_prev):
        problems.append(
            ChainProblem(head.seq, "chain head does not match the last entry (entries truncated)")
        )
    return checked, problems


# --- checkpoints: the head, signed, kept outside the database -------------------------------------------

_CHECKPOINT_FIELDS = ("head_seq", "head_hash", "count", "time")


def _sign(fields: dict[str, Any]) -> str:
    body = json.dumps({k: fields[k] for k in _CHECKPOINT_FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(audit_key(), b"checkpoint:" + body.encode(), hashlib.sha256).hexdigest()


def checkpoint() -> dict[str, Any]:
    """A signed statement of the chain's current end (head entry and hash, number of entries, time):
    store it outside the database; `verify_checkpoint` later shows whether the log was cut back or
    rewritten up to that point."""
    with transaction.atomic():
        head = AuditChainHead.objects.filter(pk=1).first()
        seq, last_hash = (head.seq, head.last_hash) if head else (0, GENESIS_HASH)
        count = AuditEntry.objects.filter(seq__lte=seq).count()
    fields: dict[str, Any] = {
        "head_seq": seq,
        "head_hash": last_hash,
        "count": count,
        "time": timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
    }
    return {**fields, "signature": _sign(fields)}


def verify_checkpoint(point: dict[str, Any]) -> list[ChainProblem]:
    """Problems between a checkpoint and the log: a forged checkpoint, entries removed from the end
    (truncation) or the chain rewritten and recomputed (the hash at the checkpoint differs)."""
    try:
        fields = {k: point[k] for k in _CHECKPOINT_FIELDS}
        signature = str(point["signature"])
        seq = int(fields["head_seq"])
    except (KeyError, TypeError, ValueError):
        return [ChainProblem(0, "the checkpoint is not a Bimodal audit checkpoint")]
    if not hmac.compare_digest(_sign(fields), signature):
        return [ChainProblem(seq, "the checkpoint's signature does not match (forged, or another key)")]
    if seq == 0:
        return []
    problems: list[ChainProblem] = []
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        problems.append(ChainProblem(seq, "the checkpoint's head entry is missing (the log was cut back)"))
    elif not hmac.compare_digest(entry.hash, str(fields["head_hash"])):
        problems.append(ChainProblem(seq, "the hash at the checkpoint differs (the chain was rewritten)"))
    count = AuditEntry.objects.filter(seq__lte=seq).count()
    if count != fields["count"]:
        problems.append(
            ChainProblem(seq, f"{count} entries up to the checkpoint, it recorded {fields['count']}")
        )
    return problems


def maintenance(connection: BaseDatabaseWrapper) -> None:
    """Allow UPDATE/DELETE of audit rows for the rest of the current transaction (PostgreSQL's trigger
    refuses them otherwise). For repairs by an operator and test clean-up only; nothing in the product
    calls it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('bimodal.audit_maintenance', 'on', true)")

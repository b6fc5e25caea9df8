"""The audit log: `record()` appends a hash-chained entry inside the caller's transaction; `verify()` checks it."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("bimodal_request_id", default="")
_batch: contextvars.ContextVar[dict | None] = contextvars.ContextVar("bimodal_audit_batch", default=None)


def to_json(value) -> object:
    """Normalise a value to what a JSON column gives back (dates as ISO text, decimals as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: models.Model, *, m2m: dict | None = None) -> dict:
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
    return to_json(data)


def _digest(entry: AuditEntry) -> str:
    """SHA-256 over the entry's canonical JSON, including the previous hash."""
    payload = {
        "seq": entry.seq,
        "timestamp": entry.timestamp.astimezone(UTC).isoformat(),
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
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    verb: str = "",
) -> AuditEntry:
    """Append an audit entry for `obj`; must run inside the transaction of the write it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the write's transaction")
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        timestamp=timezone.now(),
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        action=action,
        verb=verb,
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


def _lock_head() -> AuditChainHead:
    """The chain head, locked so that concurrent writers append one after the other."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1, seq=0, last_hash=GENESIS_HASH)
    return head


@contextlib.contextmanager
def batch():
    """Several entries in one transaction, chained at the end: the head is locked only then.

    record() inside a batch collects its entry; when the batch ends the head is locked, the entries are
    chained in order (exactly as without a batch) and inserted in one statement. Concurrent writers
    therefore wait for each other only from that point to their commit, not for their whole
    transaction. Use it as the whole of an atomic block (`with transaction.atomic(), audit.batch():`)
    and do not catch errors inside it: an error leaving the batch marks the transaction for rollback."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.batch() must run inside the write's transaction")
    if _batch.get() is not None:  # already batching: the outer batch writes the head
        yield
        return
    state: dict = {"pending": []}
    token = _batch.set(state)
    try:
        yield
    except BaseException:
        transaction.set_rollback(True)
        raise
    finally:
        _batch.reset(token)
    if state["pending"]:
        head = _lock_head()
        for entry in state["pending"]:
            _chain(entry, head)
        _insert_entries(state["pending"])
        AuditChainHead.objects.filter(pk=1).update(seq=head.seq, last_hash=head.last_hash)


def _insert_entries(entries: list[AuditEntry]) -> None:
    """Insert chained entries in one multi-row INSERT.

    Not bulk_create: on PostgreSQL it sends each column as an array (INSERT … SELECT FROM UNNEST), and
    quoting the JSON before/after snapshots into array literals costs more than the whole statement."""
    connection = transaction.get_connection(AuditEntry.objects.db)
    meta = AuditEntry._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * len(entries))}"
    )
    returning = connection.features.can_return_rows_from_bulk_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    params = [f.get_db_prep_save(getattr(e, f.attname), connection) for e in entries for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [r[0] for r in cursor.fetchall()] if returning else [None] * len(entries)
    for entry, pk in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding, entry._state.db = False, connection.alias


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
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        checked += 1
        if entry.seq != expected_seq:
            problems.append(ChainProblem(entry.seq, f"sequence gap: expected #{expected_seq}"))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.seq, "previous-hash link broken (an entry was removed)"))
        if _digest(entry) != entry.hash:
            problems.append(ChainProblem(entry.seq, "content does not match its hash (entry was edited)"))
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != expected_prev):
        problems.append(
            ChainProblem(head.seq, "chain head does not match the last entry (entries truncated)")
        )
    return checked, problems

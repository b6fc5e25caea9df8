"""SLA clocks, the state machine of each ticket's clocks: start, pause, resume, stop, re-match, the
suppliers' contracted clocks while they hold a ticket (SIAM hand-offs), the periodic check and escalations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.calendars import Timeline
from bimodal.core.choices import AuditAction, NotificationKind
from bimodal.core.models import Actor, Team, User
from bimodal.core.services import (
    lock,
    notify,
    transactional,
    write,
)
from bimodal.core.verbs import AuditVerb
from bimodal.servicedesk import hooks, sla
from bimodal.servicedesk.choices import (
    DONE_STATUSES,
    RESPONDED_STATUSES,
    SlaState,
    SlaTarget,
    TicketStatus,
)
from bimodal.servicedesk.models import (
    SlaDefinition,
    SlaEscalation,
    SlaInstance,
    SlaPause,
    Ticket,
    TicketHandoff,
)
from bimodal.servicedesk.services.base import (
    PRIORITY_UP,
    _event,
    ticket_thread,
)

# --- SLA clocks ----------------------------------------------------------------------------------------


def _definitions() -> QuerySet[SlaDefinition]:
    """The end-to-end definitions (a supplier contract's definitions are matched only for its clocks)."""
    return SlaDefinition.objects.filter(active=True, contract_target__isnull=True).select_related("schedule")


def sla_start(*, ticket: Ticket, now: datetime) -> list[SlaInstance]:
    """Start the clocks of the definitions that match a new ticket (paused at once in a pause status)."""
    out = []
    for target, definition in sla.match_definitions(ticket, _definitions()).items():
        instance = SlaInstance(
            ticket=ticket, definition=definition, target=target, started_at=now, running_since=now
        )
        instance.due_at = sla.due_from(instance)
        instance.save()
        if ticket.status in definition.pause_statuses:
            _pause(instance, now=now, reason=ticket.status)
        out.append(instance)
    return out


def _pause(instance: SlaInstance, *, now: datetime, reason: str) -> None:
    instance.elapsed_seconds = sla.elapsed_seconds(instance, now)
    instance.running_since = None
    instance.due_at = None
    instance.state = SlaState.PAUSED
    instance.computed_at, instance.computed_elapsed = now, instance.elapsed_seconds
    instance.save()
    SlaPause.objects.create(instance=instance, started_at=now, reason=reason)


def _resume(instance: SlaInstance, *, now: datetime) -> None:
    SlaPause.objects.filter(instance=instance, ended_at__isnull=True).update(ended_at=now)
    instance.running_since = now
    instance.due_at = sla.due_from(instance)
    over = instance.elapsed_seconds > instance.definition.target_seconds
    instance.state = SlaState.BREACHED if over else SlaState.RUNNING
    instance.save()


def _stop(instance: SlaInstance, *, now: datetime, cancelled: bool = False) -> None:
    elapsed = sla.elapsed_seconds(instance, now)
    SlaPause.objects.filter(instance=instance, ended_at__isnull=True).update(ended_at=now)
    instance.elapsed_seconds = instance.computed_elapsed = elapsed
    instance.computed_at = instance.stopped_at = now
    instance.running_since = None
    if cancelled:
        instance.state = SlaState.CANCELLED
    elif elapsed <= instance.definition.target_seconds:
        instance.state = SlaState.MET
    else:
        instance.state = SlaState.BREACHED
        instance.breached_at = instance.breached_at or instance.due_at
    instance.save()
    if not cancelled:
        whose = f"{instance.supplier} " if instance.supplier_id else ""
        _event(
            instance.ticket,
            "sla",
            f"{whose}{instance.get_target_display()} SLA {instance.get_state_display().lower()} ({sla.format_duration(elapsed)})",
            at=now,
        )


def sla_on_status(*, ticket: Ticket, old: str, new: str, now: datetime) -> None:
    """Keep a ticket's clocks in step with a status change: stop, pause, resume or restart."""
    holder = _holder_supplier(ticket)
    for instance in ticket.sla_instances.select_related("definition__schedule", "supplier"):
        if instance.supplier_id:
            _supplier_clock_on_status(
                instance, holds=instance.supplier_id == holder, old=old, new=new, now=now
            )
            continue
        pauses = instance.definition.pause_statuses
        stopped = instance.stopped_at is not None
        if new == TicketStatus.CANCELLED and not stopped:
            _stop(instance, now=now, cancelled=True)
        elif instance.target == SlaTarget.RESPONSE:
            if not stopped and new in RESPONDED_STATUSES:
                _stop(instance, now=now)
            elif not stopped and new in pauses and instance.running_since is not None:
                _pause(instance, now=now, reason=new)
            elif not stopped and old in pauses and new not in pauses and instance.running_since is None:
                _resume(instance, now=now)
        elif new in {TicketStatus.RESOLVED, TicketStatus.CLOSED}:
            if not stopped:
                _stop(instance, now=now)
        elif stopped and old == TicketStatus.RESOLVED and instance.state != SlaState.CANCELLED:
            # Reopened: the clock picks up where it stopped.
            instance.stopped_at = None
            _resume(instance, now=now)
        elif not stopped and new in pauses and instance.running_since is not None:
            _pause(instance, now=now, reason=new)
        elif not stopped and new not in pauses and instance.running_since is None:
            _resume(instance, now=now)


def sla_rematch(*, ticket: Ticket, now: datetime) -> None:
    """After a priority change: move open clocks to the definition that now matches, keeping elapsed
    time. A moved clock is judged against its new target from then on: the warnings and breach it has
    already passed on the new target count as raised (a late response does not escalate twice), those
    it has not reached yet are raised again when it reaches them."""
    matched = sla.match_definitions(ticket, _definitions())
    by_contract: dict[int, dict[str, SlaDefinition]] = {}
    for instance in ticket.sla_instances.select_related(
        "definition__schedule", "definition__contract_target"
    ):
        if instance.supplier_id:
            contract_id = instance.definition.contract_target.contract_id
            if contract_id not in by_contract:
                by_contract[contract_id] = sla.match_definitions(ticket, _contract_definitions(contract_id))
            definition = by_contract[contract_id].get(instance.target)
        else:
            definition = matched.get(instance.target)
        if instance.stopped_at is not None or definition is None or definition.pk == instance.definition_id:
            continue
        running = instance.running_since is not None
        if running:
            instance.elapsed_seconds = sla.elapsed_seconds(instance, now)
        instance.definition = definition
        over = instance.elapsed_seconds > definition.target_seconds
        instance.computed_at, instance.computed_elapsed = now, instance.elapsed_seconds
        if not over:
            instance.breached_at = None
        if running:
            instance.running_since = now
            instance.due_at = sla.due_from(instance)
            instance.state = SlaState.BREACHED if over else SlaState.RUNNING
        instance.save()
        _escalations_retarget(instance, now=now)
        _event(
            ticket,
            "sla",
            f"{instance.get_target_display()} SLA now {definition.name} "
            f"({sla.format_duration(instance.elapsed_seconds)} of {sla.format_duration(definition.target_seconds)})",
            at=now,
        )


def _escalations_retarget(instance: SlaInstance, *, now: datetime) -> None:
    """The escalations of a clock moved to another definition. Warnings it has passed on the new target
    count as raised (no late burst of warnings); a breach raised before stays raised while the clock is
    over the new target, and is raised (once) if it is over and none was; what it has not reached on the
    new target is raised again when it gets there."""
    definition = instance.definition
    pct = sla.percent_used(instance.elapsed_seconds, definition.target_seconds)
    passed = {t for t in {*definition.warning_thresholds, 100} if pct >= t}
    instance.escalations.exclude(threshold__in=passed).delete()
    have = set(instance.escalations.values_list("threshold", flat=True))
    SlaEscalation.objects.bulk_create(
        [SlaEscalation(instance=instance, threshold=t, created_at=now) for t in sorted(passed - have - {100})]
    )
    # The check looks above this mark only: a breach passed but not raised stays below it, so the next
    # check raises it.
    instance.raised_threshold = _raised_up_to(
        sorted({*definition.warning_thresholds, 100}), have | (passed - {100})
    )
    SlaInstance.objects.filter(pk=instance.pk).update(raised_threshold=instance.raised_threshold)


# --- hand-offs between parties and the suppliers' contracted clocks (SIAM) ---------------------------


def _holder_supplier(ticket: Ticket) -> int | None:
    """The supplier whose queue holds the ticket now (None: an internal team or nobody)."""
    if not ticket.assignment_group_id:
        return None
    return Team.objects.filter(pk=ticket.assignment_group_id).values_list("supplier_id", flat=True).first()


def _contract_definitions(contract_id: int) -> QuerySet[SlaDefinition]:
    return SlaDefinition.objects.filter(active=True, contract_target__contract_id=contract_id).select_related(
        "schedule"
    )


def _check_supplier_cover(ticket: Ticket, group: Team, *, at: datetime) -> None:
    """A supplier queue takes only tickets its supplier is contracted for (once it has contracts)."""
    if not group.supplier_id:
        return
    if not hooks.supplier_has_contracts(group.supplier_id):
        return
    if hooks.covering_contract(supplier_id=group.supplier_id, ticket=ticket, on=at) is None:
        raise ValidationError(
            {"group": f"{group.supplier} has no current contract covering {ticket.service}."}
        )


def _handoff(
    ticket: Ticket,
    *,
    old_group: Team | None,
    new_group: Team,
    actor: Actor,
    now: datetime,
    reason: str = "",
) -> TicketHandoff:
    """Record the ticket passing between parties and move the suppliers' contracted clocks with it."""
    handoff = TicketHandoff.objects.create(
        ticket=ticket,
        at=now,
        actor=actor if isinstance(actor, User) else None,
        from_team=old_group,
        to_team=new_group,
        from_supplier_id=old_group.supplier_id if old_group else None,
        to_supplier_id=new_group.supplier_id,
        reason=reason[:200],
    )
    old_supplier = old_group.supplier_id if old_group else None
    if old_supplier != new_group.supplier_id:
        if old_supplier:
            sla_supplier_release(ticket=ticket, supplier_id=old_supplier, now=now)
        if new_group.supplier_id:
            sla_supplier_hold(ticket=ticket, supplier_id=new_group.supplier_id, now=now)
    return handoff


def sla_supplier_hold(*, ticket: Ticket, supplier_id: int, now: datetime) -> list[SlaInstance]:
    """The supplier takes the ticket: start its contracted clocks (or resume them if it held it before)."""
    if ticket.status in DONE_STATUSES:
        return []
    contract = hooks.covering_contract(supplier_id=supplier_id, ticket=ticket, on=now)
    existing = {
        i.target: i
        for i in ticket.sla_instances.filter(supplier_id=supplier_id).select_related("definition__schedule")
    }
    out = []
    for instance in existing.values():
        if instance.stopped_at is None and instance.running_since is None:
            if ticket.status not in instance.definition.pause_statuses:
                _resume(instance, now=now)
            out.append(instance)
    if contract is None:
        return out
    for target, definition in sla.match_definitions(ticket, _contract_definitions(contract.pk)).items():
        if target in existing:
            continue
        instance = SlaInstance(
            ticket=ticket,
            definition=definition,
            target=target,
            started_at=now,
            running_since=now,
            supplier_id=supplier_id,
        )
        instance.due_at = sla.due_from(instance)
        instance.save()
        if ticket.status in definition.pause_statuses:
            _pause(instance, now=now, reason=ticket.status)
        out.append(instance)
    return out


def sla_supplier_release(*, ticket: Ticket, supplier_id: int, now: datetime) -> None:
    """The supplier hands the ticket on: its clocks stand still until it holds the ticket again."""
    for instance in ticket.sla_instances.filter(
        supplier_id=supplier_id, stopped_at__isnull=True, running_since__isnull=False
    ).select_related("definition__schedule"):
        _pause(instance, now=now, reason="handed_off")


def sla_supplier_accept(*, ticket: Ticket, supplier_id: int, now: datetime) -> None:
    """A supplier agent took the ticket on (assigned to a person in the queue): its response clock stops."""
    for instance in ticket.sla_instances.filter(
        supplier_id=supplier_id, target=SlaTarget.RESPONSE, stopped_at__isnull=True
    ).select_related("definition__schedule", "supplier"):
        _stop(instance, now=now)


def _supplier_clock_on_status(
    instance: SlaInstance, *, holds: bool, old: str, new: str, now: datetime
) -> None:
    """A supplier's clock follows the status only while the supplier holds the ticket.

    Resolved while another party holds it: the clock is cancelled (not the supplier's to resolve) unless
    the supplier had already run past its target, which stays a breach."""
    pauses = instance.definition.pause_statuses
    stopped = instance.stopped_at is not None
    running = instance.running_since is not None
    if new == TicketStatus.CANCELLED:
        if not stopped:
            _stop(instance, now=now, cancelled=True)
    elif new in {TicketStatus.RESOLVED, TicketStatus.CLOSED}:
        if not stopped:
            over = sla.elapsed_seconds(instance, now) > instance.definition.target_seconds
            _stop(instance, now=now, cancelled=not holds and not over)
    elif instance.target == SlaTarget.RESPONSE and not stopped and holds and new in RESPONDED_STATUSES:
        _stop(instance, now=now)
    elif (
        stopped
        and holds
        and old == TicketStatus.RESOLVED
        and instance.target == SlaTarget.RESOLUTION
        and instance.state != SlaState.CANCELLED
    ):
        instance.stopped_at = None
        _resume(instance, now=now)
    elif not stopped and running and new in pauses:
        _pause(instance, now=now, reason=new)
    elif not stopped and not running and holds and new not in pauses:
        _resume(instance, now=now)


def _raise_priority(ticket: Ticket, *, now: datetime) -> Ticket:
    """One step up from the priority the ticket has now (its row locked), logged once, and its clocks
    re-matched to the new priority's definitions."""
    current = lock(ticket)
    if current.priority not in PRIORITY_UP:
        return current
    old, new = current.priority, PRIORITY_UP[current.priority]
    Ticket.objects.filter(pk=current.pk).update(priority=new)
    current.priority = new
    _event(current, "priority", f"Priority {old} → {new} on breach", at=now)
    sla_rematch(ticket=current, now=now)
    return current


# Rows per UPDATE of the check: the statement's text is the same whatever the batch (arrays or one JSON
# parameter), so PostgreSQL and psycopg reuse it; 10,000 rows keep each statement well under a second.
CHECK_BATCH = 10_000


Clock = tuple[int, int, int, float, float, bool, str, int]


def _running_clocks() -> list[Clock]:
    """(id, definition, running_since in epoch µs, banked, last computed, state is running, running_since as
    stored, highest escalation raised) of every running clock, in one SELECT of just these columns."""
    table = connection.ops.quote_name(SlaInstance._meta.db_table)
    where = "WHERE running_since IS NOT NULL AND stopped_at IS NULL"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id, definition_id, (EXTRACT(EPOCH FROM running_since) * 1000000)::bigint, "
                f"elapsed_seconds, computed_elapsed, state = %s, '', raised_threshold FROM {table} {where}",
                [SlaState.RUNNING],
            )
            rows: list[Clock] = cursor.fetchall()
            return rows
        # Other databases store the instant as text: read it as stored (the guard of the UPDATE compares
        # it) and parse it here.
        cursor.execute(
            f"SELECT id, definition_id, running_since || '', elapsed_seconds, computed_elapsed, state = %s, "
            f"raised_threshold FROM {table} {where}",
            [SlaState.RUNNING],
        )
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        micro = timedelta(microseconds=1)
        return [
            (
                pk,
                d,
                (datetime.fromisoformat(since).replace(tzinfo=UTC) - epoch) // micro,
                banked,
                last,
                bool(run),
                since,
                raised,
            )
            for pk, d, since, banked, last, run, raised in cursor.fetchall()
        ]


def _array(values: np.ndarray) -> str:
    """A PostgreSQL array literal ('{1,2,3}'): psycopg would check each element of a list in Python."""
    return "{" + ",".join(map(str, values.tolist())) + "}"


def _write_computed(
    ids: np.ndarray,
    elapsed: np.ndarray,
    breach: np.ndarray,
    since: np.ndarray,
    stored: list[str],
    *,
    now: datetime,
) -> int:
    """Write the recomputed clocks (id, elapsed, breached now, running_since in µs and as stored) in
    batches of one statement each; return how many breached. A clock paused, stopped or moved since it was
    read (its running_since changed) is left alone, and on PostgreSQL so is a clock whose row another
    transaction holds for longer than CHECK_LOCK_TIMEOUT (then SKIP LOCKED): the check does not keep a
    request waiting, and the next run picks those clocks up."""
    table = connection.ops.quote_name(SlaInstance._meta.db_table)
    running, breached = SlaState.RUNNING, SlaState.BREACHED
    sets = (
        "computed_elapsed = v.elapsed, computed_at = %s, "
        "state = CASE WHEN v.breach AND i.state = %s THEN %s ELSE i.state END, "
        "breached_at = CASE WHEN v.breach AND i.state = %s THEN i.due_at ELSE i.breached_at END"
    )
    breached_now = 0
    with connection.cursor() as cursor, _lock_timeout(cursor):
        for first in range(0, len(ids), CHECK_BATCH):
            part = slice(first, first + CHECK_BATCH)
            if connection.vendor == "postgresql":
                params = [
                    *map(_array, (ids[part], elapsed[part], breach[part], since[part])),
                    *(now, running, breached, running),
                ]
                breached_now += _write_batch_postgresql(cursor, table, sets, params)
            else:
                batch = zip(
                    ids[part].tolist(),
                    elapsed[part].tolist(),
                    breach[part].tolist(),
                    stored[part],
                    strict=True,
                )
                data = json.dumps(list(batch))
                cursor.execute(
                    f"UPDATE {table} AS i SET {sets} FROM (SELECT json_extract(value, '$[0]') AS id, "
                    "json_extract(value, '$[1]') AS elapsed, json_extract(value, '$[2]') AS breach, "
                    "json_extract(value, '$[3]') AS since FROM json_each(%s)) AS v "
                    "WHERE i.id = v.id AND i.stopped_at IS NULL AND i.running_since = v.since RETURNING id",
                    [now, running, breached, running, data],
                )
                breaching = set(ids[part][breach[part]].tolist())
                breached_now += sum(pk in breaching for (pk,) in cursor.fetchall())
    return breached_now


# How long a batch of the check waits for a clock row a request holds before it gives the batch up and
# writes it again skipping the rows held: far below PostgreSQL's deadlock_timeout (1 s), so the check is
# the one that yields, never a request.
CHECK_LOCK_TIMEOUT = "50ms"


def _write_batch_postgresql(cursor: CursorWrapper, table: str, sets: str, params: list[Any]) -> int:
    """One batch of the check's UPDATE on PostgreSQL; return how many clocks breached.

    Run on its own (autocommit, as the worker runs it, under CHECK_LOCK_TIMEOUT set by the caller): a
    plain UPDATE guarded on running_since as read. Locking every row first (SELECT … FOR UPDATE SKIP
    LOCKED) cost a third of the check's PostgreSQL time, for the rare batch that meets a row a request
    holds: only such a batch fails on the lock timeout (nothing written) and is written again skipping
    the rows held. Inside a caller's transaction, where a failed statement would abort it, the batch is
    written skipping held rows at once."""
    values = (
        "WITH v AS (SELECT * FROM unnest(%s::bigint[], %s::float8[], %s::boolean[], %s::bigint[]) "
        "AS v(id, elapsed, breach, since)), "
    )
    guard = "i.stopped_at IS NULL AND i.running_since = to_timestamp(0) + v.since * interval '1 microsecond'"
    count = "RETURNING v.breach) SELECT count(*) FILTER (WHERE breach) FROM u"
    if not connection.in_atomic_block:
        try:
            cursor.execute(
                f"{values}u AS (UPDATE {table} AS i SET {sets} FROM v WHERE i.id = v.id AND {guard} {count}",
                params,
            )
            written: int = cursor.fetchone()[0]
            return written
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                raise
    cursor.execute(
        f"{values}l AS (SELECT i.id FROM {table} i JOIN v ON i.id = v.id WHERE {guard} "
        "FOR UPDATE OF i SKIP LOCKED), "
        f"u AS (UPDATE {table} AS i SET {sets} FROM v, l WHERE i.id = v.id AND i.id = l.id {count}",
        params,
    )
    skipped: int = cursor.fetchone()[0]
    return skipped


@contextmanager
def _lock_timeout(cursor: CursorWrapper) -> Iterator[None]:
    """CHECK_LOCK_TIMEOUT for the check's batches run on their own (autocommit), restored after."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    cursor.execute(
        "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, false)", [CHECK_LOCK_TIMEOUT]
    )
    previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [previous])


def _candidates(
    pk: np.ndarray,
    defs: np.ndarray,
    pct: np.ndarray,
    raised: np.ndarray,
    definitions: dict[int, SlaDefinition],
) -> list[tuple[int, int, int, int]]:
    """(clock, definition, threshold, target seconds) of the thresholds each clock has reached above the
    highest it had raised: the only escalations that can be due. A small margin keeps it a superset of what
    the database's own arithmetic finds (the anti-join decides)."""
    out: list[tuple[int, int, int, int]] = []
    for d in definitions.values():
        mask = defs == d.pk
        for threshold in sorted({*d.warning_thresholds, 100}):
            hit = np.flatnonzero(mask & (raised < threshold) & (pct >= threshold - 1e-6))
            out.extend((clock, d.pk, threshold, d.target_seconds) for clock in pk[hit].tolist())
    return out


def _due_escalations(candidates: list[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    """(clock id, threshold) of the candidate warnings and breaches that running clocks have reached and
    that were never raised, in the clocks' order: one statement, an index look-up per candidate."""
    if not candidates:
        return []
    table = connection.ops.quote_name(SlaInstance._meta.db_table)
    raised = connection.ops.quote_name(SlaEscalation._meta.db_table)
    columns = list(zip(*candidates, strict=True))
    if connection.vendor == "postgresql":
        source = (
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::bigint[]) "
            "AS v(id, def, threshold, target)"
        )
        params: list[Any] = [_array(np.asarray(c)) for c in columns]
    else:
        source = (
            "SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS def, "
            "json_extract(value, '$[2]') AS threshold, json_extract(value, '$[3]') AS target "
            "FROM json_each(%s)"
        )
        params = [json.dumps(candidates)]
    with connection.cursor() as cursor:
        # The same float arithmetic as sla.percent_used(), so a clock at exactly a threshold is due; the
        # clock's definition as read (a clock moved meanwhile waits for the next run).
        cursor.execute(
            f"WITH v AS ({source}) "
            f"SELECT i.id, v.threshold FROM v JOIN {table} i ON i.id = v.id AND i.definition_id = v.def "
            "WHERE i.running_since IS NOT NULL AND i.stopped_at IS NULL "
            "AND CASE WHEN v.target = 0 THEN 100.0 "
            "ELSE 100.0 * i.computed_elapsed / CAST(v.target AS DOUBLE PRECISION) END >= v.threshold "
            f"AND NOT EXISTS (SELECT 1 FROM {raised} e WHERE e.instance_id = i.id AND e.threshold = v.threshold) "
            "ORDER BY i.target, i.id, v.threshold",
            params,
        )
        due: list[tuple[int, int]] = cursor.fetchall()
        return due


def _raised_up_to(marks: list[int], have: set[int]) -> int:
    """The highest of a definition's thresholds up to which every one has been raised (0: none)."""
    top = 0
    for threshold in marks:
        if threshold not in have:
            break
        top = threshold
    return top


@transactional
def _record_raised(clocks: set[int]) -> None:
    """Bring the clocks' `raised_threshold` up to the escalations they now have: the highest threshold up
    to which every one of their definition's thresholds is raised. Rows a request holds are skipped (the
    check never waits; a value left low costs the next run a look-up, nothing more)."""
    ids = sorted(clocks)
    for first in range(0, len(ids), 5_000):
        locked = dict(
            SlaInstance.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=ids[first : first + 5_000])
            .values_list("pk", "definition_id")
        )
        have: dict[int, set[int]] = {}
        for clock, threshold in SlaEscalation.objects.filter(instance_id__in=list(locked)).values_list(
            "instance_id", "threshold"
        ):
            have.setdefault(clock, set()).add(threshold)
        marks = {
            d.pk: sorted({*d.warning_thresholds, 100})
            for d in SlaDefinition.objects.filter(pk__in=set(locked.values()))
        }
        by_value: dict[int, list[int]] = {}
        for clock, definition in locked.items():
            by_value.setdefault(_raised_up_to(marks[definition], have.get(clock, set())), []).append(clock)
        for value, members in by_value.items():
            SlaInstance.objects.filter(pk__in=members, raised_threshold__lt=value).update(
                raised_threshold=value
            )


def sla_check(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute every running clock and raise the warnings and breaches now due.

    Set-based: the running clocks' few columns in one SELECT, their elapsed time per schedule with the
    vectorised calendar, one UPDATE per batch of the clocks whose value changed; the escalations due
    looked up only for the clocks that reached a threshold above the highest they had raised (their
    `raised_threshold`), which are then loaded as objects, escalated, and their mark moved up."""
    now = now or timezone.now()
    rows = _running_clocks()
    if not rows:
        return {"running": 0, "breached": 0, "escalations": 0}
    pk_, def_ids, since_us, banked, last, is_running, stored, raised_ = zip(*rows, strict=True)
    pk = np.asarray(pk_, dtype=np.int64)
    defs = np.asarray(def_ids, dtype=np.int64)
    since = np.asarray(since_us, dtype=np.int64)
    definitions = {
        d.pk: d for d in SlaDefinition.objects.filter(pk__in=set(def_ids)).select_related("schedule")
    }
    computed = np.asarray(banked, dtype=np.float64)
    targets = np.zeros(len(rows), dtype=np.float64)
    by_schedule: dict[int, list[int]] = {}
    for d in definitions.values():
        by_schedule.setdefault(d.schedule_id, []).append(d.pk)
        targets[defs == d.pk] = d.target_seconds
    for members in by_schedule.values():
        mask = np.isin(defs, members)
        schedule = definitions[members[0]].schedule.as_schedule()
        starts = since[mask] / 1e6  # the float datetime.timestamp() gives for the same instant
        first = datetime.fromtimestamp(float(starts.min()), UTC)
        computed[mask] += Timeline(schedule, first, now).between(starts, now.timestamp())
    breach = np.asarray(is_running, dtype=bool) & (computed > targets)
    changed = np.flatnonzero((computed != np.asarray(last, dtype=np.float64)) | breach)
    breached = _write_computed(
        pk[changed],
        computed[changed],
        breach[changed],
        since[changed],
        [stored[k] for k in changed.tolist()] if connection.vendor != "postgresql" else [],
        now=now,
    )
    pct = np.divide(100.0 * computed, targets, out=np.full(len(rows), 100.0), where=targets != 0)
    candidates = _candidates(pk, defs, pct, np.asarray(raised_, dtype=np.int64), definitions)
    due = _due_escalations(candidates)
    clocks = SlaInstance.objects.select_related("definition__schedule", "ticket").in_bulk(
        {clock for clock, _ in due}
    )
    # A ticket's priority is raised by the first of its clocks to breach in this run only.
    lifted: set[int] = set()
    raised = 0
    for clock, threshold in due:
        instance = clocks[clock]
        escalation = sla_escalate(
            instance=instance, threshold=threshold, now=now, raise_priority=instance.ticket_id not in lifted
        )
        if escalation is not None and threshold >= 100 and instance.definition.raise_priority_on_breach:
            lifted.add(instance.ticket_id)
        raised += bool(escalation)
    if candidates:
        _record_raised({clock for clock, *_ in candidates})
    return {"running": len(rows), "breached": breached, "escalations": raised}


def sla_escalate(
    *, instance: SlaInstance, threshold: int, now: datetime | None = None, raise_priority: bool = True
) -> SlaEscalation | None:
    """Raise one warning (threshold %) or the breach (100) of a clock, at most once ever: the unique
    (instance, threshold) row is written in the same transaction as the notifications.

    A breach of a definition that raises the priority raises the ticket one step (`raise_priority`
    False: not again — the check raises a ticket once however many of its clocks breach together) and
    re-targets its running clocks to the definitions of the new priority, keeping their elapsed time."""
    now = now or timezone.now()
    ticket = instance.ticket
    definition = instance.definition
    try:
        with write():
            escalation = SlaEscalation.objects.create(instance=instance, threshold=threshold, created_at=now)
            recipients: list[User] = [ticket.assignee] if ticket.assignee else []
            if ticket.assignment_group_id and not recipients and ticket.assignment_group is not None:
                recipients += list(ticket.assignment_group.members.all())
            breach = threshold >= 100
            escalation_team = definition.escalation_team if breach and definition.escalation_team_id else None
            if escalation_team is not None:
                recipients += list(escalation_team.members.all())
                if escalation_team.lead:
                    recipients.append(escalation_team.lead)
            what = "breached" if breach else f"at {threshold}%"
            subject = (
                f"SLA {what}: {ticket.number} {instance.get_target_display().lower()} ({ticket.priority})"
            )
            notify(
                recipients=recipients,
                kind=NotificationKind.SLA_BREACH if breach else NotificationKind.SLA_WARNING,
                obj=ticket,
                thread=ticket_thread(ticket),
                subject=subject,
                body=ticket.title,
                url=ticket.get_absolute_url(),
            )
            escalation.recipients = sorted({u.username for u in recipients if u})
            escalation.save(update_fields=["recipients"])
            audit.record(
                actor=None,
                action=AuditAction.OTHER,
                obj=escalation,
                after=audit.snapshot(escalation),
                verb=AuditVerb.SLA_ESCALATE,
                reason=subject,
            )
            _event(ticket, "escalation", subject, at=now)
            if breach and raise_priority and definition.raise_priority_on_breach:
                ticket = _raise_priority(ticket, now=now)
            current = (
                Ticket.objects.filter(pk=ticket.pk).values_list("assignment_group_id", flat=True).first()
            )
            if escalation_team is not None and not ticket.assignee_id and current != escalation_team.pk:
                old_group = Team.objects.filter(pk=current).first() if current else None
                Ticket.objects.filter(pk=ticket.pk).update(assignment_group=escalation_team)
                ticket.assignment_group = escalation_team
                _event(ticket, "assigned", f"Escalated to {escalation_team}", at=now)
                _handoff(
                    ticket,
                    old_group=old_group,
                    new_group=escalation_team,
                    actor=None,
                    now=now,
                    reason="SLA breach escalation",
                )
            return escalation
    except IntegrityError:
        return None  # another worker (or an earlier run) already raised it

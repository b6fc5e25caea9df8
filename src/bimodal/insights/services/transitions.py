"""The transition log: each status change, hand-off and deployment result of the apps below, with
the time since the object's previous transition (called from the service desk, changes and
integrations through core's hooks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model, Q
from django.utils import timezone

from bimodal.changes.models import Change, Deployment
from bimodal.core import audit, db
from bimodal.insights import clock
from bimodal.insights.choices import Stream
from bimodal.insights.models import Transition
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import Ticket

# --- the transition log ------------------------------------------------------------------------------

# What is known of an object's previous transition: its time, business clock, party, and the row itself
# (this batch's) or its id (stored).
_Previous = tuple[datetime, float, str, Transition | int]


def _reference(obj: Model) -> str:
    return str(getattr(obj, "number", "") or getattr(obj, "reference", "") or obj.pk)


def _row(
    *,
    stream: str,
    obj: Model | None = None,
    object_id: int | None = None,
    reference: str = "",
    from_state: str,
    to_state: str,
    at: datetime | None = None,
    service: Service | None = None,
    service_id: int | None = None,
    party: str = "",
    kind: str = "",
) -> Transition:
    if object_id is None or not reference:
        if obj is None:
            raise ValueError("a transition needs its object, or its object id and reference")
        object_id = obj.pk if object_id is None else object_id
        reference = reference or _reference(obj)
    return Transition(
        stream=stream,
        kind=kind,
        object_id=object_id,
        reference=reference[:40],
        service_id=service.pk if service is not None else service_id,
        from_state=from_state or "",
        to_state=to_state,
        at=at or timezone.now(),
        party=(party or "")[:160],
    )


def _stamp(rows: list[Transition], previous: dict[tuple[str, int], _Previous]) -> dict[int, Transition]:
    """Fill the times since the previous transition of each object (rows in time order per object), and
    the previous transition's `next_*`: set on rows of this batch, returned {id: row} for stored ones."""
    stored: dict[int, Transition] = {}
    for row in rows:
        row.business_clock = clock.clock(row.at)
        before = previous.get((row.stream, row.object_id))
        if before is not None:
            prev_at, prev_clock, prev_party, prev = before
            row.wall_seconds = max((row.at - prev_at).total_seconds(), 0.0)
            row.business_seconds = max(row.business_clock - prev_clock, 0.0)
            row.from_party = prev_party
            if isinstance(prev, Transition):
                prev.next_at, prev.next_wall_seconds = row.at, row.wall_seconds
                prev.next_business_seconds = row.business_seconds
            else:
                stored[prev] = row
        previous[(row.stream, row.object_id)] = (row.at, row.business_clock, row.party, row)
    return stored


def _link_stored(stored: dict[int, Transition]) -> None:
    """Write `next_*` onto the stored previous transitions (one UPDATE per object written)."""
    for pk, row in stored.items():
        Transition.objects.filter(pk=pk).update(
            next_at=row.at, next_wall_seconds=row.wall_seconds, next_business_seconds=row.business_seconds
        )


# The set-based form of the same link, for the log as a whole (backfill, bulk loads): each transition
# gets its object's next one in (at, id) order.
NEXT_BACKFILL_SQL = (
    "UPDATE insights_transition SET next_at = n.next_at, next_wall_seconds = n.next_wall, "
    "next_business_seconds = n.next_business FROM (SELECT id, "
    "LEAD(at) OVER w AS next_at, LEAD(wall_seconds) OVER w AS next_wall, "
    "LEAD(business_seconds) OVER w AS next_business FROM insights_transition "
    "WINDOW w AS (PARTITION BY stream, object_id ORDER BY at, id)) n "
    "WHERE n.id = insights_transition.id AND n.next_at IS NOT NULL"
)


def transition_next_backfill() -> int:
    """Link every transition to its object's next one (`next_*`), set-based; returns rows updated."""
    with connection.cursor() as cursor:
        cursor.execute(NEXT_BACKFILL_SQL)
        return int(cursor.rowcount)


def _latest(keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], _Previous]:
    """The latest transition of each (stream, object id): one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    condition = Q()
    for stream in {s for s, _ in wanted}:
        condition |= Q(stream=stream, object_id__in=[o for s, o in wanted if s == stream])
    rows = Transition.objects.filter(condition).values_list(
        "stream", "object_id", "at", "business_clock", "party", "pk"
    )
    # One object: only its latest row is read.
    rows = rows.order_by("-at", "-id")[:1] if len(wanted) == 1 else rows.order_by("at", "id")
    out: dict[tuple[str, int], _Previous] = {}
    for stream, object_id, at, value, party, pk in rows:
        out[(stream, object_id)] = (at, value, party, pk)
    return out


def transition_record(
    *,
    stream: str,
    obj: Model,
    from_state: str,
    to_state: str,
    at: datetime | None = None,
    service: Service | None = None,
    service_id: int | None = None,
    party: str = "",
    kind: str = "",
    opened_at: datetime | None = None,
    opened_state: str = "",
    first: bool = False,
    with_audit: bool = False,
) -> list[Transition]:
    """Log one state change of `obj` (one SELECT of its previous transition, one INSERT).

    When the object has no transition yet and `opened_at` is given, its creation (∅ → `opened_state`,
    default `from_state`) is logged first, in the same INSERT. `first=True`: the caller knows there is
    no earlier transition (the object was created in this transaction), so nothing is read.
    `with_audit=True`: the rows are written with the audit batch's entries (audit.add_rows), for a
    caller that logs no other transition of the object in its transaction."""
    rows = []
    previous = {} if first else _latest([(stream, obj.pk)])
    if (stream, obj.pk) not in previous and opened_at is not None:
        rows.append(
            _row(
                stream=stream,
                obj=obj,
                service=service,
                service_id=service_id,
                kind=kind,
                from_state="",
                to_state=opened_state or from_state,
                at=opened_at,
                party=party,
            )
        )
    rows.append(
        _row(
            stream=stream,
            obj=obj,
            service=service,
            service_id=service_id,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            at=at,
            party=party,
        )
    )
    _link_stored(_stamp(rows, previous))
    if with_audit:
        for row in rows:
            db.prepare_insert(row)
        audit.add_rows(rows)
        return rows
    return Transition.objects.bulk_create(rows)


def transition_record_bulk(rows: list[dict[str, Any]], *, first: bool = False) -> list[Transition]:
    """Log many state changes at once: one SELECT of the objects' previous transitions (none with
    `first=True`) and one INSERT. Each row takes transition_record's arguments (obj or object_id +
    reference); rows of one object must be in time order."""
    built = [_row(**row) for row in rows]
    built.sort(key=lambda r: r.at)
    previous = {} if first else _latest((r.stream, r.object_id) for r in built)
    _link_stored(_stamp(built, previous))
    return Transition.objects.bulk_create(built, batch_size=1000)


# Thin helpers for the apps that log transitions: one call each at their status changes.


def _ticket_stream(ticket: Ticket) -> str:
    return Stream.REQUEST if ticket.ticket_type == "request" else Stream.TICKET


def ticket_party(ticket: Ticket) -> str:
    """The assignment group (internal team or supplier queue) holding a ticket, as a label."""
    group = ticket.assignment_group
    if group is None:
        return ""
    supplier = group.supplier if group.supplier_id else None
    return f"{supplier.name}: {group.name}" if supplier and supplier.name not in group.name else group.name


def record_ticket(ticket: Ticket, from_state: str, to_state: str, *, at: datetime | None = None) -> None:
    """Log a ticket's status change (or its opening, with from_state "")."""
    transition_record(
        stream=_ticket_stream(ticket),
        obj=ticket,
        from_state=from_state,
        to_state=to_state,
        at=at,
        service_id=ticket.service_id,
        party=ticket_party(ticket),
        kind=ticket.ticket_type,
        opened_at=ticket.opened_at if from_state else None,
        first=not from_state,
    )


def record_ticket_assigned(ticket: Ticket, *, at: datetime | None = None) -> None:
    """Log a hand-off of a ticket to another group (its status stays)."""
    record_ticket(ticket, ticket.status, ticket.status, at=at)


def record_change(
    change: Change,
    from_state: str,
    to_state: str,
    *,
    service_id: int | None = None,
    first: bool = False,
    with_audit: bool = False,
) -> None:
    """Log a change's status change; its primary service is the most critical one."""
    if service_id is None:
        service_id = change.services.order_by("criticality", "pk").values_list("pk", flat=True).first()
    transition_record(
        stream=Stream.CHANGE,
        obj=change,
        from_state=from_state,
        to_state=to_state,
        service_id=service_id,
        kind=change.change_type,
        opened_at=change.created_at,
        first=first,
        with_audit=with_audit,
    )


def record_deployment(
    deployment: Deployment, from_state: str, to_state: str, *, at: datetime | None = None
) -> None:
    """Log a deployment's result (its opening is logged with it when it has no transition yet)."""
    transition_record(
        stream=Stream.DEPLOYMENT,
        obj=deployment,
        from_state=from_state,
        to_state=to_state,
        at=at or deployment.finished_at,
        service_id=deployment.service_id,
        kind=deployment.environment,
        opened_at=getattr(deployment, "started_at", None) or deployment.created_at,
    )

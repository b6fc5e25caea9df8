"""Build the transition log for records that have none, from the ticket timelines and the audit log
(existing data and demo history). Idempotent: objects that already have transitions are skipped."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType

from bimodal.changes.models import Change, Deployment
from bimodal.core.models import AuditEntry
from bimodal.core.services import transactional
from bimodal.insights.choices import Stream
from bimodal.insights.models import Transition
from bimodal.insights.services import ticket_party, transition_record_bulk
from bimodal.servicedesk.choices import TicketStatus
from bimodal.servicedesk.models import Ticket, TicketEvent

_LABELS = {str(label): value for value, label in TicketStatus.choices}


def _done(stream: str) -> set[int]:
    return set(Transition.objects.filter(stream=stream).values_list("object_id", flat=True).distinct())


def _tickets() -> list[dict]:
    done = _done(Stream.TICKET) | _done(Stream.REQUEST)
    tickets = {
        t.pk: t for t in Ticket.objects.exclude(pk__in=done).select_related("assignment_group__supplier")
    }
    events = defaultdict(list)
    for event in TicketEvent.objects.filter(ticket_id__in=tickets, kind="status").order_by("at", "id"):
        events[event.ticket_id].append(event)
    rows = []
    for pk, ticket in tickets.items():
        common = {
            "stream": Stream.REQUEST if ticket.ticket_type == "request" else Stream.TICKET,
            "obj": ticket,
            "service_id": ticket.service_id,
            "kind": ticket.ticket_type,
            "party": ticket_party(ticket),
        }
        moves = []
        for event in events[pk]:
            head = event.text.split(": ", 1)[0]
            old, _, new = head.partition(" → ")
            if old in _LABELS and new in _LABELS:
                moves.append((_LABELS[old], _LABELS[new], event.at))
        opening = moves[0][0] if moves else ticket.status
        rows.append({**common, "from_state": "", "to_state": opening, "at": ticket.opened_at})
        rows += [{**common, "from_state": a, "to_state": b, "at": at} for a, b, at in moves]
    return rows


def _changes() -> list[dict]:
    done = _done(Stream.CHANGE)
    changes = {c.pk: c for c in Change.objects.exclude(pk__in=done).prefetch_related("services")}
    kind = ContentType.objects.get_for_model(Change)
    entries = defaultdict(list)
    for entry in AuditEntry.objects.filter(
        content_type=kind, object_id__in=[str(pk) for pk in changes]
    ).order_by("seq"):
        entries[int(entry.object_id)].append(entry)
    rows = []
    for pk, change in changes.items():
        services = sorted(change.services.all(), key=lambda s: (s.criticality, s.pk))
        common = {
            "stream": Stream.CHANGE,
            "obj": change,
            "kind": change.change_type,
            "service_id": services[0].pk if services else None,
        }
        moves, status = [], None
        for entry in entries[pk]:
            after = (entry.after or {}).get("status")
            if status is None:
                status = after or (entry.before or {}).get("status")
                rows.append(
                    {**common, "from_state": "", "to_state": status or "draft", "at": change.created_at}
                )
            elif after and after != status:
                moves.append((status, after, entry.timestamp))
                status = after
        if status is None:
            rows.append({**common, "from_state": "", "to_state": change.status, "at": change.created_at})
        rows += [
            {**common, "from_state": a, "to_state": b, "at": max(at, change.created_at)} for a, b, at in moves
        ]
    return rows


def _deployments() -> list[dict]:
    done = _done(Stream.DEPLOYMENT)
    rows = []
    for d in Deployment.objects.exclude(pk__in=done):
        common = {"stream": Stream.DEPLOYMENT, "obj": d, "service_id": d.service_id, "kind": d.environment}
        opened = getattr(d, "started_at", None) or d.created_at
        if d.finished_at is not None and d.finished_at < opened:
            opened = d.finished_at
        rows.append({**common, "from_state": "", "to_state": "in_progress", "at": opened})
        if d.status != "in_progress" and d.finished_at is not None:
            rows.append({**common, "from_state": "in_progress", "to_state": d.status, "at": d.finished_at})
    return rows


@transactional
def backfill(*, rebuild: bool = False) -> dict[str, int]:
    """Create the missing transitions; returns how many per stream (all zero on a second run)."""
    if rebuild:
        Transition.objects.all().delete()
    counts = {}
    for name, build in (("tickets", _tickets), ("changes", _changes), ("deployments", _deployments)):
        rows = build()
        transition_record_bulk(rows, first=True)
        counts[name] = len(rows)
    return counts

"""SIAM: end-to-end view of tickets that pass between internal teams and suppliers.

Each hand-off row says who received the ticket and when; a party holds the ticket from its hand-off to the
next one (or to resolution, or to now if still open). A party is a supplier (all of its queues) or an
internal team. A bounce is a hand-off to a party that already held the ticket before. For each breached
end-to-end SLA clock, the party holding the ticket at the breach time is the one that held it then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bimodal.servicedesk.models import SlaInstance, TicketHandoff


def _handoffs():

    return TicketHandoff.objects


def annotate_spans(queryset, now: datetime):
    """Each hand-off with `until` (next hand-off, else resolution, else now), `held` and `bounce`."""
    handoffs = _handoffs()
    later = handoffs.filter(ticket=OuterRef("ticket")).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), id__gt=OuterRef("id"))
    )
    nxt = Subquery(later.order_by("at", "id").values("at")[:1], output_field=DateTimeField())
    earlier = handoffs.filter(ticket=OuterRef("ticket")).filter(
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), id__lt=OuterRef("id"))
    )
    return queryset.annotate(
        until=Coalesce(nxt, F("ticket__resolved_at"), F("ticket__closed_at"), Value(now)),
    ).annotate(
        held=ExpressionWrapper(F("until") - F("at"), output_field=DurationField()),
        bounce=Case(
            When(
                to_supplier__isnull=False,
                then=Exists(earlier.filter(to_supplier=OuterRef("to_supplier"))),
            ),
            default=Exists(earlier.filter(to_supplier__isnull=True, to_team=OuterRef("to_team"))),
        ),
    )


@dataclass
class PartyTime:
    """Time one party held tickets."""

    party: str
    kind: str  # "supplier" or "internal"
    held: timedelta
    handoffs: int
    bounces: int
    share: float = 0.0


def _party_rows(spans) -> list[PartyTime]:
    rows = spans.values("to_supplier__name", "to_team__name", "to_supplier_id").annotate(
        total=Sum("held"),
        n=Count("id"),
        b=Count("id", filter=Q(bounce=True)),
    )
    merged: dict[tuple, PartyTime] = {}
    for row in rows:
        supplier = row["to_supplier__name"]
        key = ("supplier", supplier) if supplier else ("internal", row["to_team__name"])
        held = row["total"] or timedelta(0)
        if not isinstance(held, timedelta):
            held = timedelta(microseconds=held)
        item = merged.setdefault(
            key, PartyTime(party=key[1], kind=key[0], held=timedelta(0), handoffs=0, bounces=0)
        )
        item.held += held
        item.handoffs += row["n"]
        item.bounces += row["b"]
    out = sorted(merged.values(), key=lambda p: -p.held.total_seconds())
    total = sum(p.held.total_seconds() for p in out)
    for p in out:
        p.share = p.held.total_seconds() / total if total else 0.0
    return out


def breach_holders(clocks) -> list[dict]:
    """For breached clocks: which party held the ticket when each breached, counted by party."""
    holder = (
        _handoffs().filter(ticket=OuterRef("ticket"), at__lte=OuterRef("breached_at")).order_by("-at", "-id")
    )
    rows = (
        clocks.filter(breached_at__isnull=False)
        .annotate(
            holder_supplier=Subquery(holder.values("to_supplier__name")[:1]),
            holder_team=Subquery(holder.values("to_team__name")[:1]),
        )
        .values("holder_supplier", "holder_team", "target")
        .annotate(n=Count("id"))
    )
    merged: dict[tuple, dict] = {}
    for row in rows:
        party = row["holder_supplier"] or row["holder_team"] or "Unassigned"
        item = merged.setdefault(party, {"party": party, "response": 0, "resolution": 0, "total": 0})
        item[row["target"]] += row["n"]
        item["total"] += row["n"]
    return sorted(merged.values(), key=lambda r: -r["total"])


@dataclass
class TicketSiam:
    """One ticket's journey: hand-offs with how long each party held it, bounces, breach holders."""

    ticket: object
    spans: list
    parties: list[PartyTime]
    bounces: int
    handoffs: int
    breaches: list[dict]
    unassigned: timedelta


def ticket_view(ticket, *, now: datetime | None = None) -> TicketSiam:
    """The SIAM view of one ticket (a fixed number of queries)."""

    now = now or timezone.now()
    base = _handoffs().filter(ticket=ticket)
    spans = list(
        annotate_spans(base, now).select_related(
            "from_team", "to_team", "from_supplier", "to_supplier", "actor"
        )
    )
    parties = _party_rows(annotate_spans(base, now))
    clocks = SlaInstance.objects.filter(ticket=ticket)
    holder = base.filter(at__lte=OuterRef("breached_at")).order_by("-at", "-id")
    breaches = list(
        clocks.filter(breached_at__isnull=False)
        .annotate(
            holder_supplier=Subquery(holder.values("to_supplier__name")[:1]),
            holder_team=Subquery(holder.values("to_team__name")[:1]),
        )
        .select_related("supplier", "definition")
    )
    first = spans[0].at if spans else now
    return TicketSiam(
        ticket=ticket,
        spans=spans,
        parties=parties,
        bounces=sum(1 for s in spans if s.bounce),
        handoffs=sum(1 for s in spans if s.from_team_id),
        breaches=[
            {
                "clock": c,
                "party": c.holder_supplier or c.holder_team or "Unassigned",
                "whose": c.supplier.name if c.supplier_id else "End-to-end",
            }
            for c in breaches
        ],
        unassigned=max(first - ticket.opened_at, timedelta(0)),
    )


@dataclass
class ServiceSiam:
    """Hand-off figures of one service (or all visible tickets) over tickets opened in a period."""

    tickets: int
    handoffs: int
    bounces: int
    parties: list[PartyTime]
    breach_holders: list[dict]
    worst: list


def service_view(tickets, *, now: datetime | None = None, worst: int = 10) -> ServiceSiam:
    """SIAM figures over a ticket queryset (already restricted and filtered): a fixed number of queries."""

    now = now or timezone.now()
    ticket_ids = tickets.values("pk")
    base = _handoffs().filter(ticket__in=ticket_ids)
    spans = annotate_spans(base, now)
    totals = spans.aggregate(
        n=Count("id", filter=Q(from_team__isnull=False)), b=Count("id", filter=Q(bounce=True))
    )
    bouncy = (
        tickets.annotate(
            n_handoffs=Count("handoffs", filter=Q(handoffs__from_team__isnull=False), distinct=True)
        )
        .filter(n_handoffs__gt=1)
        .select_related("service", "assignment_group")
        .order_by("-n_handoffs", "-opened_at")[:worst]
    )
    return ServiceSiam(
        tickets=tickets.count(),
        handoffs=totals["n"],
        bounces=totals["b"],
        parties=_party_rows(spans),
        breach_holders=breach_holders(
            SlaInstance.objects.filter(ticket__in=ticket_ids, supplier__isnull=True)
        ),
        worst=list(bouncy),
    )

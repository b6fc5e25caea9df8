"""Shared pieces of the service desk's writes: the priority matrix, ticket events, agent checks."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from bimodal.core import numbers
from bimodal.core.models import Actor, User
from bimodal.core.services import (
    MailThread,
    require_object,
    require_perm,
)
from bimodal.servicedesk.choices import (
    DEFAULT_PRIORITY_MATRIX,
    Priority,
)
from bimodal.servicedesk.models import (
    PriorityRule,
    Ticket,
    TicketEvent,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def ticket_thread(ticket: Ticket) -> MailThread:
    """How emails about `ticket` thread: [INC000123] in the subject, replies to desk+INC000123@ the desk's
    domain (plus-addressing), and one root Message-ID per ticket that every email refers to."""
    local, _, domain = settings.BIMODAL_DESK_ADDRESS.partition("@")
    return MailThread(
        reference=ticket.number,
        reply_to=f"{local}+{ticket.number}@{domain}",
        root_message_id=f"<{ticket.number}@{domain}>",
    )


def next_ticket_number() -> int:
    """The next ticket number, from its sequence (core/numbers.py): parallel creates never share one."""
    return numbers.next_number("ticket_number", seed=(Ticket, "id"))


ALLOWED_ATTACHMENT_TYPES = {
    "text/plain",
    "text/csv",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "application/json",
    "application/zip",
}
PRIORITY_UP: dict[str, str] = {Priority.P4: Priority.P3, Priority.P3: Priority.P2, Priority.P2: Priority.P1}


def priority_for(impact: int, urgency: int) -> str:
    """Priority from the (editable) impact × urgency matrix; the default matrix fills gaps."""
    rule = PriorityRule.objects.filter(impact=impact, urgency=urgency).first()
    return rule.priority if rule else DEFAULT_PRIORITY_MATRIX[(int(impact), int(urgency))]


def _event(
    ticket: Ticket, kind: str, text: str, *, actor: User | None = None, at: datetime | None = None
) -> None:
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, text=text[:300], actor=actor, at=at or timezone.now()
    )


def _is_agent(user: Actor) -> bool:
    return user is not None and user.has_perm("servicedesk.work_tickets")


def _require_route(actor: Actor, ticket: Ticket) -> None:
    """Routing is agents' work on their tickets, or a desk lead's on any ticket they see."""
    if actor is not None and actor.has_perm("servicedesk.route_tickets"):
        require_object(actor, "view", ticket)
    else:
        _require_work(actor, ticket)


def _require_work(actor: Actor, ticket: Ticket) -> None:
    """Agents may work only the tickets they can see (their groups', their supplier's queue)."""
    require_perm(actor, "servicedesk.work_tickets")
    require_object(actor, "change", ticket)

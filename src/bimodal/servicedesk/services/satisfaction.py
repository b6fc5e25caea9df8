"""Customer satisfaction: the survey sent when a ticket is resolved and the requester's one answer.

A ticket has at most one answer (a unique key on the ticket). A reopened ticket keeps its answer: the
survey is not sent again when it is resolved a second time, and the answer stands (docs/servicedesk.md)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from bimodal.core.choices import NotificationKind
from bimodal.core.models import User
from bimodal.core.services import create_audited, lock, notify, require_object, transactional, write
from bimodal.core.verbs import AuditVerb
from bimodal.servicedesk.choices import TicketStatus
from bimodal.servicedesk.models import RATING_MAX, RATING_MIN, SatisfactionRating, Ticket
from bimodal.servicedesk.services.base import _event, ticket_thread

RATEABLE_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
MAX_COMMENT = 2000


def rating_url(ticket: Ticket) -> str:
    """The page where the requester answers the survey of `ticket`."""
    return reverse("servicedesk:ticket_rate", args=[ticket.number])


def survey_invite(ticket: Ticket) -> None:
    """Ask the requester of a just-resolved ticket how we did (by their channel for the kind), unless
    they already answered before it was reopened."""
    if SatisfactionRating.objects.filter(ticket=ticket).exists():
        return
    notify(
        recipients=[ticket.requester],
        kind=NotificationKind.TICKET_SURVEY,
        obj=ticket,
        thread=ticket_thread(ticket),
        subject=f"How did we do on {ticket.number}?",
        body=f"{ticket.number} “{ticket.title}” is resolved. Rate the resolution from 1 to 5, with a "
        "comment if you like: it takes a few seconds.",
        url=rating_url(ticket),
    )


def _rating_value(rating: object) -> int:
    """The rating as a whole number from 1 to 5, or a ValidationError naming the field."""
    message = f"Choose a whole number from {RATING_MIN} to {RATING_MAX}."
    if isinstance(rating, bool):
        raise ValidationError({"rating": message})
    try:
        value = int(str(rating).strip()) if not isinstance(rating, int) else rating
    except ValueError:
        raise ValidationError({"rating": message}) from None
    if not RATING_MIN <= value <= RATING_MAX:
        raise ValidationError({"rating": message})
    return value


@transactional
def ticket_rate(
    *, actor: User, ticket: Ticket, rating: int, comment: str = "", now: datetime | None = None
) -> SatisfactionRating:
    """Record the requester's answer to the survey of a resolved (or closed) ticket: once per ticket."""
    ticket = lock(
        ticket
    )  # as it is now, locked: two answers at once meet here, and the second sees the first
    require_object(actor, "view", ticket)
    if ticket.requester_id != actor.pk:
        raise PermissionDenied("Only the person the ticket was raised for rates it.")
    value = _rating_value(rating)
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise ValidationError({"comment": "The comment holds a NUL character."})
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": f"At most {MAX_COMMENT} characters."})
    if ticket.status not in RATEABLE_STATUSES:
        raise ValidationError({"rating": "A ticket can be rated once it is resolved."})
    if SatisfactionRating.objects.filter(ticket=ticket).exists():
        raise ValidationError({"rating": f"{ticket.number} has already been rated."})
    now = now or timezone.now()
    try:
        with write():  # a savepoint: the unique key is the last word if a writer slipped past the lock
            answer = create_audited(
                SatisfactionRating(
                    ticket=ticket, rating=value, comment=comment, answered_by=actor, answered_at=now
                ),
                actor=actor,
                verb=AuditVerb.TICKET_RATE,
            )
    except IntegrityError:
        raise ValidationError({"rating": f"{ticket.number} has already been rated."}) from None
    _event(ticket, "rated", f"Rated {value}/5 by the requester", actor=actor, at=now)
    return answer

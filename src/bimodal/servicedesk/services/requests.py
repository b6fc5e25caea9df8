"""The request catalogue: requests submitted from an item, approvals and fulfilment tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.choices import NotificationKind
from bimodal.core.models import Team, User
from bimodal.core.services import (
    notify,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.servicedesk import selectors
from bimodal.servicedesk.choices import (
    ApprovalState,
    Approver,
    Level,
    TaskStatus,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.forms_schema import clean_request_data
from bimodal.servicedesk.models import (
    CatalogueItem,
    FulfilmentTask,
    Ticket,
)
from bimodal.servicedesk.services.base import (
    _event,
    ticket_thread,
)
from bimodal.servicedesk.services.tickets import (
    _set_status,
    ticket_create,
)

# --- the request catalogue ---------------------------------------------------------------------------


@transactional
def request_submit(
    *,
    actor: User,
    item: CatalogueItem,
    data: dict[str, Any],
    title: str = "",
    opened_at: datetime | None = None,
) -> Ticket:
    """Request a catalogue item: answers validated against its form; approval and fulfilment tasks follow."""
    require_object(actor, "view", item)
    if not item.active:
        raise ValidationError({"item": "This item cannot be requested any more."})
    answers = clean_request_data(item.form_schema, data)
    if item.requires_approval and item.approver == Approver.MANAGER and actor.manager_id is None:
        raise ValidationError(
            {"item": "This request needs your manager's approval, and you have no manager on record."}
        )
    ticket = ticket_create(
        actor=actor,
        ticket_type=TicketType.REQUEST,
        title=title or item.name,
        service=item.service,
        category=item.category,
        catalogue_item=item,
        request_data=answers,
        opened_at=opened_at,
        impact=Level.LOW,
        urgency=Level.MEDIUM,
    )
    if item.requires_approval:
        approvers = selectors.request_approvers(ticket)
        notify(
            recipients=approvers,
            kind=NotificationKind.APPROVAL_NEEDED,
            obj=ticket,
            thread=ticket_thread(ticket),
            subject=f"Approval needed: {ticket.number} {ticket.title}",
            url=ticket.get_absolute_url(),
        )
    else:
        _create_tasks(ticket)
    return ticket


def _catalogue_item(ticket: Ticket) -> CatalogueItem:
    """The item a request was raised from (every request has one)."""
    item = ticket.catalogue_item
    if item is None:
        raise ValidationError({"catalogue_item": f"{ticket.number} was not raised from the catalogue."})
    return item


def _create_tasks(ticket: Ticket) -> None:
    item = _catalogue_item(ticket)
    teams = {t.slug: t for t in Team.objects.filter(slug__in=[s.get("group") for s in item.task_templates])}
    for order, spec in enumerate(item.task_templates):
        task = FulfilmentTask(
            ticket=ticket,
            title=spec["title"],
            assignment_group=teams.get(spec.get("group"), item.fulfilment_group),
            order=order,
        )
        task.full_clean()
        task.save()
    if item.task_templates:
        _event(ticket, "tasks", f"{len(item.task_templates)} fulfilment task(s) created")


@transactional
def request_decide(
    *, actor: User, ticket: Ticket, approve: bool, reason: str = "", now: datetime | None = None
) -> Ticket:
    """Approve or reject a request waiting for approval (the requester's manager, or the approving role)."""
    now = now or timezone.now()
    if ticket.approval != ApprovalState.PENDING:
        raise ValidationError({"approval": "This request is not waiting for approval."})
    if actor.pk == ticket.requester_id or actor not in selectors.request_approvers(ticket):
        raise PermissionDenied("You are not an approver of this request.")
    if not approve and not reason.strip():
        raise ValidationError({"reason": "Say why the request is rejected."})
    state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
    ticket = _set_status(
        ticket,
        TicketStatus.NEW if approve else TicketStatus.CANCELLED,
        actor=actor,
        now=now,
        reason=reason,
        approval=state,
        approved_by=actor,
    )
    if approve:
        _create_tasks(ticket)
    notify(
        recipients=[ticket.requester],
        kind=NotificationKind.REQUEST_DECIDED,
        obj=ticket,
        thread=ticket_thread(ticket),
        subject=f"{ticket.number} {state.label.lower()}",
        body=reason,
        url=ticket.get_absolute_url(),
    )
    return ticket


@transactional
def task_complete(*, actor: User, task: FulfilmentTask) -> FulfilmentTask:
    """Mark a fulfilment task done (members of its group, or agents working the ticket)."""
    require_perm(actor, "servicedesk.work_tickets")
    require_object(actor, "view", task.ticket)
    if task.status == TaskStatus.DONE:
        raise ValidationError({"status": "The task is already done."})
    task = update_audited(
        task,
        actor=actor,
        fields={"status": TaskStatus.DONE, "done_by": actor, "done_at": timezone.now()},
        verb=AuditVerb.TASK_COMPLETE,
    )
    _event(task.ticket, "task", f"Task done: {task.title}", actor=actor)
    return task

"""Tickets: create, move through their statuses, assign, classify, comment, attach, link to problems and changes."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from bimodal.changes.models import Change
from bimodal.core import audit
from bimodal.core.choices import AuditAction, NotificationKind
from bimodal.core.models import Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    lock,
    notify,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.transitions import record_ticket, record_ticket_assigned
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import (
    PREFIX,
    REQUESTER_MOVES,
    RESPONDED_STATUSES,
    TRANSITIONS,
    ApprovalState,
    Level,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.models import (
    CatalogueItem,
    Category,
    Ticket,
    TicketAttachment,
    TicketComment,
)
from bimodal.servicedesk.services.base import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    _event,
    _is_agent,
    _require_route,
    _require_work,
    next_ticket_number,
    priority_for,
    ticket_thread,
)
from bimodal.servicedesk.services.routing import route
from bimodal.servicedesk.services.satisfaction import survey_invite
from bimodal.servicedesk.services.sla_clocks import (
    _check_supplier_cover,
    _handoff,
    sla_on_status,
    sla_rematch,
    sla_start,
    sla_supplier_accept,
)

# The fields a person sets when opening a ticket, named once: the write serializer's fields and the form's
# (ticket_create also takes the fields that the desk itself sets: requester, catalogue item, alert key …).
TICKET_FIELDS: Final = (
    "ticket_type",
    "title",
    "description",
    "service",
    "impact",
    "urgency",
    "category",
    "major_incident",
)

# --- tickets ---------------------------------------------------------------------------------------


@transactional
def ticket_create(
    *,
    actor: User,
    ticket_type: str,
    title: str,
    service: Service,
    description: str = "",
    impact: int = Level.LOW,
    urgency: int = Level.LOW,
    category: Category | None = None,
    assignment_group: Team | None = None,
    assignee: User | None = None,
    requester: User | None = None,
    major_incident: bool = False,
    catalogue_item: CatalogueItem | None = None,
    request_data: dict[str, Any] | None = None,
    alert_group_key: str | None = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Open a ticket; requesters open them for themselves, agents for anyone. It is routed at once: the
    group a person chose, else the one routing gives (services/routing.py). SLA clocks start."""
    require_perm(actor, "servicedesk.add_ticket")
    require_object(actor, "view", service)
    agent = _is_agent(actor) or actor.is_superuser
    if requester is not None and requester != actor and not agent:
        raise PermissionDenied("Only agents open tickets on someone else's behalf.")
    if not agent and (assignee or major_incident or ticket_type == TicketType.PROBLEM):
        raise PermissionDenied("Only agents assign tickets, raise problems or declare major incidents.")
    opened_at = opened_at or timezone.now()
    ticket = Ticket(
        number=f"{PREFIX.get(ticket_type, 'TKT')}{next_ticket_number():06d}",
        ticket_type=ticket_type,
        title=title,
        description=description,
        service=service,
        requester=requester or actor,
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact, urgency),
        category=category,
        assignment_group=assignment_group,
        routed_by_hand=assignment_group is not None,
        assignee=assignee,
        major_incident=major_incident,
        catalogue_item=catalogue_item,
        request_data=request_data or {},
        alert_group_key=alert_group_key,
        opened_at=opened_at,
    )
    if catalogue_item is not None and catalogue_item.requires_approval:
        ticket.status = TicketStatus.AWAITING_APPROVAL
        ticket.approval = ApprovalState.PENDING
    if ticket.assignment_group is not None:
        _check_supplier_cover(ticket, ticket.assignment_group, at=opened_at)
    else:
        ticket.assignment_group, ticket.routing_rule = route(ticket, at=opened_at)
    if assignee is not None and not ticket.assignment_group.members.filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": f"{assignee} is not a member of {ticket.assignment_group}."})
    create_audited(ticket, actor=actor, verb=AuditVerb.TICKET_CREATE)
    record_ticket(ticket, "", ticket.status, at=opened_at)
    _event(
        ticket, "opened", f"Opened by {actor} ({ticket.get_priority_display()})", actor=actor, at=opened_at
    )
    sla_start(ticket=ticket, now=opened_at)
    group = ticket.assignment_group
    if ticket.routing_rule is not None:
        _event(ticket, "routed", f"Routed to {group} by rule “{ticket.routing_rule}”", at=opened_at)
    _handoff(ticket, old_group=None, new_group=group, actor=actor, now=opened_at)
    if ticket.assignee_id and group.supplier_id:
        sla_supplier_accept(ticket=ticket, supplier_id=group.supplier_id, now=opened_at)
    if major_incident:
        _event(ticket, "major", "Declared a major incident", actor=actor, at=opened_at)
    if group is not None:
        recipients = [ticket.assignee] if ticket.assignee else list(group.members.all())
        notify(
            recipients=recipients,
            kind=NotificationKind.TICKET_NEW,
            obj=ticket,
            thread=ticket_thread(ticket),
            subject=f"New ticket {ticket.number}: {title}",
            url=ticket.get_absolute_url(),
        )
    return ticket


def _set_status(
    ticket: Ticket, status: str, *, actor: User, now: datetime, reason: str = "", **extra: Any
) -> Ticket:
    """Move a ticket along an allowed transition, stamping times and updating its SLA clocks."""
    old = ticket.status
    if status not in TRANSITIONS.get(old, set()):
        raise ValidationError({"status": f"A ticket cannot go from {old} to {status}."})
    fields = {"status": status, **extra}
    if status in RESPONDED_STATUSES and ticket.responded_at is None:
        fields["responded_at"] = now
    if status == TicketStatus.RESOLVED:
        fields["resolved_at"] = now
    if status == TicketStatus.CLOSED:
        fields["closed_at"] = now
    if old == TicketStatus.RESOLVED and status == TicketStatus.IN_PROGRESS:
        fields["resolved_at"] = None
        fields["reopen_count"] = ticket.reopen_count + 1
    ticket = update_audited(
        ticket,
        actor=actor,
        fields=fields,
        reason=reason,
        verb=AuditVerb.TICKET_TRANSITION,
        action=AuditAction.TRANSITION,
    )
    record_ticket(ticket, old, status, at=now)
    label = TicketStatus(status).label
    _event(
        ticket,
        "status",
        f"{TicketStatus(old).label} → {label}" + (f": {reason}" if reason else ""),
        actor=actor,
        at=now,
    )
    sla_on_status(ticket=ticket, old=old, new=status, now=now)
    if status == TicketStatus.RESOLVED:
        survey_invite(ticket)
    return ticket


@transactional
def ticket_transition(
    *,
    actor: User,
    ticket: Ticket,
    status: str,
    reason: str = "",
    resolution: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Change a ticket's status along an allowed transition (agents; requesters may reopen or cancel their own)."""
    ticket = lock(ticket)  # as it is now, locked: decide on that
    now = now or timezone.now()
    own = ticket.requester_id == actor.pk
    if own and ((ticket.status, status) in REQUESTER_MOVES or status == TicketStatus.CANCELLED):
        require_object(actor, "view", ticket)
    else:
        _require_work(actor, ticket)
    if ticket.status == TicketStatus.AWAITING_APPROVAL:
        raise ValidationError({"status": "The request is awaiting approval."})
    extra: dict[str, Any] = {}
    if status == TicketStatus.RESOLVED:
        if not (resolution or ticket.resolution).strip():
            raise ValidationError({"resolution": "Say how it was resolved."})
        extra["resolution"] = resolution or ticket.resolution
    if status == TicketStatus.IN_PROGRESS and ticket.assignee_id is None and _is_agent(actor):
        extra["assignee"] = actor
    return _set_status(ticket, status, actor=actor, now=now, reason=reason, **extra)


@transactional
def ticket_assign(
    *,
    actor: User,
    ticket: Ticket,
    group: Team | None = None,
    assignee: User | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Assign a ticket to a group (internal team or supplier queue) and optionally to one of its members.

    A change of group is a hand-off (recorded for SIAM); a supplier queue must hold a current contract
    that covers the ticket's service (once the supplier has contracts), and its contracted clocks start."""
    ticket = lock(ticket)  # as it is now, locked: decide on that
    _require_route(actor, ticket)
    now = now or timezone.now()
    old_group = ticket.assignment_group
    group = group or old_group
    if group is None:
        raise ValidationError({"group": "Choose an assignment group."})
    if actor.supplier_id and group.supplier_id != actor.supplier_id:
        raise PermissionDenied("Supplier agents assign only within their supplier's queue.")
    if assignee is not None and not group.members.filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": f"{assignee} is not a member of {group}."})
    fields: dict[str, Any] = {"assignment_group": group, "assignee": assignee}
    if group != old_group:
        _check_supplier_cover(ticket, group, at=now)
        # A person chose the group: a later change of service leaves it where they put it.
        fields.update(routed_by_hand=True, routing_rule=None)
    ticket = update_audited(
        ticket,
        actor=actor,
        fields=fields,
        reason=reason,
        verb=AuditVerb.TICKET_ASSIGN,
    )
    _event(
        ticket,
        "assigned",
        f"Assigned to {group}" + (f" / {assignee}" if assignee else ""),
        actor=actor,
        at=now,
    )
    if group != old_group:
        _handoff(ticket, old_group=old_group, new_group=group, actor=actor, now=now, reason=reason)
        record_ticket_assigned(ticket, at=now)
    if assignee is not None and group.supplier_id:
        sla_supplier_accept(ticket=ticket, supplier_id=group.supplier_id, now=now)
    notify(
        recipients=[assignee] if assignee else list(group.members.all()),
        kind=NotificationKind.TICKET_ASSIGNED,
        obj=ticket,
        thread=ticket_thread(ticket),
        subject=f"{ticket.number} assigned to you: {ticket.title}",
        url=ticket.get_absolute_url(),
    )
    return ticket


@transactional
def ticket_classify(
    *,
    actor: User,
    ticket: Ticket,
    impact: int | NotGiven = UNSET,
    urgency: int | NotGiven = UNSET,
    category: Category | NotGiven | None = UNSET,
    major_incident: bool | NotGiven = UNSET,
    reason: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Change the given impact, urgency (so priority), category (None clears it) or major-incident flag;
    SLA clocks re-match."""
    ticket = lock(ticket)  # as it is now, locked: decide on that
    _require_work(actor, ticket)
    now = now or timezone.now()
    impact = ticket.impact if impact is UNSET else impact
    urgency = ticket.urgency if urgency is UNSET else urgency
    fields = given(category=category, major_incident=major_incident)
    fields.update(impact=impact, urgency=urgency, priority=priority_for(impact, urgency))
    if major_incident is True and ticket.ticket_type != TicketType.INCIDENT:
        raise ValidationError({"major_incident": "Only incidents can be major incidents."})
    old_priority = ticket.priority
    ticket = update_audited(ticket, actor=actor, fields=fields, reason=reason, verb=AuditVerb.TICKET_CLASSIFY)
    if ticket.priority != old_priority:
        _event(ticket, "priority", f"Priority {old_priority} → {ticket.priority}", actor=actor, at=now)
        sla_rematch(ticket=ticket, now=now)
    return ticket


@transactional
def ticket_set_service(
    *, actor: User, ticket: Ticket, service: Service, reason: str = "", now: datetime | None = None
) -> Ticket:
    """Move a ticket to another service: routing runs again (unless a person routed it by hand) and SLA
    clocks re-match (the service's mode may differ)."""
    ticket = lock(ticket)  # as it is now, locked: decide on that
    _require_route(actor, ticket)
    require_object(actor, "view", service)
    now = now or timezone.now()
    if service.pk == ticket.service_id:
        return ticket
    old_service, old_group = ticket.service, ticket.assignment_group
    fields: dict[str, Any] = {"service": service}
    ticket.service = service
    if not ticket.routed_by_hand:
        group, rule = route(ticket, at=now)
        fields.update(assignment_group=group, routing_rule=rule)
        if (
            group != old_group
            and ticket.assignee_id
            and not group.members.filter(pk=ticket.assignee_id).exists()
        ):
            fields["assignee"] = None
    ticket.service = old_service  # update_audited records the change from the stored value
    ticket = update_audited(
        ticket, actor=actor, fields=fields, reason=reason, verb=AuditVerb.TICKET_SET_SERVICE
    )
    _event(ticket, "service", f"Service {old_service} → {service}", actor=actor, at=now)
    new_group = ticket.assignment_group
    if new_group is not None and new_group != old_group:
        group = new_group
        rule_text = f" by rule “{ticket.routing_rule}”" if ticket.routing_rule else ""
        _event(ticket, "routed", f"Routed to {group}{rule_text}", actor=actor, at=now)
        _handoff(ticket, old_group=old_group, new_group=group, actor=actor, now=now, reason=reason)
        record_ticket_assigned(ticket, at=now)
        notify(
            recipients=list(group.members.all()),
            kind=NotificationKind.TICKET_ASSIGNED,
            obj=ticket,
            thread=ticket_thread(ticket),
            subject=f"{ticket.number} routed to {group}: {ticket.title}",
            url=ticket.get_absolute_url(),
        )
    sla_rematch(ticket=ticket, now=now)
    return ticket


@transactional
def ticket_comment(*, actor: User, ticket: Ticket, body: str, internal: bool = False) -> TicketComment:
    """Add a public comment (requester or agent) or an internal note (agents only)."""
    require_object(actor, "view", ticket)
    if internal and not actor.has_perm("servicedesk.view_internal_comments"):
        raise PermissionDenied("Only agents write internal notes.")
    if ticket.requester_id != actor.pk:
        _require_work(actor, ticket)
    comment = create_audited(
        TicketComment(ticket=ticket, author=actor, body=body.strip(), internal=internal),
        actor=actor,
        verb=AuditVerb.TICKET_COMMENT,
    )
    if not internal:
        if actor.pk == ticket.requester_id:
            recipients = [ticket.assignee] if ticket.assignee else []
        else:
            recipients = [ticket.requester]
        notify(
            recipients=recipients,
            kind=NotificationKind.TICKET_COMMENT,
            obj=ticket,
            thread=ticket_thread(ticket),
            subject=f"New comment on {ticket.number}",
            body=body[:500],
            url=ticket.get_absolute_url(),
        )
    return comment


@transactional
def ticket_attach(*, actor: User, ticket: Ticket, upload: UploadedFile[Any]) -> TicketAttachment:
    """Attach a file (size and type limited), stored through Django's storage API."""
    require_object(actor, "view", ticket)
    if ticket.requester_id != actor.pk:
        _require_work(actor, ticket)
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": f"Files may be at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."})
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"file": f"Files of type {content_type or 'unknown'} are not accepted."})
    name = os.path.basename(upload.name or "")[:200]
    attachment = TicketAttachment(
        ticket=ticket, file=upload, name=name, content_type=content_type, size=size, uploaded_by=actor
    )
    attachment.full_clean()
    attachment.save()
    # The audit row names the stored file; the file itself lives in the storage backend.
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=attachment,
        verb=AuditVerb.TICKET_ATTACH,
        after={
            "ticket": ticket.number,
            "name": name,
            "path": attachment.file.name,
            "size": upload.size,
            "content_type": content_type,
        },
    )
    _event(ticket, "attachment", f"Attached {name}", actor=actor)
    return attachment


@transactional
def ticket_link_problem(*, actor: User, incident: Ticket, problem: Ticket | None) -> Ticket:
    """Link an incident to the problem behind it (or unlink with None)."""
    incident = lock(incident)  # as it is now, locked: decide on that
    _require_work(actor, incident)
    if problem is not None:
        require_object(actor, "view", problem)
        if problem.ticket_type != TicketType.PROBLEM or incident.ticket_type != TicketType.INCIDENT:
            raise ValidationError({"problem": "Link an incident to a problem."})
    incident = update_audited(
        incident, actor=actor, fields={"problem": problem}, verb=AuditVerb.TICKET_LINK_PROBLEM
    )
    _event(
        incident,
        "linked",
        f"Linked to problem {problem.number}" if problem else "Unlinked from its problem",
        actor=actor,
    )
    return incident


@transactional
def problem_mark_known_error(*, actor: User, problem: Ticket, workaround: str) -> Ticket:
    """Record a problem as a known error with its workaround."""
    problem = lock(problem)  # as it is now, locked: decide on that
    _require_work(actor, problem)
    if problem.ticket_type != TicketType.PROBLEM:
        raise ValidationError({"known_error": "Only problems become known errors."})
    if not workaround.strip():
        raise ValidationError({"workaround": "Describe the workaround."})
    problem = update_audited(
        problem,
        actor=actor,
        fields={"known_error": True, "workaround": workaround.strip()},
        verb=AuditVerb.PROBLEM_KNOWN_ERROR,
    )
    _event(problem, "known_error", "Recorded as a known error", actor=actor)
    return problem


# --- incident ↔ change ------------------------------------------------------------------------------


@transactional
def ticket_link_change(*, actor: User, ticket: Ticket, change: Change) -> Ticket:
    """Relate an incident (or problem) to a change record the actor may see."""
    ticket = lock(ticket)  # as it is now, locked: decide on that
    _require_work(actor, ticket)
    require_object(actor, "view", change)
    if ticket.ticket_type == TicketType.REQUEST:
        raise ValidationError({"change": "Link changes to incidents and problems."})
    if ticket.changes.filter(pk=change.pk).exists():
        raise ValidationError({"change": f"{change.reference} is already linked."})
    ticket = update_audited(
        ticket,
        actor=actor,
        fields={},
        m2m={"changes": [*ticket.changes.all(), change]},
        verb=AuditVerb.TICKET_LINK_CHANGE,
    )
    _event(ticket, "change", f"Linked to change {change.reference}: {change.title}", actor=actor)
    return ticket


@transactional
def ticket_unlink_change(*, actor: User, ticket: Ticket, change: Change) -> Ticket:
    """Remove the relation between a ticket and a change."""
    ticket = lock(ticket)  # as it is now, locked: decide on that
    _require_work(actor, ticket)
    if not ticket.changes.filter(pk=change.pk).exists():
        raise ValidationError({"change": f"{change.reference} is not linked."})
    ticket = update_audited(
        ticket,
        actor=actor,
        fields={},
        m2m={"changes": ticket.changes.exclude(pk=change.pk)},
        verb=AuditVerb.TICKET_UNLINK_CHANGE,
    )
    _event(ticket, "change", f"Unlinked from change {change.reference}", actor=actor)
    return ticket

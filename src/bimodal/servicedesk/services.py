"""Writes of the service desk: tickets, comments, attachments, requests, SLA clocks, escalations, alerts."""

from __future__ import annotations

import os
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bimodal.core import audit
from bimodal.core.calendars import Timeline
from bimodal.core.choices import AuditAction
from bimodal.core.models import Notification, Team, User
from bimodal.core.services import (
    create_audited,
    notify,
    require_object,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.insights.services import record_ticket, record_ticket_assigned
from bimodal.servicedesk import sla
from bimodal.servicedesk.choices import (
    DEFAULT_PRIORITY_MATRIX,
    DONE_STATUSES,
    PREFIX,
    RESPONDED_STATUSES,
    TRANSITIONS,
    ApprovalState,
    Approver,
    Level,
    Priority,
    SlaState,
    SlaTarget,
    TaskStatus,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.forms_schema import clean_request_data
from bimodal.servicedesk.models import (
    CatalogueItem,
    FulfilmentTask,
    PriorityRule,
    SlaDefinition,
    SlaEscalation,
    SlaInstance,
    SlaPause,
    SupportSchedule,
    Ticket,
    TicketAttachment,
    TicketComment,
    TicketEvent,
    TicketHandoff,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
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
PRIORITY_UP = {Priority.P4: Priority.P3, Priority.P3: Priority.P2, Priority.P2: Priority.P1}


def priority_for(impact: int, urgency: int) -> str:
    """Priority from the (editable) impact × urgency matrix; the default matrix fills gaps."""
    rule = PriorityRule.objects.filter(impact=impact, urgency=urgency).first()
    return rule.priority if rule else DEFAULT_PRIORITY_MATRIX[(int(impact), int(urgency))]


def _event(ticket: Ticket, kind: str, text: str, *, actor=None, at: datetime | None = None) -> None:
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, text=text[:300], actor=actor, at=at or timezone.now()
    )


def _is_agent(user) -> bool:
    return bool(user) and user.has_perm("servicedesk.work_tickets")


def _require_work(actor, ticket: Ticket) -> None:
    """Agents may work only the tickets they can see (their groups', their supplier's queue)."""
    require_perm(actor, "servicedesk.work_tickets")
    require_object(actor, "change", ticket)


# --- tickets ---------------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    ticket_type: str,
    title: str,
    service,
    description: str = "",
    impact: int = Level.LOW,
    urgency: int = Level.LOW,
    category=None,
    assignment_group: Team | None = None,
    assignee: User | None = None,
    requester: User | None = None,
    major_incident: bool = False,
    catalogue_item: CatalogueItem | None = None,
    request_data: dict | None = None,
    alert_group_key: str | None = None,
    opened_at: datetime | None = None,
) -> Ticket:
    """Open a ticket; requesters open them for themselves, agents for anyone. SLA clocks start."""
    require_perm(actor, "servicedesk.add_ticket")
    require_object(actor, "view", service)
    agent = _is_agent(actor) or actor.is_superuser
    if requester is not None and requester != actor and not agent:
        raise PermissionDenied("Only agents open tickets on someone else's behalf.")
    if not agent and (assignee or major_incident or ticket_type == TicketType.PROBLEM):
        raise PermissionDenied("Only agents assign tickets, raise problems or declare major incidents.")
    opened_at = opened_at or timezone.now()
    next_id = (Ticket.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    ticket = Ticket(
        number=f"{PREFIX.get(ticket_type, 'TKT')}{next_id:06d}",
        ticket_type=ticket_type,
        title=title,
        description=description,
        service=service,
        requester=requester or actor,
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact, urgency),
        category=category,
        assignment_group=assignment_group or (catalogue_item.fulfilment_group if catalogue_item else None),
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
    create_audited(ticket, actor=actor, verb="ticket_create")
    record_ticket(ticket, "", ticket.status, at=opened_at)
    _event(
        ticket, "opened", f"Opened by {actor} ({ticket.get_priority_display()})", actor=actor, at=opened_at
    )
    sla_start(ticket=ticket, now=opened_at)
    if ticket.assignment_group_id:
        _handoff(ticket, old_group=None, new_group=ticket.assignment_group, actor=actor, now=opened_at)
        if ticket.assignee_id and ticket.assignment_group.supplier_id:
            sla_supplier_accept(ticket=ticket, supplier_id=ticket.assignment_group.supplier_id, now=opened_at)
    if major_incident:
        _event(ticket, "major", "Declared a major incident", actor=actor, at=opened_at)
    if ticket.assignment_group_id:
        recipients = [ticket.assignee] if ticket.assignee else list(ticket.assignment_group.members.all())
        notify(
            recipients=recipients,
            subject=f"New ticket {ticket.number}: {title}",
            url=ticket.get_absolute_url(),
        )
    return ticket


def _set_status(ticket: Ticket, status: str, *, actor, now: datetime, reason: str = "", **extra) -> Ticket:
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
        verb="ticket_transition",
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
    return ticket


@transaction.atomic
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
    now = now or timezone.now()
    own = ticket.requester_id == actor.pk
    requester_moves = {
        (TicketStatus.AWAITING_CUSTOMER, TicketStatus.IN_PROGRESS),
        (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS),
        (TicketStatus.RESOLVED, TicketStatus.CLOSED),
    }
    if own and ((ticket.status, status) in requester_moves or status == TicketStatus.CANCELLED):
        require_object(actor, "view", ticket)
    else:
        _require_work(actor, ticket)
    if ticket.status == TicketStatus.AWAITING_APPROVAL:
        raise ValidationError({"status": "The request is awaiting approval."})
    extra = {}
    if status == TicketStatus.RESOLVED:
        if not (resolution or ticket.resolution).strip():
            raise ValidationError({"resolution": "Say how it was resolved."})
        extra["resolution"] = resolution or ticket.resolution
    if status == TicketStatus.IN_PROGRESS and ticket.assignee_id is None and _is_agent(actor):
        extra["assignee"] = actor
    return _set_status(ticket, status, actor=actor, now=now, reason=reason, **extra)


@transaction.atomic
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
    _require_work(actor, ticket)
    now = now or timezone.now()
    old_group = ticket.assignment_group
    group = group or old_group
    if group is None:
        raise ValidationError({"group": "Choose an assignment group."})
    if actor.supplier_id and group.supplier_id != actor.supplier_id:
        raise PermissionDenied("Supplier agents assign only within their supplier's queue.")
    if assignee is not None and not group.members.filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": f"{assignee} is not a member of {group}."})
    if group != old_group:
        _check_supplier_cover(ticket, group, at=now)
    ticket = update_audited(
        ticket,
        actor=actor,
        fields={"assignment_group": group, "assignee": assignee},
        reason=reason,
        verb="ticket_assign",
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
        subject=f"{ticket.number} assigned to you: {ticket.title}",
        url=ticket.get_absolute_url(),
    )
    return ticket


@transaction.atomic
def ticket_classify(
    *,
    actor: User,
    ticket: Ticket,
    impact: int | None = None,
    urgency: int | None = None,
    category=None,
    major_incident: bool | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Change impact, urgency (so priority), category or the major-incident flag; SLA clocks re-match."""
    _require_work(actor, ticket)
    now = now or timezone.now()
    impact = impact or ticket.impact
    urgency = urgency or ticket.urgency
    fields = {"impact": impact, "urgency": urgency, "priority": priority_for(impact, urgency)}
    if category is not None:
        fields["category"] = category
    if major_incident is not None:
        if ticket.ticket_type != TicketType.INCIDENT and major_incident:
            raise ValidationError({"major_incident": "Only incidents can be major incidents."})
        fields["major_incident"] = major_incident
    old_priority = ticket.priority
    ticket = update_audited(ticket, actor=actor, fields=fields, reason=reason, verb="ticket_classify")
    if ticket.priority != old_priority:
        _event(ticket, "priority", f"Priority {old_priority} → {ticket.priority}", actor=actor, at=now)
        sla_rematch(ticket=ticket, now=now)
    return ticket


@transaction.atomic
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
        verb="ticket_comment",
    )
    if not internal:
        if actor.pk == ticket.requester_id:
            recipients = [ticket.assignee] if ticket.assignee else []
        else:
            recipients = [ticket.requester]
        notify(
            recipients=recipients,
            subject=f"New comment on {ticket.number}",
            body=body[:500],
            url=ticket.get_absolute_url(),
        )
    return comment


@transaction.atomic
def ticket_attach(*, actor: User, ticket: Ticket, upload) -> TicketAttachment:
    """Attach a file (size and type limited), stored through Django's storage API."""
    require_object(actor, "view", ticket)
    if ticket.requester_id != actor.pk:
        _require_work(actor, ticket)
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": f"Files may be at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."})
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"file": f"Files of type {content_type or 'unknown'} are not accepted."})
    name = os.path.basename(upload.name)[:200]
    attachment = TicketAttachment(
        ticket=ticket, file=upload, name=name, content_type=content_type, size=upload.size, uploaded_by=actor
    )
    attachment.full_clean()
    attachment.save()
    # The audit row names the stored file; the file itself lives in the storage backend.
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=attachment,
        verb="ticket_attach",
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


@transaction.atomic
def ticket_link_problem(*, actor: User, incident: Ticket, problem: Ticket | None) -> Ticket:
    """Link an incident to the problem behind it (or unlink with None)."""
    _require_work(actor, incident)
    if problem is not None:
        require_object(actor, "view", problem)
        if problem.ticket_type != TicketType.PROBLEM or incident.ticket_type != TicketType.INCIDENT:
            raise ValidationError({"problem": "Link an incident to a problem."})
    incident = update_audited(incident, actor=actor, fields={"problem": problem}, verb="ticket_link_problem")
    _event(
        incident,
        "linked",
        f"Linked to problem {problem.number}" if problem else "Unlinked from its problem",
        actor=actor,
    )
    return incident


@transaction.atomic
def problem_mark_known_error(*, actor: User, problem: Ticket, workaround: str) -> Ticket:
    """Record a problem as a known error with its workaround."""
    _require_work(actor, problem)
    if problem.ticket_type != TicketType.PROBLEM:
        raise ValidationError({"known_error": "Only problems become known errors."})
    if not workaround.strip():
        raise ValidationError({"workaround": "Describe the workaround."})
    problem = update_audited(
        problem,
        actor=actor,
        fields={"known_error": True, "workaround": workaround.strip()},
        verb="problem_known_error",
    )
    _event(problem, "known_error", "Recorded as a known error", actor=actor)
    return problem


# --- the request catalogue ---------------------------------------------------------------------------


@transaction.atomic
def request_submit(
    *, actor: User, item: CatalogueItem, data: dict, title: str = "", opened_at: datetime | None = None
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
        approvers = _approvers(ticket)
        notify(
            recipients=approvers,
            subject=f"Approval needed: {ticket.number} {ticket.title}",
            url=ticket.get_absolute_url(),
        )
    else:
        _create_tasks(ticket)
    return ticket


def _approvers(ticket: Ticket) -> list[User]:
    item = ticket.catalogue_item
    if item.approver == Approver.MANAGER:
        return [ticket.requester.manager] if ticket.requester.manager else []
    return list(User.objects.filter(groups__name=item.approver_role, is_active=True))


def _create_tasks(ticket: Ticket) -> None:
    item = ticket.catalogue_item
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


@transaction.atomic
def request_decide(
    *, actor: User, ticket: Ticket, approve: bool, reason: str = "", now: datetime | None = None
) -> Ticket:
    """Approve or reject a request waiting for approval (the requester's manager, or the approving role)."""
    now = now or timezone.now()
    if ticket.approval != ApprovalState.PENDING:
        raise ValidationError({"approval": "This request is not waiting for approval."})
    if actor.pk == ticket.requester_id or actor not in _approvers(ticket):
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
        subject=f"{ticket.number} {state.label.lower()}",
        body=reason,
        url=ticket.get_absolute_url(),
    )
    return ticket


@transaction.atomic
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
        verb="task_complete",
    )
    _event(task.ticket, "task", f"Task done: {task.title}", actor=actor)
    return task


# --- SLA clocks ----------------------------------------------------------------------------------------


def _definitions():
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
    """After a priority change: move open clocks to the definition that now matches, keeping elapsed time."""
    matched = sla.match_definitions(ticket, _definitions())
    by_contract: dict[int, dict] = {}
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
        if running:
            instance.running_since = now
            instance.due_at = sla.due_from(instance)
            instance.state = (
                SlaState.BREACHED
                if instance.elapsed_seconds > definition.target_seconds
                else SlaState.RUNNING
            )
        instance.save()
        _event(ticket, "sla", f"{instance.get_target_display()} SLA now {definition.name}", at=now)


# --- hand-offs between parties and the suppliers' contracted clocks (SIAM) ---------------------------


def _holder_supplier(ticket: Ticket) -> int | None:
    """The supplier whose queue holds the ticket now (None: an internal team or nobody)."""
    if not ticket.assignment_group_id:
        return None
    return Team.objects.filter(pk=ticket.assignment_group_id).values_list("supplier_id", flat=True).first()


def _contract_definitions(contract_id: int):
    return SlaDefinition.objects.filter(active=True, contract_target__contract_id=contract_id).select_related(
        "schedule"
    )


def _check_supplier_cover(ticket: Ticket, group: Team, *, at: datetime) -> None:
    """A supplier queue takes only tickets its supplier is contracted for (once it has contracts)."""
    if not group.supplier_id:
        return
    from bimodal.suppliers import selectors as supplier_selectors

    if not supplier_selectors.supplier_has_contracts(group.supplier_id):
        return
    if supplier_selectors.covering_contract(supplier_id=group.supplier_id, ticket=ticket, on=at) is None:
        raise ValidationError(
            {"group": f"{group.supplier} has no current contract covering {ticket.service}."}
        )


def _handoff(
    ticket: Ticket, *, old_group: Team | None, new_group: Team, actor, now: datetime, reason: str = ""
) -> TicketHandoff:
    """Record the ticket passing between parties and move the suppliers' contracted clocks with it."""
    handoff = TicketHandoff.objects.create(
        ticket=ticket,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
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
    from bimodal.suppliers import selectors as supplier_selectors

    contract = supplier_selectors.covering_contract(supplier_id=supplier_id, ticket=ticket, on=now)
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


def _supplier_clock_on_status(instance: SlaInstance, *, holds: bool, old: str, new: str, now: datetime):
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


def sla_check(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute every running clock (numpy, per schedule) and raise the warnings and breaches now due."""
    now = now or timezone.now()
    running = list(
        SlaInstance.objects.filter(running_since__isnull=False, stopped_at__isnull=True)
        .select_related("definition__schedule", "ticket")
        .prefetch_related("escalations")
    )
    by_schedule: dict[int, list[SlaInstance]] = {}
    for instance in running:
        by_schedule.setdefault(instance.definition.schedule_id, []).append(instance)
    raised = breached = 0
    due: list[tuple[SlaInstance, int]] = []
    import numpy as np

    for group in by_schedule.values():
        schedule = group[0].definition.schedule.as_schedule()
        since = np.array([i.running_since.timestamp() for i in group])
        timeline = Timeline(schedule, min(i.running_since for i in group), now)
        elapsed = timeline.between(since, now.timestamp())
        for instance, extra in zip(group, elapsed.tolist(), strict=True):
            instance.computed_elapsed = instance.elapsed_seconds + extra
            instance.computed_at = now
            target = instance.definition.target_seconds
            if instance.computed_elapsed > target and instance.state == SlaState.RUNNING:
                instance.state = SlaState.BREACHED
                instance.breached_at = instance.due_at
                breached += 1
            pct = sla.percent_used(instance.computed_elapsed, target)
            done = {e.threshold for e in instance.escalations.all()}
            for threshold in sorted({*instance.definition.warning_thresholds, 100}):
                if pct >= threshold and threshold not in done:
                    due.append((instance, threshold))
    # Clocks are saved before escalating: an escalation may hand the ticket off and pause clocks.
    SlaInstance.objects.bulk_update(
        running, ["computed_elapsed", "computed_at", "state", "breached_at"], batch_size=500
    )
    for instance, threshold in due:
        raised += bool(sla_escalate(instance=instance, threshold=threshold, now=now))
    return {"running": len(running), "breached": breached, "escalations": raised}


def sla_escalate(
    *, instance: SlaInstance, threshold: int, now: datetime | None = None
) -> SlaEscalation | None:
    """Raise one warning (threshold %) or the breach (100) of a clock, at most once ever: the unique
    (instance, threshold) row is written in the same transaction as the notifications."""
    now = now or timezone.now()
    ticket = instance.ticket
    definition = instance.definition
    try:
        with transaction.atomic():
            escalation = SlaEscalation.objects.create(instance=instance, threshold=threshold, created_at=now)
            recipients: list[User] = [ticket.assignee] if ticket.assignee else []
            if ticket.assignment_group_id and not recipients:
                recipients += list(ticket.assignment_group.members.all())
            breach = threshold >= 100
            if breach and definition.escalation_team_id:
                recipients += list(definition.escalation_team.members.all())
                if definition.escalation_team.lead:
                    recipients.append(definition.escalation_team.lead)
            what = "breached" if breach else f"at {threshold}%"
            subject = (
                f"SLA {what}: {ticket.number} {instance.get_target_display().lower()} ({ticket.priority})"
            )
            notify(recipients=recipients, subject=subject, body=ticket.title, url=ticket.get_absolute_url())
            escalation.recipients = sorted({u.username for u in recipients if u})
            escalation.save(update_fields=["recipients"])
            audit.record(
                actor=None,
                action=AuditAction.OTHER,
                obj=escalation,
                after=audit.snapshot(escalation),
                verb="sla_escalate",
                reason=subject,
            )
            _event(ticket, "escalation", subject, at=now)
            if breach and definition.raise_priority_on_breach and ticket.priority in PRIORITY_UP:
                new = PRIORITY_UP[ticket.priority]
                Ticket.objects.filter(pk=ticket.pk).update(priority=new)
                _event(ticket, "priority", f"Priority raised to {new} on breach", at=now)
            current = (
                Ticket.objects.filter(pk=ticket.pk).values_list("assignment_group_id", flat=True).first()
            )
            if (
                breach
                and definition.escalation_team_id
                and not ticket.assignee_id
                and current != definition.escalation_team_id
            ):
                old_group = Team.objects.filter(pk=current).first() if current else None
                Ticket.objects.filter(pk=ticket.pk).update(assignment_group=definition.escalation_team)
                ticket.assignment_group = definition.escalation_team
                _event(ticket, "assigned", f"Escalated to {definition.escalation_team}", at=now)
                _handoff(
                    ticket,
                    old_group=old_group,
                    new_group=definition.escalation_team,
                    actor=None,
                    now=now,
                    reason="SLA breach escalation",
                )
            return escalation
    except IntegrityError:
        return None  # another worker (or an earlier run) already raised it


# --- Prometheus Alertmanager ----------------------------------------------------------------------


def _alert_user() -> User:
    user, created = User.objects.get_or_create(
        username="alertmanager",
        defaults={"first_name": "Alertmanager", "job_title": "Monitoring (machine account)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


SEVERITY = {
    "critical": (Level.HIGH, Level.HIGH),
    "page": (Level.HIGH, Level.HIGH),
    "warning": (Level.MEDIUM, Level.MEDIUM),
}


@transaction.atomic
def alertmanager_ingest(*, payload: dict, now: datetime | None = None) -> tuple[Ticket | None, str]:
    """One Alertmanager notification: a firing group opens (or updates) one incident, a resolved one resolves it.

    Alerts are deduplicated by `groupKey`: every notification of a group lands on the same open incident."""
    from bimodal.portfolio.models import Service

    now = now or timezone.now()
    group_key = payload.get("groupKey")
    status = payload.get("status")
    alerts = payload.get("alerts")
    if (
        not isinstance(group_key, str)
        or not group_key
        or status not in {"firing", "resolved"}
        or not isinstance(alerts, list)
    ):
        raise ValidationError(
            {"payload": "Expected an Alertmanager webhook payload (groupKey, status, alerts)."}
        )
    labels = {**(payload.get("commonLabels") or {})}
    annotations = payload.get("commonAnnotations") or {}
    ticket = Ticket.objects.select_for_update().filter(alert_group_key=group_key).first()
    machine = _alert_user()
    names = sorted(
        {str(a.get("labels", {}).get("alertname", "")) for a in alerts if isinstance(a, dict)} - {""}
    )
    summary = annotations.get("summary") or ", ".join(names) or labels.get("alertname", "Alert")
    if status == "resolved":
        if ticket is None or ticket.status in DONE_STATUSES:
            return ticket, "ignored"
        # A monitoring resolution: the system moves the incident along the declared transitions.
        if ticket.status == TicketStatus.NEW:
            ticket = _set_status(ticket, TicketStatus.IN_PROGRESS, actor=machine, now=now)
        ticket = _set_status(
            ticket,
            TicketStatus.RESOLVED,
            actor=machine,
            now=now,
            reason="alerts resolved",
            resolution=f"Resolved by monitoring: {summary}",
        )
        return ticket, "resolved"
    lines = []
    for alert in alerts:
        if isinstance(alert, dict):
            starts = parse_datetime(str(alert.get("startsAt", ""))) if alert.get("startsAt") else None
            lines.append(
                f"- {alert.get('labels', {}).get('alertname', '?')} {alert.get('labels', {}).get('instance', '')} since {starts or '?'}"
            )
    if ticket is not None and ticket.status not in DONE_STATUSES:
        _event(ticket, "alert", f"Alertmanager: {len(alerts)} alert(s) firing", actor=machine, at=now)
        return ticket, "updated"
    slug = labels.get("service") or next(
        (
            a.get("labels", {}).get("service")
            for a in alerts
            if isinstance(a, dict) and a.get("labels", {}).get("service")
        ),
        None,
    )
    service = Service.objects.filter(slug=slug).select_related("owner_team").first() if slug else None
    if service is None:
        raise ValidationError(
            {"commonLabels": f"No service with slug {slug!r}: label alerts with service=<slug>."}
        )
    impact, urgency = SEVERITY.get(str(labels.get("severity", "")).lower(), (Level.MEDIUM, Level.LOW))
    if ticket is not None:
        # The group fired again after its incident was closed: keep the key on the new incident.
        Ticket.objects.filter(pk=ticket.pk).update(alert_group_key=None)
    next_id = (Ticket.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    incident = Ticket(
        number=f"INC{next_id:06d}",
        ticket_type=TicketType.INCIDENT,
        title=f"[alert] {summary}"[:200],
        description="\n".join([annotations.get("description", ""), *lines]).strip(),
        service=service,
        requester=machine,
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact, urgency),
        assignment_group=service.owner_team,
        alert_group_key=group_key,
        opened_at=now,
    )
    create_audited(incident, actor=machine, verb="ticket_create_from_alert")
    record_ticket(incident, "", incident.status, at=now)
    _event(incident, "opened", f"Opened by Alertmanager ({len(alerts)} alert(s))", actor=machine, at=now)
    sla_start(ticket=incident, now=now)
    notify(
        recipients=list(service.owner_team.members.all()),
        subject=f"{incident.number}: {incident.title}",
        url=incident.get_absolute_url(),
    )
    return incident, "created"


def alertmanager_secret() -> str:
    """The shared secret Alertmanager must send (empty: the webhook is disabled)."""
    return getattr(settings, "BIMODAL_ALERTMANAGER_SECRET", "") or os.environ.get(
        "BIMODAL_ALERTMANAGER_SECRET", ""
    )


# --- incident ↔ change ------------------------------------------------------------------------------


@transaction.atomic
def ticket_link_change(*, actor: User, ticket: Ticket, change) -> Ticket:
    """Relate an incident (or problem) to a change record the actor may see."""
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
        verb="ticket_link_change",
    )
    _event(ticket, "change", f"Linked to change {change.reference}: {change.title}", actor=actor)
    return ticket


@transaction.atomic
def ticket_unlink_change(*, actor: User, ticket: Ticket, change) -> Ticket:
    """Remove the relation between a ticket and a change."""
    _require_work(actor, ticket)
    if not ticket.changes.filter(pk=change.pk).exists():
        raise ValidationError({"change": f"{change.reference} is not linked."})
    ticket = update_audited(
        ticket,
        actor=actor,
        fields={},
        m2m={"changes": ticket.changes.exclude(pk=change.pk)},
        verb="ticket_unlink_change",
    )
    _event(ticket, "change", f"Unlinked from change {change.reference}", actor=actor)
    return ticket


# --- notifications ----------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications as read."""
    require_object(actor, "view", notification)
    if notification.read_at is not None:
        return notification
    return update_audited(
        notification, actor=actor, fields={"read_at": timezone.now()}, verb="notification_mark_read"
    )


@transaction.atomic
def notification_mark_all_read(*, actor: User) -> int:
    """Mark all of the actor's unread notifications as read (one audit entry for the batch)."""
    unread = Notification.objects.restrict(actor, "view").filter(read_at__isnull=True)
    ids = list(unread.values_list("pk", flat=True))
    if not ids:
        return 0
    Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=actor,
        after={"notifications_read": ids},
        verb="notification_mark_all_read",
    )
    return len(ids)


# --- administration: catalogue, SLA definitions, schedules, priority matrix ------------------------


@transaction.atomic
def catalogue_item_create(*, actor: User, name: str, slug: str = "", **fields) -> CatalogueItem:
    """Add an item to the request catalogue (form schema, approval and fulfilment tasks validated)."""
    require_perm(actor, "servicedesk.add_catalogueitem")
    item = CatalogueItem(name=name, slug=slug or unique_slug(CatalogueItem, name), **fields)
    return create_audited(item, actor=actor, verb="catalogue_item_create")


@transaction.atomic
def catalogue_item_update(*, actor: User, item: CatalogueItem, reason: str = "", **fields) -> CatalogueItem:
    """Change a catalogue item; its form, approval and tasks apply to new requests."""
    require_perm(actor, "servicedesk.change_catalogueitem")
    require_object(actor, "change", item)
    return update_audited(item, actor=actor, fields=fields, reason=reason, verb="catalogue_item_update")


@transaction.atomic
def schedule_create(*, actor: User, name: str, slug: str = "", **fields) -> SupportSchedule:
    """Add a support schedule (working hours, time zone, holidays, closures)."""
    require_perm(actor, "servicedesk.add_supportschedule")
    schedule = SupportSchedule(name=name, slug=slug or unique_slug(SupportSchedule, name), **fields)
    return create_audited(schedule, actor=actor, verb="schedule_create")


@transaction.atomic
def schedule_update(*, actor: User, schedule: SupportSchedule, reason: str = "", **fields) -> SupportSchedule:
    """Change a schedule: running clocks use it from their next recompute; due times move on next pause."""
    require_perm(actor, "servicedesk.change_supportschedule")
    require_object(actor, "change", schedule)
    return update_audited(schedule, actor=actor, fields=fields, reason=reason, verb="schedule_update")


@transaction.atomic
def sla_definition_create(*, actor: User, **fields) -> SlaDefinition:
    """Add an SLA definition; it applies to tickets opened (or re-prioritised) from now on."""
    require_perm(actor, "servicedesk.add_sladefinition")
    return create_audited(SlaDefinition(**fields), actor=actor, verb="sla_definition_create")


@transaction.atomic
def sla_definition_update(
    *, actor: User, definition: SlaDefinition, reason: str = "", **fields
) -> SlaDefinition:
    """Change an SLA definition (existing clocks keep their definition, with its new target)."""
    require_perm(actor, "servicedesk.change_sladefinition")
    require_object(actor, "change", definition)
    return update_audited(definition, actor=actor, fields=fields, reason=reason, verb="sla_definition_update")


def priority_matrix() -> dict[tuple[int, int], str]:
    """The effective impact × urgency matrix (rows over the default)."""
    matrix = {key: str(value) for key, value in DEFAULT_PRIORITY_MATRIX.items()}
    for rule in PriorityRule.objects.all():
        matrix[(rule.impact, rule.urgency)] = rule.priority
    return matrix


@transaction.atomic
def priority_matrix_set(
    *, actor: User, matrix: dict[tuple[int, int], str], reason: str = ""
) -> dict[tuple[int, int], str]:
    """Set cells of the impact × urgency matrix; each changed cell is audited. Existing tickets keep theirs."""
    require_perm(actor, "servicedesk.change_priorityrule")
    require_perm(actor, "servicedesk.add_priorityrule")
    errors = {}
    for (impact, urgency), priority in matrix.items():
        if impact not in Level.values or urgency not in Level.values:
            errors[f"{impact}x{urgency}"] = "Impact and urgency are 1, 2 or 3."
        elif priority not in Priority.values:
            errors[f"{impact}x{urgency}"] = f"{priority!r} is not a priority (P1–P4)."
    if errors:
        raise ValidationError(errors)
    rules = {(r.impact, r.urgency): r for r in PriorityRule.objects.select_for_update()}
    current = priority_matrix()
    for (impact, urgency), priority in sorted(matrix.items()):
        rule = rules.get((impact, urgency))
        if current[(impact, urgency)] == priority:
            continue  # unchanged cells write (and audit) nothing
        if rule is None:
            create_audited(
                PriorityRule(impact=impact, urgency=urgency, priority=priority),
                actor=actor,
                reason=reason,
                verb="priority_matrix_set",
            )
        elif rule.priority != priority:
            update_audited(
                rule, actor=actor, fields={"priority": priority}, reason=reason, verb="priority_matrix_set"
            )
    return priority_matrix()

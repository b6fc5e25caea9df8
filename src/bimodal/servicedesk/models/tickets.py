"""Tickets and what hangs off them: comments, attachments, events, hand-offs and fulfilment tasks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.servicedesk.choices import (
    OPEN_STATUSES,
    ApprovalState,
    Level,
    Priority,
    TaskStatus,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.models.base import USER, ticket_visibility
from bimodal.servicedesk.models.catalogue import CatalogueItem, Category


class TicketQuerySet(RestrictedQuerySet):
    """Requesters see their own tickets, agents their groups' and services', supplier agents their supplier's
    queue (models/base.py)."""

    def restriction(self, user, action: str) -> Q | None:
        return ticket_visibility(user, action=action)

    def with_related(self) -> TicketQuerySet:
        return self.select_related(
            "service__mode",
            "requester",
            "assignee",
            "assignment_group__supplier",
            "category",
            "catalogue_item",
        )


class Ticket(TimeStampedModel):
    """An incident, service request or problem, linked to a service (and so to its mode)."""

    number = models.CharField(max_length=20, unique=True, editable=False)
    ticket_type = models.CharField(max_length=20, choices=TicketType.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service = models.ForeignKey("portfolio.Service", on_delete=models.PROTECT, related_name="tickets")
    requester = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="requested_tickets")
    impact = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.LOW)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P4)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignment_group = models.ForeignKey(
        "core.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    assignee = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_tickets"
    )
    routing_rule = models.ForeignKey(
        "servicedesk.RoutingRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="The rule that chose the group (none: a person, the catalogue item or the service did).",
    )
    routed_by_hand = models.BooleanField(
        default=False, help_text="A person chose the group: a change of service does not re-route it."
    )
    major_incident = models.BooleanField(default=False)
    catalogue_item = models.ForeignKey(
        CatalogueItem, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    request_data = models.JSONField(default=dict, blank=True)
    approval = models.CharField(
        max_length=20, choices=ApprovalState.choices, default=ApprovalState.NOT_REQUIRED
    )
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    problem = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        limit_choices_to={"ticket_type": TicketType.PROBLEM},
    )
    known_error = models.BooleanField(default=False, help_text="Problems: root cause and workaround known.")
    workaround = models.TextField(blank=True)
    changes = models.ManyToManyField(
        "changes.Change", blank=True, related_name="tickets", help_text="Related change records."
    )
    alert_group_key = models.CharField(max_length=500, null=True, blank=True, unique=True)
    opened_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0, help_text="Times reopened after resolution.")

    objects = RestrictedManager.from_queryset(TicketQuerySet)()

    class Meta:
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("work_tickets", "Can work tickets of their groups (agent)"),
            ("view_all_tickets", "Can see every ticket"),
            ("view_internal_comments", "Can read and write internal comments"),
            ("approve_requests", "Can approve service requests for their role"),
            ("route_tickets", "Can route any ticket they see: its group, assignee and service (desk lead)"),
        ]
        indexes = [
            models.Index(fields=["status", "priority"]),
            # The lists' order (the API's and the ticket lists'): a page is read from the index, not sorted.
            models.Index(fields=["-opened_at", "-id"], name="ticket_opened_idx"),
            # The agent queue: open tickets by priority, oldest first, read in order from a small index.
            models.Index(
                fields=["priority", "opened_at", "id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="ticket_open_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:ticket_detail", args=[self.number])


class TicketChildQuerySet(RestrictedQuerySet):
    """Rows of a ticket are visible with the ticket; internal comments only to agents."""

    def restriction(self, user, action: str) -> Q | None:
        condition = ticket_visibility(user, "ticket__", action=action)
        if hasattr(self.model, "internal") and not user.has_perm("servicedesk.view_internal_comments"):
            hide = Q(internal=False)
            return hide if condition is None else condition & hide
        return condition


class TicketComment(models.Model):
    """A public or internal comment on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager.from_queryset(TicketChildQuerySet)()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment on {self.ticket_id}"


def attachment_path(instance, filename: str) -> str:
    return f"servicedesk/{instance.ticket_id}/{filename}"


class TicketAttachment(models.Model):
    """A file attached to a ticket (stored through Django's storage API)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager.from_queryset(TicketChildQuerySet)()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class TicketEvent(models.Model):
    """One line of a ticket's timeline (opened, assigned, status changed, SLA warned …)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=300)

    objects = RestrictedManager.from_queryset(TicketChildQuerySet)()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text


class TicketHandoff(models.Model):
    """The ticket passed from one party (internal team or supplier queue) to another: the SIAM record.

    The supplier columns are copied from the teams when the hand-off happens, so the record keeps saying
    which party held the ticket even if a team later changes supplier."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="handoffs")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_team = models.ForeignKey(
        "core.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="+")
    from_supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    objects = RestrictedManager.from_queryset(TicketChildQuerySet)()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_supplier", "at"]), models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_team_id} → {self.to_team_id}"


class FulfilmentTask(models.Model):
    """A piece of work to fulfil a service request, assigned to a group."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="fulfilment_tasks")
    title = models.CharField(max_length=200)
    assignment_group = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(TicketChildQuerySet)()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title

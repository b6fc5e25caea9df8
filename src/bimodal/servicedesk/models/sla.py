"""SLA definitions, the clocks that run on tickets, their pauses and escalations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.servicedesk.choices import (
    Priority,
    SlaState,
    SlaTarget,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.models.base import ticket_visibility
from bimodal.servicedesk.models.catalogue import CatalogueItem, SupportSchedule
from bimodal.servicedesk.models.tickets import Ticket


class SlaDefinitionQuerySet(RestrictedQuerySet["SlaDefinition"]):
    """A supplier's agent sees the general definitions and those of their own supplier's contracts, not
    other suppliers' contracted targets (a contract's target is a definition: suppliers' ContractSlaTarget)."""

    def restriction(self, user: User, action: str) -> Q | None:
        if user.supplier_id:
            return Q(contract_target__isnull=True) | Q(
                contract_target__contract__supplier_id=user.supplier_id
            )
        return None


class SlaDefinition(TimeStampedModel):
    """A target (response or resolution) for tickets matching its criteria, on a schedule."""

    name = models.CharField(max_length=160, unique=True)
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    ticket_type = models.CharField(max_length=20, choices=TicketType.choices, blank=True)
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    mode = models.ForeignKey("portfolio.Mode", on_delete=models.PROTECT, null=True, blank=True)
    catalogue_item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, null=True, blank=True)
    target_seconds = models.PositiveIntegerField(help_text="Business seconds on the schedule.")
    schedule = models.ForeignKey(SupportSchedule, on_delete=models.PROTECT, related_name="definitions")
    pause_statuses = models.JSONField(default=list, blank=True, help_text="Ticket statuses that pause it.")
    warning_thresholds = models.JSONField(
        default=list, blank=True, help_text="Percentages, e.g. [50, 75, 90]."
    )
    escalation_team = models.ForeignKey(
        "core.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raise_priority_on_breach = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    objects = RestrictedManager.from_queryset(SlaDefinitionQuerySet)()

    class Meta:
        ordering = ["target", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def pause_status_labels(self) -> list[str]:
        """The statuses that pause the clock, by their display names."""
        labels = dict(TicketStatus.choices)
        return [str(labels.get(status, status)) for status in self.pause_statuses or []]

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:admin_definition", args=[self.pk])

    def clean(self):

        errors = {}
        if not self.target_seconds:
            errors["target_seconds"] = "The target must be more than zero."
        pauses = self.pause_statuses
        if not isinstance(pauses, list) or set(pauses) - set(TicketStatus.values):
            errors["pause_statuses"] = "Pause statuses must be ticket statuses."
        elif set(pauses) & {TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED}:
            errors["pause_statuses"] = "Resolved, closed and cancelled stop the clock; they cannot pause it."
        marks = self.warning_thresholds
        if (
            not isinstance(marks, list)
            or not all(isinstance(m, int) and not isinstance(m, bool) and 0 < m < 100 for m in marks)
            or len(set(marks)) != len(marks)
        ):
            errors["warning_thresholds"] = "Thresholds are distinct whole percentages between 1 and 99."
        if errors:
            raise ValidationError(errors)

    @property
    def target_duration(self) -> str:
        """The target in business time, e.g. '4h 00m'."""
        from bimodal.servicedesk.sla import format_duration

        return format_duration(self.target_seconds)

    @property
    def specificity(self) -> int:
        """How many criteria it sets: the most specific matching definition wins."""
        return sum(bool(x) for x in (self.ticket_type, self.priority, self.mode_id, self.catalogue_item_id))

    def matches(self, ticket: Ticket) -> bool:
        """Whether this definition applies to the ticket."""
        return (
            self.active
            and (not self.ticket_type or self.ticket_type == ticket.ticket_type)
            and (not self.priority or self.priority == ticket.priority)
            and (not self.mode_id or self.mode_id == ticket.service.mode_id)
            and (not self.catalogue_item_id or self.catalogue_item_id == ticket.catalogue_item_id)
        )


class SlaInstanceQuerySet(RestrictedQuerySet):
    """SLA clocks are visible with their ticket."""

    def restriction(self, user, action: str) -> Q | None:
        return ticket_visibility(user, "ticket__")


class SlaInstance(models.Model):
    """One SLA clock of one ticket.

    Elapsed business time = `elapsed_seconds` banked before `running_since` plus the schedule's working
    time from `running_since` to now; `due_at` is fixed while the clock runs and moves after a pause."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_instances")
    definition = models.ForeignKey(SlaDefinition, on_delete=models.PROTECT, related_name="instances")
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    state = models.CharField(max_length=20, choices=SlaState.choices, default=SlaState.RUNNING)
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    elapsed_seconds = models.FloatField(default=0, help_text="Banked before running_since.")
    due_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    computed_elapsed = models.FloatField(default=0, help_text="Elapsed at computed_at (for lists).")
    raised_threshold = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        help_text="The highest warning or breach (%) raised for this clock, or lower: the periodic check looks "
        "for escalations due only above it (a value too low costs a look-up, never a missed escalation).",
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_clocks",
        help_text="Set on a supplier's contracted (underpinning) clock; empty on the end-to-end clock.",
    )

    objects = RestrictedManager.from_queryset(SlaInstanceQuerySet)()

    class Meta:
        ordering = ["target", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target"],
                condition=Q(supplier__isnull=True),
                name="sd_one_clock_per_target",
            ),
            models.UniqueConstraint(
                fields=["ticket", "target", "supplier"],
                condition=Q(supplier__isnull=False),
                name="sd_one_supplier_clock_per_target",
            ),
        ]
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.state}"


class SlaPause(models.Model):
    """A period when an SLA clock stood still."""

    instance = models.ForeignKey(SlaInstance, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=40)

    objects = RestrictedManager()

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"pause {self.reason}"


class SlaEscalation(models.Model):
    """A warning (threshold %) or breach (100) that was raised: unique, so it is sent at most once."""

    instance = models.ForeignKey(SlaInstance, on_delete=models.CASCADE, related_name="escalations")
    threshold = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    objects = RestrictedManager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["instance", "threshold"], name="sd_escalate_once")]

    def __str__(self) -> str:
        return f"{self.instance} {self.threshold}%"

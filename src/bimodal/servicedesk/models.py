"""Models of the service desk: tickets, the request catalogue, schedules and SLA clocks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.calendars import WEEKDAYS, Schedule, check_region
from bimodal.core.models import Team, TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.core.roles import Role
from bimodal.servicedesk.choices import (
    ApprovalState,
    Approver,
    Department,
    Level,
    Priority,
    SlaState,
    SlaTarget,
    TaskStatus,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.forms_schema import validate_schema

USER = settings.AUTH_USER_MODEL


def ticket_visibility(user, prefix: str = "") -> Q | None:
    """Which tickets a user may see: all (auditors, managers), their supplier's queue, their groups', their own."""
    if user.has_perm("servicedesk.view_all_tickets"):
        return None
    p = prefix
    own = Q(**{f"{p}requester": user})
    if user.supplier_id:
        return Q(**{f"{p}assignment_group__supplier_id": user.supplier_id}) | own
    if user.has_perm("servicedesk.work_tickets"):
        return (
            Q(**{f"{p}assignment_group__members": user})
            | Q(**{f"{p}assignee": user})
            | Q(**{f"{p}fulfilment_tasks__assignment_group__members": user})
            | own
        )
    return own


class SupportSchedule(TimeStampedModel):
    """Working hours in a time zone with public holidays and closures (or 24×7), for SLA clocks."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    always_on = models.BooleanField(default=False, help_text="24×7: the clock always runs.")
    hours = models.JSONField(
        default=dict, blank=True, help_text='Per weekday, e.g. {"mon": [["09:00", "17:30"]], …}'
    )
    country = models.CharField(
        max_length=8, blank=True, help_text="Public holidays of this country (ISO code)."
    )
    subdivision = models.CharField(max_length=16, blank=True, help_text="Region, e.g. ENG, SCT.")
    closures = models.JSONField(default=list, blank=True, help_text="Extra closed dates (ISO).")

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_schedule(self) -> Schedule:
        """The calendar value the arithmetic works on."""
        if self.always_on:
            return Schedule.twenty_four_seven()
        return Schedule.from_spec(
            time_zone=self.time_zone,
            hours=self.hours,
            country=self.country,
            subdivision=self.subdivision,
            closures=self.closures,
        )

    def clean(self):
        from zoneinfo import ZoneInfo

        errors = {}
        try:
            ZoneInfo(self.time_zone)
        except Exception:
            errors["time_zone"] = f"Unknown time zone {self.time_zone!r} (e.g. Europe/London)."
        try:
            check_region(self.country, self.subdivision)
        except ValueError as exc:
            errors["subdivision" if self.country and "subdivision" in str(exc) else "country"] = str(exc)
        if not isinstance(self.hours, dict) or set(self.hours) - set(WEEKDAYS):
            errors["hours"] = f"Working hours are keyed by weekday: {', '.join(WEEKDAYS)}."
        if not isinstance(self.closures, list):
            errors["closures"] = "Closures are a list of ISO dates."
        if not errors:
            try:
                schedule = self.as_schedule()
            except Exception as exc:
                key = "closures" if "isoformat" in str(exc) or "date" in str(exc) else "hours"
                errors[key] = str(exc)
            else:
                if not schedule.has_working_time():
                    errors["hours"] = "Give some working hours (or make the schedule 24×7)."
        if errors:
            raise ValidationError(errors)


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix (editable data)."""

    impact = models.PositiveSmallIntegerField(choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)

    objects = RestrictedManager()

    class Meta:
        ordering = ["impact", "urgency"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="sd_priority_cell")]

    def __str__(self) -> str:
        return f"impact {self.impact} × urgency {self.urgency} → {self.priority}"


class Category(models.Model):
    """A ticket category (e.g. Access, Hardware, Payroll)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class CatalogueItemQuerySet(RestrictedQuerySet):
    """Requesters see the active items; catalogue admins see all."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view" and not user.has_perm("servicedesk.change_catalogueitem"):
            return Q(active=True)
        return None


class CatalogueItem(TimeStampedModel):
    """Something a person can ask a department for, with its request form defined as data."""

    department = models.CharField(max_length=20, choices=Department.choices)
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(blank=True)
    form_schema = models.JSONField(
        default=list,
        blank=True,
        help_text='Fields: [{"name", "label", "type", "required", "choices", "min", "max", "max_length", "pattern"}]',
    )
    service = models.ForeignKey("portfolio.Service", on_delete=models.PROTECT, related_name="catalogue_items")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True)
    fulfilment_group = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="+")
    requires_approval = models.BooleanField(default=False)
    approver = models.CharField(max_length=20, choices=Approver.choices, blank=True)
    approver_role = models.CharField(max_length=40, blank=True, help_text="Role (group) that approves.")
    task_templates = models.JSONField(
        default=list, blank=True, help_text='Fulfilment tasks: [{"title": …, "group": team slug}]'
    )
    active = models.BooleanField(default=True)

    objects = RestrictedManager.from_queryset(CatalogueItemQuerySet)()

    class Meta:
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:catalogue_request", args=[self.slug])

    def clean(self):
        errors = {}
        if problems := validate_schema(self.form_schema):
            errors["form_schema"] = problems
        if self.requires_approval and not self.approver:
            errors["approver"] = "Say who approves."
        if self.approver == Approver.ROLE and self.approver_role not in Role.values:
            errors["approver_role"] = "Choose the role that approves."
        tasks = self.task_templates
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            errors["task_templates"] = 'Tasks are a list of {"title": …, "group": team slug}.'
        else:
            problems = [
                f"Task {i}: give a title."
                for i, t in enumerate(tasks, 1)
                if not str(t.get("title", "")).strip()
            ]
            problems += [
                f"Task {i}: unknown keys." for i, t in enumerate(tasks, 1) if set(t) - {"title", "group"}
            ]
            slugs = {t["group"] for t in tasks if t.get("group")}
            known = set(Team.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            problems += [f"No team {slug!r}." for slug in sorted(slugs - known)]
            if problems:
                errors["task_templates"] = problems
        if errors:
            raise ValidationError(errors)


class TicketQuerySet(RestrictedQuerySet):
    """Requesters see their own tickets, agents their groups', supplier agents their supplier's queue."""

    def restriction(self, user, action: str) -> Q | None:
        return ticket_visibility(user)

    def with_related(self) -> TicketQuerySet:
        return self.select_related(
            "service__mode", "requester", "assignee", "assignment_group", "category", "catalogue_item"
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
        ]
        indexes = [models.Index(fields=["status", "priority"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:ticket_detail", args=[self.number])


class TicketChildQuerySet(RestrictedQuerySet):
    """Rows of a ticket are visible with the ticket; internal comments only to agents."""

    def restriction(self, user, action: str) -> Q | None:
        condition = ticket_visibility(user, "ticket__")
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

    objects = RestrictedManager()

    class Meta:
        ordering = ["target", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

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

"""Choices of the service desk: ticket types, statuses and their transitions, SLA states, departments."""

from django.db import models


class TicketType(models.TextChoices):
    """What kind of ticket."""

    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Service request"
    PROBLEM = "problem", "Problem"


PREFIX: dict[str, str] = {TicketType.INCIDENT: "INC", TicketType.REQUEST: "REQ", TicketType.PROBLEM: "PRB"}


class Level(models.IntegerChoices):
    """Impact and urgency: 1 is the highest."""

    HIGH = 1, "1 — High"
    MEDIUM = 2, "2 — Medium"
    LOW = 3, "3 — Low"


class Priority(models.TextChoices):
    """Ticket priority (from impact × urgency)."""

    P1 = "P1", "P1 — Critical"
    P2 = "P2", "P2 — High"
    P3 = "P3", "P3 — Moderate"
    P4 = "P4", "P4 — Low"


# The default impact × urgency matrix; the editable copy lives in PriorityRule rows.
DEFAULT_PRIORITY_MATRIX = {
    (1, 1): Priority.P1,
    (1, 2): Priority.P2,
    (1, 3): Priority.P3,
    (2, 1): Priority.P2,
    (2, 2): Priority.P3,
    (2, 3): Priority.P4,
    (3, 1): Priority.P3,
    (3, 2): Priority.P4,
    (3, 3): Priority.P4,
}


class TicketStatus(models.TextChoices):
    """Where a ticket is in its life."""

    NEW = "new", "New"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CUSTOMER = "awaiting_customer", "Awaiting customer"
    AWAITING_SUPPLIER = "awaiting_supplier", "Awaiting supplier"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


S = TicketStatus
# The allowed transitions, declared once; services enforce them.
TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.RESOLVED, S.CANCELLED},
    S.AWAITING_APPROVAL: {S.NEW, S.CANCELLED},  # left by approve (→ new) or reject (→ cancelled)
    S.IN_PROGRESS: {S.AWAITING_CUSTOMER, S.AWAITING_SUPPLIER, S.RESOLVED, S.CANCELLED},
    S.AWAITING_CUSTOMER: {S.IN_PROGRESS, S.RESOLVED, S.CANCELLED},
    S.AWAITING_SUPPLIER: {S.IN_PROGRESS, S.RESOLVED},
    S.RESOLVED: {S.IN_PROGRESS, S.CLOSED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}
# The moves a requester may make on their own ticket (besides cancelling it): answer, reopen, confirm.
REQUESTER_MOVES: set[tuple[str, str]] = {
    (S.AWAITING_CUSTOMER, S.IN_PROGRESS),
    (S.RESOLVED, S.IN_PROGRESS),
    (S.RESOLVED, S.CLOSED),
}
OPEN_STATUSES = {S.NEW, S.AWAITING_APPROVAL, S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.AWAITING_SUPPLIER}
# Statuses in which the ticket has been responded to (an agent has picked it up).
RESPONDED_STATUSES = {S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.AWAITING_SUPPLIER, S.RESOLVED, S.CLOSED}
DONE_STATUSES = {S.RESOLVED, S.CLOSED, S.CANCELLED}


class SlaTarget(models.TextChoices):
    """What an SLA measures."""

    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class SlaState(models.TextChoices):
    """The state of one SLA clock."""

    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


class Department(models.TextChoices):
    """Departments that offer items in the request catalogue."""

    IT = "it", "IT"
    HR = "hr", "HR"
    FINANCE = "finance", "Finance"
    FACILITIES = "facilities", "Facilities"
    LEGAL = "legal", "Legal"
    PROCUREMENT = "procurement", "Procurement"
    TRAVEL = "travel", "Travel"
    FLEET = "fleet", "Fleet"
    WORKPLACE = "workplace", "Workplace"
    CUSTOMER = "customer", "Customer"


class ApprovalState(models.TextChoices):
    """Approval of a service request."""

    NOT_REQUIRED = "not_required", "Not required"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Approver(models.TextChoices):
    """Who approves a catalogue item's requests."""

    MANAGER = "manager", "The requester's manager"
    ROLE = "role", "Anyone holding a role"


class TaskStatus(models.TextChoices):
    """A fulfilment task's status."""

    OPEN = "open", "Open"
    DONE = "done", "Done"


class FieldType(models.TextChoices):
    """Field types of a catalogue item's form."""

    TEXT = "text", "Text"
    TEXTAREA = "textarea", "Long text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Number"
    DATE = "date", "Date"
    EMAIL = "email", "Email"
    CHOICE = "choice", "Choice"
    BOOLEAN = "boolean", "Yes / no"


class AlertStatus(models.TextChoices):
    """The status of an Alertmanager notification or alert."""

    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class MailOutcome(models.TextChoices):
    """What became of an email to the desk."""

    TICKET_CREATED = "ticket_created", "Ticket created"
    COMMENT_ADDED = "comment_added", "Comment added"
    IGNORED = "ignored", "Ignored"
    REJECTED = "rejected", "Rejected"

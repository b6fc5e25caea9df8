"""Choices of the core app."""

from django.db import models


class GovernanceModel(models.TextChoices):
    """How an org unit takes decisions; later used to route approvals."""

    CENTRALISED = "centralised", "Centralised"
    FEDERATED = "federated", "Federated"
    AGILE = "agile", "Agile"


class TeamKind(models.TextChoices):
    """What a team does, for the operating model."""

    PRODUCT = "product", "Product team"
    PLATFORM = "platform", "Platform team"
    OPERATIONS = "operations", "Operations team"
    SERVICE_DESK = "service_desk", "Service desk"
    ENABLING = "enabling", "Enabling / governance team"
    SUPPLIER = "supplier", "Supplier team"


class AuditAction(models.TextChoices):
    """What a service function did to an object."""

    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    TRANSITION = "transition", "Transition"
    IMPORT = "import", "Import"
    LOGIN = "login", "Login"
    OTHER = "other", "Other"


class NotificationKind(models.TextChoices):
    """What a notification is about: notifications of one kind about one object are grouped, and each
    person chooses a channel per kind."""

    TICKET_NEW = "ticket_new", "New ticket for your team"
    TICKET_ASSIGNED = "ticket_assigned", "Ticket assigned to you or your team"
    TICKET_COMMENT = "ticket_comment", "New comment on a ticket"
    TICKET_SURVEY = "ticket_survey", "Your ticket resolved: how did we do?"
    APPROVAL_NEEDED = "approval_needed", "Request waiting for your approval"
    REQUEST_DECIDED = "request_decided", "Your request approved or rejected"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACH = "sla_breach", "SLA breached"
    ALERT_INCIDENT = "alert_incident", "Incident opened from a monitoring alert"
    DECISION_DECIDED = "decision_decided", "Your decision request decided"
    TEMPLATE_SUSPENDED = "template_suspended", "Your standard change template suspended"
    CONTRACT_RENEWAL = "contract_renewal", "Contract renewal coming"
    REVIEW_DUE = "review_due", "Register item due for review"
    OTHER = "other", "Other"


class NotificationChannel(models.TextChoices):
    """How a person is told of one kind of notification."""

    IN_APP = "in_app", "In the app only"
    EMAIL = "email", "In the app and by email at once"
    DIGEST = "digest", "In the app and in the daily email digest"
    OFF = "off", "Off"


# Kinds that someone must act on: they cannot be switched off (an email channel may still be chosen).
ESSENTIAL_NOTIFICATION_KINDS = frozenset({NotificationKind.SLA_BREACH, NotificationKind.APPROVAL_NEEDED})
DEFAULT_NOTIFICATION_CHANNEL = NotificationChannel.EMAIL

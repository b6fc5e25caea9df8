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

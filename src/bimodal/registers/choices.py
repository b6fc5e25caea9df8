"""Choices of the registers app; allowed stage transitions are declared here once."""

from django.db import models


class RegisterKind(models.TextChoices):
    """The three registers."""

    LOW_CODE = "low_code", "Low-code app"
    AI = "ai", "AI use case"
    CLOUD = "cloud", "Cloud account"


class RegisterStage(models.TextChoices):
    """Where a register item is in its life."""

    PROPOSED = "proposed", "Proposed"
    PILOT = "pilot", "Pilot"
    IN_USE = "in_use", "In use"
    PROMOTED = "promoted", "Promoted to the catalogue"
    RETIRED = "retired", "Retired"


STAGE_TRANSITIONS: dict[str, set[str]] = {
    RegisterStage.PROPOSED: {RegisterStage.PILOT, RegisterStage.IN_USE, RegisterStage.RETIRED},
    RegisterStage.PILOT: {RegisterStage.IN_USE, RegisterStage.RETIRED},
    RegisterStage.IN_USE: {RegisterStage.PROMOTED, RegisterStage.RETIRED},
    RegisterStage.PROMOTED: {RegisterStage.RETIRED},
    RegisterStage.RETIRED: set(),
}
# Stages in which an item is running and so must be reviewed.
ACTIVE_STAGES = (RegisterStage.PILOT, RegisterStage.IN_USE, RegisterStage.PROMOTED)


class Platform(models.TextChoices):
    """Low-code / citizen-developer platforms."""

    POWER_APPS = "power_apps", "Microsoft Power Apps"
    POWER_AUTOMATE = "power_automate", "Microsoft Power Automate"
    SHAREPOINT = "sharepoint", "SharePoint lists & forms"
    APPIAN = "appian", "Appian"
    OUTSYSTEMS = "outsystems", "OutSystems"
    MENDIX = "mendix", "Mendix"
    SALESFORCE = "salesforce", "Salesforce platform"
    SERVICENOW = "servicenow", "ServiceNow App Engine"
    SPREADSHEET = "spreadsheet", "Spreadsheet with macros"
    OTHER = "other", "Other"


class SupportWrapper(models.TextChoices):
    """Who supports a low-code app."""

    IT_SUPPORTED = "it_supported", "IT-supported (service desk and resolver team)"
    IT_BEST_EFFORT = "it_best_effort", "IT best effort"
    BUSINESS = "business", "Business self-support (named maker)"
    NONE = "none", "Nobody"


class RiskLevel(models.TextChoices):
    """Risk level of a low-code app, from its score."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class AiRiskTier(models.TextChoices):
    """EU AI Act style risk tier of an AI use case, ordered from least to most severe."""

    MINIMAL = "minimal", "Minimal"
    LIMITED = "limited", "Limited (transparency)"
    HIGH = "high", "High"
    PROHIBITED = "prohibited", "Prohibited"


class AiRunsOn(models.TextChoices):
    """Where an AI model runs."""

    VENDOR_SAAS = "vendor_saas", "Vendor SaaS / API"
    CLOUD_TENANT = "cloud_tenant", "Our cloud tenant"
    ON_PREMISES = "on_premises", "On-premises"
    EMBEDDED = "embedded", "Embedded in a product we buy"
    DEVICE = "device", "On the user's device"


class DpiaStatus(models.TextChoices):
    """Data-protection impact assessment status."""

    NOT_REQUIRED = "not_required", "Not required"
    REQUIRED = "required", "Required, not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class EthicsDecision(models.TextChoices):
    """Outcome of the AI ethics review."""

    NOT_REVIEWED = "not_reviewed", "Not reviewed"
    PENDING = "pending", "Submitted, pending"
    APPROVED = "approved", "Approved"
    CONDITIONAL = "conditional", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


APPROVED_DECISIONS = (EthicsDecision.APPROVED, EthicsDecision.CONDITIONAL)
DECISIONS_A_REVIEW_MAY_GIVE = (EthicsDecision.APPROVED, EthicsDecision.CONDITIONAL, EthicsDecision.REJECTED)


class CloudProvider(models.TextChoices):
    """Public-cloud providers."""

    AWS = "aws", "Amazon Web Services"
    AZURE = "azure", "Microsoft Azure"
    GCP = "gcp", "Google Cloud"
    OCI = "oci", "Oracle Cloud"
    STRATUS = "stratus", "Stratus Cloud"
    OTHER = "other", "Other"


class ReviewState(models.TextChoices):
    """State of a review task."""

    OPEN = "open", "Open"
    DONE = "done", "Done"


REVIEW_TRANSITIONS: dict[str, set[str]] = {ReviewState.OPEN: {ReviewState.DONE}, ReviewState.DONE: set()}

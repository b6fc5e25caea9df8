"""Choices of the portfolio app."""

from django.db import models


class ChangeApproval(models.TextChoices):
    """Who approves a normal change in a mode."""

    CAB = "cab", "Change advisory board"
    PEER_REVIEW = "peer_review", "Peer review"
    AUTOMATED = "automated", "Automated policy gate"


class ReleaseCadence(models.TextChoices):
    """How often a mode releases."""

    QUARTERLY = "quarterly", "Quarterly release train"
    MONTHLY = "monthly", "Monthly"
    FORTNIGHTLY = "fortnightly", "Every sprint"
    ON_DEMAND = "on_demand", "On demand (continuous delivery)"


class KpiSet(models.TextChoices):
    """Which measures a mode is judged by."""

    STABILITY = "stability", "Stability KPIs (change success, SLA, MTTR, availability)"
    FLOW = "flow", "Flow KPIs (DORA four keys)"
    BOTH = "both", "Both"


class RiskAppetite(models.TextChoices):
    """How much delivery risk a mode accepts."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Lifecycle(models.TextChoices):
    """Where a service is in its life."""

    PROPOSED = "proposed", "Proposed"
    IN_DEVELOPMENT = "in_development", "In development"
    LIVE = "live", "Live"
    SUNSETTING = "sunsetting", "Sunsetting"
    RETIRED = "retired", "Retired"


class Criticality(models.IntegerChoices):
    """Business criticality tier: 0 is the most critical."""

    TIER_0 = 0, "Tier 0 — mission critical"
    TIER_1 = 1, "Tier 1 — business critical"
    TIER_2 = 2, "Tier 2 — business operational"
    TIER_3 = 3, "Tier 3 — administrative"


class DataClassification(models.TextChoices):
    """The most sensitive data a service holds."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class Hosting(models.TextChoices):
    """Where a service runs."""

    ON_PREMISES = "on_premises", "On-premises data centre"
    PRIVATE_CLOUD = "private_cloud", "Private cloud"
    PUBLIC_CLOUD = "public_cloud", "Public cloud"
    SAAS = "saas", "SaaS"
    HYBRID = "hybrid", "Hybrid"
    MAINFRAME = "mainframe", "Mainframe"


class SupportCoverage(models.TextChoices):
    """When a service is supported."""

    H24X7 = "24x7", "24×7"
    BUSINESS_HOURS = "business_hours", "Business hours"
    EXTENDED_HOURS = "extended_hours", "Extended hours"
    BEST_EFFORT = "best_effort", "Best effort"


class DependencyKind(models.TextChoices):
    """How one service depends on another."""

    RUNTIME = "runtime", "Runtime call"
    DATA = "data", "Data feed"
    AUTHENTICATION = "authentication", "Authentication"
    INFRASTRUCTURE = "infrastructure", "Runs on"


# --- assessment, proposals and pathways -----------------------------------------------------------


class QuestionnaireStatus(models.TextChoices):
    """A questionnaire version is drafted, published (the one in use), then retired."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


QUESTIONNAIRE_TRANSITIONS = {
    QuestionnaireStatus.DRAFT: {QuestionnaireStatus.PUBLISHED},
    QuestionnaireStatus.PUBLISHED: {QuestionnaireStatus.RETIRED},
    QuestionnaireStatus.RETIRED: set(),
}


class Dimension(models.TextChoices):
    """What a criterion measures; the portfolio map plots the first two, TIME the last two."""

    COST_OF_CHANGE = "cost_of_change", "Cost of change"
    DEMAND_FOR_CHANGE = "demand_for_change", "Demand for change"
    CRITICALITY = "criticality", "Business criticality"
    REGULATION = "regulation", "Regulatory burden"
    MODULARITY = "modularity", "Architecture modularity"
    AUTOMATION = "automation", "Deployment and test automation"
    SKILLS = "skills", "Team skills"
    UNCERTAINTY = "uncertainty", "Requirement uncertainty"
    FUNCTIONAL_FIT = "functional_fit", "Functional fit (TIME)"
    TECHNICAL_FIT = "technical_fit", "Technical fit (TIME)"


class Axis(models.IntegerChoices):
    """Where a high answer to a criterion places a service between stability and exploration."""

    STABILITY = -1, "A high answer speaks for stability"
    NONE = 0, "Not on the axis (per-mode weights)"
    EXPLORATION = 1, "A high answer speaks for exploration"


class AssessmentSource(models.TextChoices):
    """How an assessment was made."""

    QUESTIONNAIRE = "questionnaire", "Questionnaire"
    BULK = "bulk", "Bulk (CSV or API)"
    ATTRIBUTES = "attributes", "Derived from attributes"


class TimeRating(models.TextChoices):
    """Gartner's TIME rating from functional × technical fit."""

    TOLERATE = "tolerate", "Tolerate"
    INVEST = "invest", "Invest"
    MIGRATE = "migrate", "Migrate"
    ELIMINATE = "eliminate", "Eliminate"


class ProposalStatus(models.TextChoices):
    """A reclassification proposal is open until a governance lead accepts or rejects it."""

    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


PROPOSAL_TRANSITIONS = {
    ProposalStatus.OPEN: {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN},
    ProposalStatus.ACCEPTED: set(),
    ProposalStatus.REJECTED: set(),
    ProposalStatus.WITHDRAWN: set(),
}


class ProposalSource(models.TextChoices):
    """Who opened a proposal."""

    PERSON = "person", "A person"
    DRIFT = "drift", "Drift detection"


class PathwayStatus(models.TextChoices):
    """Where a migration pathway is."""

    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


PATHWAY_TRANSITIONS = {
    PathwayStatus.PLANNED: {PathwayStatus.IN_PROGRESS, PathwayStatus.CANCELLED},
    PathwayStatus.IN_PROGRESS: {PathwayStatus.BLOCKED, PathwayStatus.COMPLETED, PathwayStatus.CANCELLED},
    PathwayStatus.BLOCKED: {PathwayStatus.IN_PROGRESS, PathwayStatus.CANCELLED},
    PathwayStatus.COMPLETED: set(),
    PathwayStatus.CANCELLED: set(),
}
PATHWAYS_IN_FLIGHT = (PathwayStatus.PLANNED, PathwayStatus.IN_PROGRESS, PathwayStatus.BLOCKED)


class StepStatus(models.TextChoices):
    """Where one step of a migration pathway is; a blocked step names its blocker."""

    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"


STEP_TRANSITIONS = {
    StepStatus.TODO: {StepStatus.IN_PROGRESS, StepStatus.BLOCKED, StepStatus.DONE},
    StepStatus.IN_PROGRESS: {StepStatus.TODO, StepStatus.BLOCKED, StepStatus.DONE},
    StepStatus.BLOCKED: {StepStatus.TODO, StepStatus.IN_PROGRESS, StepStatus.DONE},
    # A step ticked off by mistake can be reopened.
    StepStatus.DONE: {StepStatus.TODO, StepStatus.IN_PROGRESS},
}

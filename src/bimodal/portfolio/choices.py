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

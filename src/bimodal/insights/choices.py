"""Choices of the insights app: transition streams, performance levels, value streams, maturity."""

from django.db import models


class Stream(models.TextChoices):
    """Which kind of record a transition belongs to."""

    TICKET = "ticket", "Incident or problem"
    REQUEST = "request", "Service request"
    CHANGE = "change", "Change"
    DEPLOYMENT = "deployment", "Deployment"


class Level(models.TextChoices):
    """DORA performance level (2023 report, DevLake benchmarks)."""

    ELITE = "elite", "Elite"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    NONE = "none", "No data"


class Definitions(models.TextChoices):
    """Which definitions of DORA's four keys the figures follow (docs/insights.md, definitions table)."""

    BIMODAL = "bimodal", "Bimodal"
    DEVLAKE = "devlake", "Apache DevLake compatible"


class ValueStream(models.TextChoices):
    """The IT4IT value streams a heat map is drawn for."""

    DETECT_TO_CORRECT = "detect-to-correct", "Detect to Correct"
    REQUEST_TO_FULFIL = "request-to-fulfil", "Request to Fulfil"


class MaturityMode(models.TextChoices):
    """Which end of the modes' axis a capability area matters most for: the stable modes, the exploratory
    ones, or all (any preset's modes sit on that axis, see portfolio.Mode.exploration)."""

    STABILITY = "stability", "Stable modes"
    EXPLORATION = "exploration", "Exploratory modes"
    BOTH = "both", "All modes"


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]

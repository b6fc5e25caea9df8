"""Choices of the integrations app."""

from django.db import models


class Provider(models.TextChoices):
    """Where a repository is hosted (and which webhook dialect it speaks)."""

    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"


class DeliveryOutcome(models.TextChoices):
    """What became of one webhook delivery."""

    PROCESSED = "processed", "Processed"
    SKIPPED = "skipped", "Skipped"
    DUPLICATE = "duplicate", "Duplicate"
    ERROR = "error", "Error"


# Environment names that count as production unless a repository says otherwise.
DEFAULT_PRODUCTION_ENVIRONMENTS = ["production", "prod"]
# Environment names (lower case) that map to staging; anything else that is not production maps to test.
STAGING_ENVIRONMENT_NAMES = frozenset({"staging", "stage", "stg", "preprod", "pre-production", "uat"})

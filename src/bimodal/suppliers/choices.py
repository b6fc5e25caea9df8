"""Choices of the suppliers app."""

from django.db import models


class SupplierTier(models.TextChoices):
    """Tiering by the value a supplier adds, not by spend."""

    STRATEGIC = "strategic", "Strategic partner"
    TIER_1 = "tier_1", "Tier 1"
    TACTICAL = "tactical", "Tactical"
    COMMODITY = "commodity", "Commodity"

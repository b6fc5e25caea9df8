"""Shared pieces of delivery's models: the 1–5 and non-negative validators, money and FTE fields."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, validators=NON_NEGATIVE, **kwargs)


def _fte(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=7, decimal_places=2, validators=NON_NEGATIVE, **kwargs)

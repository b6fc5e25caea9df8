"""Shared pieces of delivery's reads: the money output field and zero."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    DecimalField,
)

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0")

"""What the database can store and compare, checked before it is asked: no NUL characters in text (PostgreSQL
refuses them), integers within 64 bits, and UTC offsets that exist (PostgreSQL refuses beyond ±15:59; the
world's offsets run from -12:00 to +14:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_UTC_OFFSET = timedelta(hours=14)

NUL_MESSAGE = "Null characters are not allowed."


def has_nul(value: Any) -> bool:
    """Whether `value` is text holding a NUL character."""
    return isinstance(value, str) and "\x00" in value


def validate_int64(value: Any) -> None:
    """Refuse a number beyond what the database's 64-bit integer columns hold (filters compare with them)."""
    if isinstance(value, int | Decimal) and not INT64_MIN <= value <= INT64_MAX:
        raise ValidationError(
            "Ensure this value is between %(min)s and %(max)s.",
            code="out_of_range",
            params={"min": INT64_MIN, "max": INT64_MAX},
        )


def validate_utc_offset(value: Any) -> None:
    """Refuse a date and time whose UTC offset no time zone has, or that cannot be moved to UTC."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValidationError("The UTC offset must be between -14:00 and +14:00.", code="bad_offset")
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError("This date and time is out of range.", code="out_of_range") from None

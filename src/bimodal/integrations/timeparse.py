"""Timestamps as GitHub and GitLab write them, made timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bimodal.core.validation import MAX_UTC_OFFSET


def parse_timestamp(value) -> datetime | None:
    """An aware datetime from ISO 8601 text, GitLab's "2016-08-12 15:23:28 UTC" / "… +0200", or epoch
    seconds; None for an empty value. Raises ValueError for text that is not a timestamp."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"{value!r} is not a date and time") from exc
    else:
        text = str(value).strip()
        if text.endswith(" UTC"):
            text = text[:-4] + "Z"
        parsed = parse_datetime(text)  # ValueError for an impossible date such as 2026-13-45
        if parsed is None:
            raise ValueError(f"{value!r} is not a date and time")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(f"{value!r} has a UTC offset no time zone has")
    return parsed

"""The one way every area's pages show dates, times, numbers, money and durations.

Loaded as a template builtin (settings.TEMPLATES), so any template can write `{{ x|bm_datetime }}`,
`{{ x|bm_date }}`, `{{ amount|bm_money:currency }}`, `{{ n|bm_number }}` or `{{ d|duration }}`. The date
formats themselves are defined once in config/formats/en_GB/formats.py; times are shown in the active
time zone (the organisation's, `TIME_ZONE`), which base.html states once per page. The API and CSV
exports never go through these: they write ISO 8601 and plain decimals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import formats, timezone

register = template.Library()

EMPTY = "—"


@register.filter
def duration(value: timedelta | float | str | None) -> str:
    """Seconds or a timedelta as a short human duration (45 min, 3.5 h, 2.1 d); a dash when unknown."""
    if value is None or value == "":
        return EMPTY
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def bm_datetime(value: datetime | date | None) -> str:
    """A moment as `6 Dec 2026, 22:04` in the page's time zone (a bare date as bm_date); a dash when unset."""
    if value in (None, ""):
        return EMPTY
    if isinstance(value, datetime):
        return formats.date_format(_local(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


@register.filter
def bm_date(value: datetime | date | None) -> str:
    """A day as `6 Dec 2026` (a moment is first put in the page's time zone); a dash when unset."""
    if value in (None, ""):
        return EMPTY
    if isinstance(value, datetime):
        return formats.date_format(_local(value), "DATE_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _decimal(value: object, digits: int) -> Decimal | None:
    """`value` rounded half up to `digits` decimals (Django's number_format would cut, not round)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None


@register.filter
def bm_number(value: object, digits: int = 0) -> str:
    """A figure with thousands separated and `digits` decimals (`12,345`, `bm_number:1` → `3.5`)."""
    number = _decimal(value, int(digits))
    if number is None:
        return EMPTY
    return formats.number_format(number, int(digits), use_l10n=True, force_grouping=True)


@register.filter
def bm_money(value: object, currency: str = "") -> str:
    """An amount as `80,000.00`, followed by its ISO currency code when it has one (`80,000.00 GBP`)."""
    number = _decimal(value, 2)
    if number is None:
        return EMPTY
    shown = formats.number_format(number, 2, use_l10n=True, force_grouping=True)
    return f"{shown} {currency}" if currency else shown

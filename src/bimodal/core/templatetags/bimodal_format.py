"""Formatting shared by every area's pages (durations held, waited or taken)."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | float | str | None) -> str:
    """Seconds or a timedelta as a short human duration (45 min, 3.5 h, 2.1 d); a dash when unknown."""
    if value is None or value == "":
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"

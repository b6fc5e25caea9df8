"""Formatting of figures on the insights pages (durations, rates, levels)."""

from django import template

from bimodal.core.templatetags.bimodal_format import duration

register = template.Library()


register.filter("duration", duration)


@register.filter
def percent(value, digits: int = 1) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None

"""Badges for modes and criticality tiers, shared by templates and tables (presentation only)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from bimodal.portfolio.choices import Criticality

register = template.Library()


def mode_badge_html(mode) -> SafeString | str:
    """A pill in the mode's colour with its short name."""
    if mode is None:
        return ""
    return format_html(
        '<span class="bm-mode-badge" style="background: {}" title="{}">{}</span>',
        mode.colour,
        mode.name,
        mode.short_name or mode.name,
    )


def tier_badge_html(tier: int | None) -> SafeString | str:
    """A small "T0" … "T3" badge coloured by criticality."""
    if tier is None:
        return ""
    try:
        label = Criticality(int(tier)).label
    except ValueError:
        label = f"Tier {tier}"
    return format_html('<span class="bm-tier bm-tier-{}" title="{}">T{}</span>', tier, label, tier)


@register.simple_tag
def mode_badge(mode) -> SafeString | str:
    """{% mode_badge service.mode %}"""
    return mode_badge_html(mode)


@register.simple_tag
def tier_badge(tier) -> SafeString | str:
    """{% tier_badge service.criticality %}"""
    return tier_badge_html(tier)


@register.filter
def yesno_icon(value: bool) -> SafeString:
    """✓ Yes / – No, for governance flags."""
    if value:
        return mark_safe('<span class="bm-yes">✓ Yes</span>')
    return mark_safe('<span class="bm-no">– No</span>')

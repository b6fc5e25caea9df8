"""Colour contrast as WCAG 2 measures it, so colours people choose (a mode's badge) stay readable."""

from __future__ import annotations

# WCAG 2 level AA asks normal-size text for at least this contrast with its background.
AA_TEXT_CONTRAST = 4.5


def relative_luminance(hex_colour: str) -> float:
    """The relative luminance (0 black … 1 white) of a colour written #rrggbb."""
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """The contrast ratio of two #rrggbb colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

"""The demo's modes: each demo record names its place on the axis from stability (0) to exploration (1),
and the loader gives it the mode of the chosen preset nearest that place.

The same Northbridge Bank organisation thereby loads under any preset: bimodal, trimodal or pace-layered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from bimodal.portfolio.models import Mode
from bimodal.portfolio.presets import PRESETS

DEFAULT_PRESET = "bimodal"

# Places on the axis that demo records name.
STABLE = Decimal("0.00")
MIDDLE = Decimal("0.50")
EXPLORATORY = Decimal("1.00")

_preset: ContextVar[str] = ContextVar("demo_preset", default=DEFAULT_PRESET)


@contextmanager
def using_preset(preset: str) -> Iterator[None]:
    """Load the demo's records into the modes of `preset` while the block runs."""
    token = _preset.set(preset)
    try:
        yield
    finally:
        _preset.reset(token)


def current_preset() -> str:
    return _preset.get()


def preset_modes() -> list[Mode]:
    """The modes of the preset being loaded, from the most stable to the most exploratory."""
    keys = [spec["key"] for spec in PRESETS[current_preset()]]
    return sorted(Mode.objects.filter(key__in=keys), key=lambda m: (m.exploration, m.order))


def mode_at(place: Decimal) -> Mode | None:
    """The preset's mode nearest `place` (on a tie, the more stable one); None before the modes exist."""
    modes = preset_modes()
    if not modes:
        return None
    return min(modes, key=lambda m: (abs(Decimal(m.exploration) - place), m.exploration))


def most_stable() -> Mode | None:
    return mode_at(STABLE)


def most_exploratory() -> Mode | None:
    return mode_at(EXPLORATORY)

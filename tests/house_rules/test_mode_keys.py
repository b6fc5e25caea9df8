"""No code names a preset's mode keys outside the preset definitions.

Modes are data: a preset (portfolio/presets.py) defines their keys and their places on the axis from
stability to exploration, and every other module works from `Mode.exploration`, the profile fields or the
keys it is given. This rule reads every module under src/ (string constants in the syntax tree, including
a key quoted inside a string such as a CEL expression) except the presets, migrations (they freeze the
data of their day), tests and the demo organisation (it seeds one preset's data)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bimodal.portfolio.presets import PRESETS

SRC = Path(__file__).resolve().parents[2] / "src"
MODE_KEYS = frozenset(mode["key"] for modes in PRESETS.values() for mode in modes)
EXEMPT = {"bimodal/portfolio/presets.py"}
EXEMPT_PARTS = {"migrations", "tests"}
EXEMPT_PACKAGES = ("bimodal/demo/",)
# Modules that still name mode keys until their defaults are derived from the modes' profiles.


def _modules() -> list[Path]:
    out = []
    for path in sorted((SRC / "bimodal").rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in EXEMPT or EXEMPT_PARTS & set(path.parts) or rel.startswith(EXEMPT_PACKAGES):
            continue
        out.append(path)
    return out


def named_keys(text: str) -> set[str]:
    """The preset mode keys a string constant names: the whole string, or a key in quotes inside it."""
    if text in MODE_KEYS:
        return {text}
    return {key for key in MODE_KEYS if f'"{key}"' in text or f"'{key}'" in text}


def mode_keys_in(source: str) -> list[tuple[int, str]]:
    """(line, key) for every string constant of `source` that names a preset's mode key."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            hits += [(node.lineno, key) for key in sorted(named_keys(node.value))]
    return sorted(hits)


def test_the_rule_finds_keys_in_constants_and_expressions():
    source = 'A = "town-planners"\nB = \'service.mode == "mode-2"\'\nC = "Mode 1 and pioneers in prose"\n'
    assert mode_keys_in(source) == [(1, "town-planners"), (2, "mode-2")]


def test_every_preset_key_is_checked():
    assert {"mode-1", "mode-2", "pioneers", "settlers", "town-planners"} <= MODE_KEYS
    assert {"systems-of-record", "systems-of-innovation"} <= MODE_KEYS


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_no_hard_coded_mode_keys(path: Path):
    rel = path.relative_to(SRC).as_posix()
    hits = mode_keys_in(path.read_text(encoding="utf-8"))
    assert not hits, f"{rel} names preset mode keys: " + ", ".join(f"line {n}: {k}" for n, k in hits)

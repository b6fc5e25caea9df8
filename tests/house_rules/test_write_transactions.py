"""Every write transaction is opened by `core.services.transactional` / `write()`, never by a bare
`transaction.atomic`: so every write runs in an audit batch and locks the audit chain head last, at the
end of its transaction (docs/architecture.md, "Locks"). A bare atomic block would chain its entries as
it records them, holding the head while it goes on to lock rows: the lock order that deadlocked.

Checked with `ast` over every module under src/bimodal. Exempt: migrations, tests, the helpers that
define the rule and a read-only block that tunes a reporting query's settings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "bimodal"
ALLOWED = {
    "core/services.py",  # write() is atomic + audit.batch()
    "core/audit.py",
    "core/numbers.py",  # the savepoint that creates a missing counter row
    "insights/metrics/sql.py",  # SET LOCAL for a read-only report: writes nothing
}


def bare_atomic_uses(source: str) -> list[int]:
    """The lines where `source` uses `transaction.atomic` (decorator, call or with-statement)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr == "atomic"
        and isinstance(node.value, ast.Name)
        and node.value.id == "transaction"
    ]


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if {"migrations", "tests"} & set(path.relative_to(SRC).parts) or relative in ALLOWED:
            continue
        yield relative, path


def test_no_bare_atomic_blocks():
    found = [
        f"{relative}:{line}" for relative, path in _modules() for line in bare_atomic_uses(path.read_text())
    ]
    assert found == [], (
        "Open write transactions with core.services.transactional / write(), not transaction.atomic: "
        + ", ".join(found)
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from django.db import transaction\n@transaction.atomic\ndef f(): pass\n", [2]),
        ("with transaction.atomic():\n    pass\n", [1]),
        ("from bimodal.core.services import write\nwith write():\n    pass\n", []),
    ],
)
def test_the_check_finds_bare_atomic_blocks(source, expected):
    assert bare_atomic_uses(source) == expected

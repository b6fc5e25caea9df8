"""Real bugs the generic house-rule tests found, by test id. Their cases are marked xfail(strict=True): they
fail while the bug is there, and once it is fixed they pass, which fails the run until the entry is removed
here. test_coverage.py checks that every entry names a case that exists."""

from __future__ import annotations

import pytest

KNOWN_BUGS: dict[str, str] = {}

PARAMETRISED: set[str] = set()  # every "test[id]" params() has made, to find entries that name nothing


def params(test_name: str, items, ids):
    """pytest.param for each item, marked xfail(strict) when `test_name[id]` is a known bug."""
    marked = []
    for item, item_id in zip(items, ids, strict=True):
        case = f"{test_name}[{item_id}]"
        PARAMETRISED.add(case)
        reason = KNOWN_BUGS.get(case)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        marked.append(pytest.param(item, id=item_id, marks=marks))
    return marked

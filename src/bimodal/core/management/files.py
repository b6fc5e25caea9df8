"""Reading the files the `bimodal` commands are given, with errors a person can act on."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError


def read_text(name: str, *, stdin: bool = False) -> str:
    """The text of file `name` (UTF-8, a byte-order mark allowed); "-" reads standard input when
    `stdin`. A missing or non-UTF-8 file is a CommandError naming it."""
    if stdin and name == "-":
        return sys.stdin.read()
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"No such file: {name}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{name} is not UTF-8 text: {exc}") from exc

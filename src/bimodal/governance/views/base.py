"""Shared pieces of the governance pages: paging and showing why a step was refused."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

PER_PAGE = 25


def _refused(request, exc: ValidationError | PermissionDenied) -> None:
    """Show why a step was refused."""
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or "You may not do that.")
        return
    text = "; ".join(
        f"{msg}"
        for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages])
        for msg in msgs
    )
    messages.error(request, text)

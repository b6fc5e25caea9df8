"""What the suppliers' pages share: the area, rendering and the permission check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

AREA = {"active_area": "suppliers"}


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"suppliers/{template}", {**AREA, **context}, status=status)


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied

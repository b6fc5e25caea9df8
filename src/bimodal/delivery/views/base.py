"""Shared pieces of the delivery pages: the fiscal year asked for, posted-form checks, refusals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone

PER_PAGE = 50
AREA = "delivery"


def _year(request) -> int:
    try:
        return int(
            request.GET.get("fiscal_year") or request.POST.get("fiscal_year") or timezone.localdate().year
        )
    except ValueError:
        return timezone.localdate().year


def _checked(form):
    """The form, once valid; its errors as a refusal (a ValidationError) otherwise."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    return form


def _refusal(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)

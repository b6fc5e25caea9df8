"""API error handling: every error is JSON, and bad input is a 4xx naming the field, never a 5xx.

- Django's ValidationError (raised by service functions) becomes a 400 with field errors.
- A body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413.
- A ValueError, TypeError or database DataError that escaped the serializers (a NUL character, a number
  or a date the database cannot store) is a 400 naming the request's fields that look like its cause."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bimodal.core.validation import INT64_MAX, INT64_MIN, has_nul

logger = logging.getLogger(__name__)

BAD_VALUE = "This value cannot be stored or compared: it is out of range or holds a NUL character."


class PayloadTooLarge(exceptions.APIException):
    """413: the request body is larger than the server accepts."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _looks_out_of_range(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not INT64_MIN <= value <= INT64_MAX
    if isinstance(value, str):
        text = value.strip().lstrip("+-")
        if text.isdigit():
            return not INT64_MIN <= int(value) <= INT64_MAX
    return False


def _items(data: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """(dotted name, value) of every leaf of a query dict or a JSON body."""
    if hasattr(data, "lists"):
        for key, values in data.lists():
            for value in values:
                yield f"{prefix}{key}", value
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from (
                _items(value, f"{prefix}{key}.")
                if isinstance(value, dict | list)
                else [(f"{prefix}{key}", value)]
            )
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _items(value, f"{prefix}{index}.")
    elif prefix:
        yield prefix.rstrip("."), data


def suspect_fields(request: Any) -> list[str]:
    """The request's parameters and body fields holding a NUL character or an integer beyond 64 bits."""
    found: list[str] = []
    sources: list[Any] = [getattr(request, "query_params", {})]
    with contextlib.suppress(Exception):
        sources.append(request.data)
    for source in sources:
        for name, value in _items(source):
            if (has_nul(value) or _looks_out_of_range(value)) and name not in found:
                found.append(name)
    return found


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, after turning the exceptions above into API exceptions."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, ValueError | TypeError | DataError | OverflowError):
        request = context.get("request")
        fields = suspect_fields(request) if request is not None else []
        if not fields and isinstance(exc, TypeError):
            return None  # not traceable to the input: a bug, left to be a 500 and logged
        logger.info("Bad input refused (%s): %s", type(exc).__name__, exc, exc_info=exc)
        exc = exceptions.ValidationError(
            detail={name: [BAD_VALUE] for name in fields} or {"non_field_errors": [BAD_VALUE]}
        )
    return drf_exception_handler(exc, context)

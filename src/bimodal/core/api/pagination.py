"""API pagination: `limit` and `offset`, bounded so that any number a caller sends is an answer or a 400."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_LIMIT = 1000
MAX_OFFSET = 2**53  # beyond any table; larger numbers overflow the database's 64-bit OFFSET


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """LimitOffsetPagination with `limit` capped at 1000 and `offset` refused (400) past 2**53."""

    max_limit = MAX_LIMIT

    def get_offset(self, request: Request) -> int:
        offset: int = super().get_offset(request)
        if offset > MAX_OFFSET:
            raise exceptions.ValidationError(
                {self.offset_query_param: [f"Ensure this value is at most {MAX_OFFSET}."]}
            )
        return offset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            bound = {self.limit_query_param: MAX_LIMIT, self.offset_query_param: MAX_OFFSET}.get(
                parameter["name"]
            )
            if bound is not None:
                parameter["schema"] = {**parameter["schema"], "minimum": 0, "maximum": bound}
        return parameters

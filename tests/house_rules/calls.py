"""Helpers to call discovered routes and to see what a request changed in the database."""

from __future__ import annotations

import json

from django.apps import apps
from django.db import connection

from bimodal.core.models import AuditEntry
from tests.house_rules.endpoints import ApiEndpoint, Route, api_endpoints
from tests.house_rules.exclusions import API_EXCLUDED


def api_call(client, route: Route, method: str, values: dict | None = None, data=None, query: str = ""):
    """Send `method` to the route as JSON (the client's session, if any, is the caller)."""
    url = route.url(values or route.dummy_values()) + (f"?{query}" if query else "")
    send = getattr(client, method)
    if method in {"get", "delete", "head", "options"}:
        return send(url)
    return send(url, data=json.dumps(data if data is not None else {}), content_type="application/json")


def endpoints_under_test() -> list[ApiEndpoint]:
    """The discovered API endpoints that the generic checks run against."""
    return [e for e in api_endpoints() if e.id not in API_EXCLUDED and e.name not in API_EXCLUDED]


def _project_tables() -> list[str]:
    tables = []
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def row_counts() -> dict[str, int]:
    """The number of rows in every table of every installed model, in one query."""
    tables = _project_tables()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {quote(table)}" for i, table in enumerate(tables))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = dict(cursor.fetchall())
    return {table: counts[i] for i, table in enumerate(tables)}


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


def audit_count() -> int:
    return AuditEntry.objects.count()

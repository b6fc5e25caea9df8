"""What the API tests need to know about an endpoint: the row its detail routes name, and its answers."""

from __future__ import annotations

from tests.house_rules.endpoints import ApiEndpoint, Route


def lookup_values(endpoint: ApiEndpoint, route: Route, obj) -> dict:
    """URL values naming `obj` on `route` (dummy values for the arguments that are not its lookup)."""
    values = route.dummy_values()
    if obj is None:
        return values
    field = getattr(endpoint.view, "lookup_field", "pk")
    kwarg = getattr(endpoint.view, "lookup_url_kwarg", None) or field
    if kwarg in values:
        values[kwarg] = getattr(obj, field)
    return values


def results(response) -> list:
    """The rows of a list answer, paginated or not."""
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def is_refusal(response) -> bool:
    return response.status_code in (403, 404)

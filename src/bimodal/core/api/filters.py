"""The API's filter backend: the filter sets it builds from a view's `filterset_fields` screen their input
like the project's own (core.filtersets.FilterSet), so no filter value reaches the database unchecked."""

from __future__ import annotations

from django_filters import rest_framework as rest_filters

from bimodal.core.filtersets import FilterSet


class RestFilterSet(FilterSet, rest_filters.FilterSet):
    """django-filter's REST filter set (its boolean and date-time filters) with the project's guards."""


class FilterBackend(rest_filters.DjangoFilterBackend):
    """DjangoFilterBackend whose generated filter sets derive from RestFilterSet."""

    filterset_base = RestFilterSet

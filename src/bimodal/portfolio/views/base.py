"""Shared pieces of the portfolio pages: paging, the full-page-or-partial render, the filtered service table."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_tables2 import RequestConfig

from bimodal.core.htmx import wants_partial
from bimodal.portfolio import selectors
from bimodal.portfolio.filtersets import (
    ServiceFilterSet,
)
from bimodal.portfolio.forms import (
    prepare_filter_form,
)
from bimodal.portfolio.tables import ServiceTable

PER_PAGE = 25
HISTORY_LENGTH = 20


def _render(request, full: str, partial: str, context: dict) -> HttpResponse:
    """Render the full page or, for an htmx swap, just its fragment; caches keep the two apart."""
    if wants_partial(request):
        response = render(request, partial, {**context, "oob": True})
    else:
        response = render(request, full, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _filtered_services(request) -> ServiceFilterSet:
    """The user's services narrowed by the filters in the query string."""
    filterset = ServiceFilterSet(
        request.GET, queryset=selectors.service_list(user=request.user), request=request
    )
    filterset.bar_fields = prepare_filter_form(filterset.form, request.user)
    return filterset


def _service_table(request, queryset, **kwargs) -> ServiceTable:
    table = ServiceTable(queryset, **kwargs)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return table

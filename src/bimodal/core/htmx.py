"""htmx page helpers shared by the apps' views: a swap gets the fragment, a page load the whole page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from django_filters import FilterSet
    from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (for annotations: views still get HttpRequest)."""

    htmx: HtmxDetails


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap (not a boosted navigation or a history restore) gets only the fragment."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def filtered_page(
    request: HttpRequest,
    *,
    filterset: FilterSet,
    template: str,
    partial: str,
    context: dict[str, Any],
    per_page: int = 25,
) -> HttpResponse:
    """A filtered list, paged: the whole page, or for an htmx swap only the results fragment (the two
    are cached apart). The context gets `filter`, `page` and `query` (the filters, to keep in links)."""
    page = Paginator(filterset.qs, per_page).get_page(request.GET.get("page"))
    context = {**context, "filter": filterset, "page": page, "query": request.GET.urlencode()}
    response = render(request, partial if wants_partial(request) else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response

"""htmx page helpers shared by the apps' views: a swap gets the fragment, a page load the whole page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request) -> bool:
    """An htmx swap (not a boosted navigation or a history restore) gets only the fragment."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def filtered_page(
    request, *, filterset, template: str, partial: str, context: dict, per_page: int = 25
) -> HttpResponse:
    """A filtered list, paged: the whole page, or for an htmx swap only the results fragment (the two
    are cached apart). The context gets `filter`, `page` and `query` (the filters, to keep in links)."""
    page = Paginator(filterset.qs, per_page).get_page(request.GET.get("page"))
    context = {**context, "filter": filterset, "page": page, "query": request.GET.urlencode()}
    response = render(request, partial if wants_partial(request) else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response

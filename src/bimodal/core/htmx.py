"""htmx page helpers shared by the apps' views: a swap gets the fragment, a page load the whole page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from bimodal.core.validation import has_nul

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


#: How many suggestions an autocomplete picker gets at once (the person types more to narrow them).
AUTOCOMPLETE_LIMIT = 20


def autocomplete_options(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    search: tuple[str, ...] = ("name", "slug"),
    value: str = "slug",
    label: str = "name",
) -> HttpResponse:
    """The <option>s of an autocomplete picker (`core.forms.AutocompleteSelect`): at most 20 rows of
    `queryset` (already restricted to what the person may see) whose `search` fields contain the typed
    text, by label. The text comes as `q`, or under the picker's own name (`field=<name>`), which is what
    htmx sends from the text field."""
    field = request.GET.get("field") or "q"
    text = (request.GET.get("q") or request.GET.get(field) or "").strip()[:100]
    if has_nul(text):  # PostgreSQL refuses NUL in text: a 400 naming the field, not a 500
        return HttpResponseBadRequest(f"{field}: Null characters are not allowed.")
    if text:
        condition = Q()
        for name in search:
            condition |= Q(**{f"{name}__icontains": text})
        queryset = queryset.filter(condition)
    options = queryset.order_by(label, value).values_list(value, label)[:AUTOCOMPLETE_LIMIT]
    response = render(request, "core/_autocomplete_options.html", {"options": options})
    patch_vary_headers(response, ("HX-Request",))
    return response

"""Discovery of the pages and API endpoints the house-rule tests run against.

The URL resolver is walked, not a list kept by hand: the DRF routers under /api/ give one endpoint per
viewset (with its list, detail and workflow-action routes), the other API views one endpoint each, and every
pattern outside /api/ and /admin/ is a page. A new route is therefore tested without editing the tests; what
cannot be tested generically is named in `exclusions.py`, and test_coverage.py fails on anything else.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

API_PREFIX = "api/"
# Outside the application: Django's admin has its own login, and these are the sign-in pages themselves.
NOT_PAGES_PREFIXES = (API_PREFIX, "admin/")
WRITE_METHODS = ("post", "put", "patch", "delete")
READ_ACTIONS = {"list", "retrieve"}

_KWARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<regex_name>\w+)>(?P<regex>[^)]*)\)")
_FORMAT_SUFFIX = re.compile(r"\\\.\(\?P<format>|<drf_format_suffix:format>")


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            nested = ":".join(part for part in (namespace, entry.namespace) if part) or None
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), nested)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _readable(pattern: str) -> str:
    """'portfolio/^services/(?P<slug>[^/.]+)/$' → 'portfolio/services/<slug>/'."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    text = re.sub(r"<\w+:(\w+)>", r"<\1>", text)
    return text.replace("^", "").replace("$", "")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its reversible name, its readable path and what each HTTP method runs."""

    name: str
    path: str
    kwargs: tuple[str, ...]
    converters: tuple[str, ...]
    methods: tuple[tuple[str, str], ...] = ()  # (method, action) for viewsets and API views

    def url(self, values: dict | None = None) -> str:
        return reverse(self.name, kwargs={k: (values or {})[k] for k in self.kwargs})

    def dummy_values(self) -> dict:
        """Values that fit the converters but name nothing that exists."""
        return {
            name: 987654 if converter == "int" else "no-such-thing"
            for name, converter in zip(self.kwargs, self.converters, strict=True)
        }

    @property
    def write_methods(self) -> list[tuple[str, str]]:
        return [(method, action) for method, action in self.methods if method in WRITE_METHODS]


def _route(name: str, pattern: str, methods=()) -> Route:
    kwargs, converters = [], []
    for match in _KWARG.finditer(pattern):
        kwargs.append(match["name"] or match["regex_name"])
        numeric = match["regex"] is not None and not re.fullmatch(match["regex"], "no-such-thing")
        converters.append(match["converter"] or ("int" if numeric else "str"))
    return Route(name, "/" + _readable(pattern), tuple(kwargs), tuple(converters), tuple(methods))


@dataclass
class ApiEndpoint:
    """A viewset (all its routes) or a plain API view, identified by its path."""

    view: type
    routes: list[Route] = field(default_factory=list)

    @property
    def is_viewset(self) -> bool:
        return isinstance(self.view, type) and issubclass(self.view, ViewSetMixin)

    @property
    def name(self) -> str:
        return getattr(self.view, "__name__", repr(self.view))

    @property
    def id(self) -> str:
        if self.list_route is not None:
            return self.list_route.path
        return min(self.routes, key=lambda r: len(r.path)).path

    def _by_action(self, action: str) -> Route | None:
        return next((r for r in self.routes if action in dict(r.methods).values()), None)

    @property
    def list_route(self) -> Route | None:
        return self._by_action("list") or next((r for r in self.routes if r.name.endswith("-list")), None)

    @property
    def detail_route(self) -> Route | None:
        return self._by_action("retrieve")

    @property
    def calls(self) -> list[tuple[Route, str, str]]:
        """Every (route, method, action) this endpoint answers."""
        return [(route, method, action) for route in self.routes for method, action in route.methods]

    @property
    def write_calls(self) -> list[tuple[Route, str, str]]:
        return [(route, method, action) for route, method, action in self.calls if method in WRITE_METHODS]

    @property
    def accepts_session(self) -> bool:
        """Whether a person signed in to the site is a signed-in caller here (not only machine tokens)."""
        from rest_framework.authentication import SessionAuthentication

        return any(issubclass(cls, SessionAuthentication) for cls in self.view.authentication_classes)

    def model(self):
        """The model the endpoint lists and shows, from its queryset (None when it has none)."""
        queryset = getattr(self.view, "queryset", None)
        if queryset is not None and queryset.model is not None and self.is_viewset:
            return queryset.model
        if not self.is_viewset or not hasattr(self.view, "get_queryset"):
            return None
        view = self.view()
        django_request = RequestFactory().get("/")
        django_request.user = AnonymousUser()
        view.request = Request(django_request)
        view.request.user = AnonymousUser()
        view.action, view.kwargs, view.args, view.format_kwarg = "list", {}, (), None
        try:
            return view.get_queryset().model
        except (AssertionError, AttributeError, NotImplementedError):
            serializer = getattr(view, "serializer_class", None)
            return getattr(getattr(serializer, "Meta", None), "model", None)


def _effective_methods(view, pattern: URLPattern) -> list[tuple[str, str]]:
    allowed = [m.lower() for m in getattr(view, "http_method_names", [])]
    actions = getattr(pattern.callback, "actions", None)
    if actions is not None:
        return [(method, action) for method, action in actions.items() if method in allowed]
    return [
        (method, method)
        for method in ("get", "post", "put", "patch", "delete")
        if method in allowed and hasattr(view, method)
    ]


@functools.cache
def api_endpoints() -> tuple[ApiEndpoint, ...]:
    """Every viewset and API view under /api/ (the DRF API roots excluded: they only list URLs)."""
    endpoints: dict[object, ApiEndpoint] = {}
    for pattern, entry, _namespace in _walk(get_resolver().url_patterns):
        if not pattern.startswith(API_PREFIX) or _FORMAT_SUFFIX.search(pattern):
            continue
        callback = entry.callback
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
        key = view if isinstance(view, type) and issubclass(view, ViewSetMixin) else (view, pattern)
        endpoint = endpoints.setdefault(key, ApiEndpoint(view=view))
        methods = _effective_methods(view, entry) if isinstance(view, type) else []
        endpoint.routes.append(_route(entry.name, pattern, methods))
    return tuple(endpoints.values())


def is_api_view(endpoint: ApiEndpoint) -> bool:
    """A DRF view (viewset or APIView), as opposed to a plain Django view mounted under /api/."""
    return isinstance(endpoint.view, type) and issubclass(endpoint.view, APIView)


@dataclass(frozen=True)
class Page:
    """A page outside the API, with its namespaced name."""

    route: Route
    callback: object

    @property
    def id(self) -> str:
        return self.route.name

    @property
    def url_name(self) -> str:
        return self.route.name.split(":")[-1]

    @property
    def app(self) -> str:
        return self.route.name.split(":")[0] if ":" in self.route.name else ""


@functools.cache
def pages() -> tuple[Page, ...]:
    """Every named page outside /api/ and /admin/."""
    found = []
    for pattern, entry, namespace in _walk(get_resolver().url_patterns):
        if pattern.startswith(NOT_PAGES_PREFIXES) or not entry.name:
            continue
        name = f"{namespace}:{entry.name}" if namespace else entry.name
        found.append(Page(_route(name, pattern), entry.callback))
    return tuple(found)

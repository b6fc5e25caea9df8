"""Scoped API throttles (the rates are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) and the count of wrong
tokens per address. The counts live in the configured cache (settings: BIMODAL_CACHE_URL)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from bimodal.core.security import client_ip


def _auth_kind(request: Any) -> str:
    """How the request authenticated: anon, token (a person's ApiToken), pipeline or session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anon"
    auth = getattr(request, "auth", None)
    name = type(auth).__name__
    if name == "ApiToken":
        return "token"
    if name == "PipelineToken":
        return "pipeline"
    return "session"


class _ScopedThrottle(SimpleRateThrottle):
    """Counts only the requests of its own kind (`scope`)."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        kind = _auth_kind(request)
        if kind != self.scope:
            return None
        if kind == "anon":
            ident = self.get_ident(request)
        elif kind in ("token", "pipeline"):
            ident = f"{request.auth.pk}"
        else:
            ident = f"{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonThrottle(_ScopedThrottle):
    """Calls without credentials, by address."""

    scope = "anon"


class TokenThrottle(_ScopedThrottle):
    """Calls with a person's API token, by token."""

    scope = "token"


class SessionThrottle(_ScopedThrottle):
    """Calls from a signed-in browser session, by person."""

    scope = "session"


class PipelineThrottle(_ScopedThrottle):
    """Calls with a pipeline token (the deployment gate), by token."""

    scope = "pipeline"


class AuthFailures:
    """Wrong API or pipeline tokens from one address in the current minute; past
    BIMODAL_AUTH_FAILURE_LIMIT every token attempt from it gets 429 until the minute is over."""

    WINDOW = 60

    def __init__(self, request: Any) -> None:
        self.key = f"bimodal:authfail:{client_ip(request)}"

    def check(self) -> None:
        """Raise Throttled when this address has had too many wrong tokens."""
        if (cache.get(self.key) or 0) >= settings.BIMODAL_AUTH_FAILURE_LIMIT:
            raise exceptions.Throttled(self.WINDOW, "Too many invalid tokens from your address.")

    def add(self) -> None:
        """Count one wrong token."""
        if cache.add(self.key, 1, self.WINDOW):
            return
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.add(self.key, 1, self.WINDOW)

"""Middleware of the core app."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from bimodal.core.audit import current_request_id

logger = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Give each request an id (from X-Request-ID when it is safe) for the audit log and the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        # The request carries its id for the pages; HttpRequest declares no such attribute.
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


# PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (or by an operator).
QUERY_CANCELED = "57014"


def _cancelled(exception: Exception) -> bool:
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


class QueryTimeoutMiddleware:
    """Answer a request whose database statement ran past its time limit with 503 and a message
    (JSON under /api/), not a server error: the figure is too costly for now, the request itself was
    fine. The analytics set the limit (`INSIGHTS_STATEMENT_TIMEOUT`); the transaction is rolled back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _cancelled(exception):
            return None
        logger.warning("statement time limit reached on %s", request.path)
        message = (
            "This figure took too long to compute and was stopped. "
            "Try again later, or narrow it (a shorter period, fewer services)."
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message}, status=503)
        elif connection.in_atomic_block:
            # Still inside the failed transaction (ATOMIC_REQUESTS, a test): the page's menus cannot be
            # read from the database, so a plain page.
            response = HttpResponse(
                f"<!doctype html><title>Try again later</title><p>{message}</p>", status=503
            )
        else:
            response = render(request, "503.html", {"message": message}, status=503)
        response["Retry-After"] = "60"
        return response


#: The idle timeout is renewed at most this often: a session is written once a minute of activity, not on
#: every request (each write was an UPDATE of django_session and a re-signing of the data on every page).
SESSION_RENEW_SECONDS = 60
_RENEWED_KEY = "_bimodal_renewed_at"


class SessionRenewalMiddleware:
    """Renew an active session's idle timeout (SESSION_COOKIE_AGE) when its last renewal is a minute old.

    Replaces SESSION_SAVE_EVERY_REQUEST: the session still ends after SESSION_COOKIE_AGE without a request,
    give or take SESSION_RENEW_SECONDS, and ordinary pages no longer write it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None:
            renewed = session.get(_RENEWED_KEY)
            # session_key is None for a new, unknown or expired session: nothing to renew.
            now = int(time.time())
            if session.session_key and (renewed is None or now - renewed >= SESSION_RENEW_SECONDS):
                session[_RENEWED_KEY] = now
        return self.get_response(request)


def mark_renewed_at_login(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """Signing in renews the session (it is saved then): the first page after it need not write it again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[_RENEWED_KEY] = int(time.time())

"""What the fuzz tests share: the OpenAPI document as the application serves it, and signed-in headers."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from drf_spectacular.generators import SchemaGenerator

from bimodal.core.models import User


def openapi_document() -> dict:
    """The document /api/schema/ serves (generated in process: nothing is fetched)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def session_headers(user: User) -> dict[str, str]:
    """Cookie and CSRF headers of a fresh session signed in as `user`, as a browser would send them."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = secrets.token_hex(16)
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }

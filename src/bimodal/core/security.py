"""Security helpers shared by sign-in lockout, throttling and tokens: the client's address, secret hashing."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy (BIMODAL_PROXY_SSL_HEADER set) the
    address that proxy appended last to X-Forwarded-For (earlier entries are the client's own claims)."""
    meta: dict[str, Any] = getattr(request, "META", {})
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return str(forwarded[-1])
    return str(meta.get("REMOTE_ADDR", ""))


def hash_secret(secret: str) -> str:
    """SHA-256 of a token's secret (tokens are random and long: a fast hash is enough; never stored clear)."""
    return hashlib.sha256(secret.encode()).hexdigest()

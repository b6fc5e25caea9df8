"""API-token authentication for people and machine accounts: `Authorization: Token bmt_<prefix>_<secret>`.

Only a SHA-256 of the key is stored (core.ApiToken); expired and revoked tokens are refused. Wrong keys
count against the caller's address (core.api.throttling.AuthFailures): past the limit, 429."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from bimodal.core.api.throttling import AuthFailures
from bimodal.core.models import ApiToken, User
from bimodal.core.security import hash_secret

# last_used_at is written at most this often per token: not one write per request.
_TOUCH_EVERY = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates as the token's user; `request.auth` is the ApiToken."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        failures = AuthFailures(request)
        failures.check()
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token as `Authorization: Token <key>`.")
        key = header[1].decode(errors="replace")
        token = self._lookup(key)
        now = timezone.now()
        if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(key)):
            failures.add()
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.is_valid(now):
            failures.add()
            raise exceptions.AuthenticationFailed("Token expired or revoked.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    @staticmethod
    def _lookup(key: str) -> ApiToken | None:
        parts = key.split("_")
        # bmt_<prefix>_<secret>; tokens carried over from the clear-text table are 40 hex digits, looked
        # up by their first eight.
        if len(parts) >= 3 and parts[0] == "bmt":
            prefix = parts[1]
        elif len(key) == 40:
            prefix = key[:8]
        else:
            return None
        return ApiToken.objects.select_related("user").filter(prefix=prefix).first()

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


try:  # the OpenAPI schema names the scheme; drf-spectacular finds the extension once it is imported
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class ApiTokenScheme(OpenApiAuthenticationExtension):
        """OpenAPI security scheme of people's API tokens."""

        target_class = "bimodal.core.api.authentication.ApiTokenAuthentication"
        name = "tokenAuth"

        def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token <key>`, a key from `bimodal token create USERNAME` (shown once).",
            }
except ImportError:  # pragma: no cover
    pass

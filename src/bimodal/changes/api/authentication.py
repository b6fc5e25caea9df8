"""Pipeline-token authentication for the deployment gate: `Authorization: Bearer bmp_<prefix>_<secret>`."""

from __future__ import annotations

import hmac

from rest_framework import authentication, exceptions

from bimodal.changes import selectors
from bimodal.changes.models import hash_secret
from bimodal.core.api.throttling import AuthFailures


class PipelineTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a pipeline as the token's machine account; `request.auth` is the PipelineToken."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the token as `Authorization: Bearer <token>`.")
        failures = AuthFailures(request)
        failures.check()
        raw = header[1].decode(errors="replace")
        parts = raw.split("_")
        if len(parts) < 3 or parts[0] != "bmp":
            failures.add()
            raise exceptions.AuthenticationFailed("Invalid pipeline token.")
        view = (getattr(request, "parser_context", None) or {}).get("view")
        # A view may let some actions take the token from the gate's per-process snapshot (the gate
        # checks it against the row in its facts query and answers 401 if it was revoked meanwhile).
        cached = getattr(view, "action", None) in getattr(view, "pipeline_token_snapshot_actions", ())
        token = selectors.pipeline_token(parts[1], cached=cached)
        if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(raw)):
            failures.add()
            raise exceptions.AuthenticationFailed("Invalid or revoked pipeline token.")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


try:  # the OpenAPI schema names the scheme; drf-spectacular finds the extension once it is imported
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class PipelineTokenScheme(OpenApiAuthenticationExtension):
        """OpenAPI security scheme of pipeline tokens."""

        target_class = "bimodal.changes.api.authentication.PipelineTokenAuthentication"
        name = "pipelineToken"

        def get_security_definition(self, auto_schema):
            return {
                "type": "http",
                "scheme": "bearer",
                "description": "A pipeline token from `bimodal pipeline-token create --service SLUG`.",
            }
except ImportError:  # pragma: no cover
    pass

"""Helpers of the integrations tests: fixture payloads and signed deliveries."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from bimodal.integrations.webhooks import github_signature

PAYLOADS = Path(__file__).parent / "payloads"
GITHUB_URL = "/api/integrations/webhooks/github/"
GITLAB_URL = "/api/integrations/webhooks/gitlab/"


def payload(name: str) -> dict:
    """A fixture payload as a dict (to edit before sending)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def send_github(client, event: str, body, *, secret: str, delivery: str | None = None, signature=None):
    """POST a GitHub delivery signed with `secret` (or with the given signature header)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
        "HTTP_X_HUB_SIGNATURE_256": github_signature(secret, raw) if signature is None else signature,
    }
    return client.post(GITHUB_URL, data=raw, content_type="application/json", **headers)


def send_gitlab(client, event: str, body, *, token: str, delivery: str | None = None):
    """POST a GitLab delivery with the secret token."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "HTTP_X_GITLAB_EVENT": event,
        "HTTP_X_GITLAB_EVENT_UUID": delivery or str(uuid.uuid4()),
        "HTTP_X_GITLAB_TOKEN": token,
    }
    return client.post(GITLAB_URL, data=raw, content_type="application/json", **headers)

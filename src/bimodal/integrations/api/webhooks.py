"""The webhook endpoints: plain Django views, CSRF-exempt and without sessions — the signature (GitHub) or
the secret token (GitLab) of the repository the payload names is the authentication.

Responses: 200 processed or duplicate, 202 skipped (an event or action we do not use), 400 unreadable or
malformed payload, 401 bad or missing signature (nothing written), 404 repository not configured or
inactive (nothing written), 405 not a POST."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bimodal.integrations import selectors, services
from bimodal.integrations.choices import DeliveryOutcome, Provider
from bimodal.integrations.webhooks import verify_github, verify_gitlab

STATUS: dict[str, int] = {
    DeliveryOutcome.PROCESSED: 200,
    DeliveryOutcome.DUPLICATE: 200,
    DeliveryOutcome.SKIPPED: 202,
    DeliveryOutcome.ERROR: 400,
}
MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def _payload(request: HttpRequest, body: bytes) -> dict | None:
    """The JSON payload, sent as JSON or (GitHub's other content type) as the form field `payload`."""
    try:
        if request.content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("utf-8")).get("payload") or [""]
            data = json.loads(values[0])
        else:
            data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _receive(request: HttpRequest, provider: str, *, event: str, delivery_id: str, verify) -> JsonResponse:
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"detail": "Payload too large."}, status=413)
    payload = _payload(request, body)
    if payload is None:
        return JsonResponse({"detail": "The body is not a JSON object."}, status=400)
    repository = selectors.repository_for_webhook(provider, payload)
    if repository is None:
        return JsonResponse({"detail": "No active repository is configured for this payload."}, status=404)
    if not verify(repository, body):
        return JsonResponse({"detail": "Bad or missing signature."}, status=401)
    if not event:
        return JsonResponse({"detail": "The event header is missing."}, status=400)
    # Providers send a delivery id; without one, the body itself identifies a redelivery.
    delivery_id = (delivery_id or f"sha256:{hashlib.sha256(body).hexdigest()}")[:100]
    receipt = services.webhook_receive(
        provider=provider, repository=repository, delivery_id=delivery_id, event=event, payload=payload
    )
    return JsonResponse(
        {"outcome": receipt.outcome, "detail": receipt.detail, "delivery": delivery_id},
        status=STATUS[receipt.outcome],
    )


@csrf_exempt
@require_POST
def github_webhook(request: HttpRequest) -> JsonResponse:
    """GitHub: X-GitHub-Event, X-GitHub-Delivery, X-Hub-Signature-256 (HMAC-SHA256 of the raw body)."""
    signature = request.headers.get("X-Hub-Signature-256", "")
    return _receive(
        request,
        Provider.GITHUB,
        event=request.headers.get("X-GitHub-Event", ""),
        delivery_id=request.headers.get("X-GitHub-Delivery", ""),
        verify=lambda repository, body: verify_github(repository.webhook_secret, body, signature),
    )


@csrf_exempt
@require_POST
def gitlab_webhook(request: HttpRequest) -> JsonResponse:
    """GitLab: X-Gitlab-Event, X-Gitlab-Event-UUID (or Idempotency-Key), X-Gitlab-Token (the secret)."""
    token = request.headers.get("X-Gitlab-Token", "")
    return _receive(
        request,
        Provider.GITLAB,
        event=request.headers.get("X-Gitlab-Event", ""),
        delivery_id=request.headers.get("X-Gitlab-Event-UUID", "")
        or request.headers.get("Idempotency-Key", ""),
        verify=lambda repository, body: verify_gitlab(repository.webhook_secret, token),
    )

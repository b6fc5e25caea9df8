"""The webhook endpoints: plain Django views, CSRF-exempt and without sessions — the signature (GitHub) or
the secret token (GitLab) of a configured repository is the authentication.

The signature is checked before anything in the body is read: against the repository the URL names
(`…/webhooks/github/<repository id>/`), else the one GitHub's headers name, else every active repository
of the provider. Only then is the body parsed and matched to one of the repositories that signed it.

Responses (JSON): 200 processed or duplicate (a redelivery, or a replay of a body already received),
202 skipped (an event or action we do not use, a ping — an organisation hook's too, which names no
repository), 400 unreadable or malformed payload, 401 bad or missing
signature, or no active repository that could have signed it (nothing written, and nothing said about
which repositories exist), 404 signed, but the payload names another repository, 405 not a POST,
413 a body over 25 MB (GitHub's cap on payloads)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from urllib.parse import parse_qs

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bimodal.integrations import selectors, services
from bimodal.integrations.choices import DeliveryOutcome, Provider
from bimodal.integrations.models import Repository
from bimodal.integrations.webhooks import is_organisation_ping, verify_github, verify_gitlab

STATUS: dict[str, int] = {
    DeliveryOutcome.PROCESSED: 200,
    DeliveryOutcome.DUPLICATE: 200,
    DeliveryOutcome.SKIPPED: 202,
    DeliveryOutcome.ERROR: 400,
}
MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def _body(request: HttpRequest) -> bytes | None:
    """The raw body, up to MAX_BODY; None when it is larger. Read from the stream, not `request.body`,
    whose DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is for forms, not for signed pushes of many commits."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return None
    body = request.read(MAX_BODY + 1)
    return None if len(body) > MAX_BODY else body


def _payload(request: HttpRequest, body: bytes) -> dict | None:
    """The JSON payload, sent as JSON or (GitHub's other content type) as the form field `payload`."""
    try:
        if request.content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("utf-8")).get("payload") or [""]
            data = json.loads(values[0])
        else:
            data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _clean(value: str, length: int) -> str:
    """A header value fit to store: no NUL characters, at most `length` characters."""
    return value.replace("\x00", "")[:length]


def _receive(
    request: HttpRequest,
    provider: str,
    *,
    event: str,
    delivery_id: str,
    verify: Callable[[Repository, bytes], bool],
    repository_id: int | None,
    hint: str = "",
) -> JsonResponse:
    body = _body(request)
    if body is None:
        return JsonResponse(
            {"detail": f"The body is larger than {MAX_BODY // (1024 * 1024)} MB."}, status=413
        )
    candidates = selectors.webhook_candidates(provider, repository_id=repository_id, hint=hint)
    signers = [repository for repository in candidates if verify(repository, body)]
    if not signers:
        return JsonResponse({"detail": "Bad or missing signature."}, status=401)
    payload = _payload(request, body)
    if payload is None:
        return JsonResponse({"detail": "The body is not a JSON object."}, status=400)
    event = _clean(event, 60)
    if not event:
        return JsonResponse({"detail": "The event header is missing."}, status=400)
    repository = selectors.repository_for_webhook(provider, payload, among=signers)
    # An organisation hook's ping names no repository: acknowledged and recorded without one.
    if repository is None and not is_organisation_ping(provider, event, payload):
        return JsonResponse(
            {"detail": "The payload is about another repository than the one signed for."}, status=404
        )
    body_sha256 = hashlib.sha256(body).hexdigest()
    # Providers send a delivery id; without one, the body itself identifies a redelivery.
    delivery_id = _clean(delivery_id, 100) or f"sha256:{body_sha256}"
    receipt = services.webhook_receive(
        provider=provider,
        repository=repository,
        delivery_id=delivery_id,
        event=event,
        payload=payload,
        body_sha256=body_sha256,
    )
    return JsonResponse(
        {"outcome": receipt.outcome, "detail": receipt.detail, "delivery": delivery_id},
        status=STATUS[receipt.outcome],
    )


@csrf_exempt
@require_POST
def github_webhook(request: HttpRequest, repository_id: int | None = None) -> JsonResponse:
    """GitHub: X-GitHub-Event, X-GitHub-Delivery, X-Hub-Signature-256 (HMAC-SHA256 of the raw body)."""
    signature = request.headers.get("X-Hub-Signature-256", "")
    return _receive(
        request,
        Provider.GITHUB,
        event=request.headers.get("X-GitHub-Event", ""),
        delivery_id=request.headers.get("X-GitHub-Delivery", ""),
        verify=lambda repository, body: verify_github(repository.webhook_secret, body, signature),
        repository_id=repository_id,
        hint=request.headers.get("X-GitHub-Hook-Installation-Target-ID", "")
        if request.headers.get("X-GitHub-Hook-Installation-Target-Type", "") == "repository"
        else "",
    )


@csrf_exempt
@require_POST
def gitlab_webhook(request: HttpRequest, repository_id: int | None = None) -> JsonResponse:
    """GitLab: X-Gitlab-Event, X-Gitlab-Event-UUID (or Idempotency-Key), X-Gitlab-Token (the secret)."""
    token = request.headers.get("X-Gitlab-Token", "")
    return _receive(
        request,
        Provider.GITLAB,
        event=request.headers.get("X-Gitlab-Event", ""),
        delivery_id=request.headers.get("X-Gitlab-Event-UUID", "")
        or request.headers.get("Idempotency-Key", ""),
        verify=lambda repository, body: verify_gitlab(repository.webhook_secret, token),
        repository_id=repository_id,
    )

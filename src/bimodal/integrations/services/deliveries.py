"""Webhook deliveries: one authenticated delivery is processed in one transaction, as the system (actor None
in the audit log), and recorded once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from django.utils import timezone

from bimodal.changes.choices import DeploymentSource
from bimodal.core.services import write
from bimodal.integrations.choices import (
    DeliveryOutcome,
    Provider,
)
from bimodal.integrations.models import Repository, WebhookDelivery
from bimodal.integrations.services.deployments import commits_record, deployment_report, pull_request_record
from bimodal.integrations.services.repositories import environment_for
from bimodal.integrations.webhooks import (
    Interpretation,
    interpret,
)

# A captured signed body sent again under a new delivery id is a replay within this window (providers'
# own redeliveries keep their delivery id). Past it, the writes are idempotent anyway (commits by sha,
# deployments by the provider's id).
REPLAY_WINDOW = timedelta(days=3)

PROVIDER_SOURCE: dict[str, str] = {
    Provider.GITHUB: DeploymentSource.GITHUB,
    Provider.GITLAB: DeploymentSource.GITLAB,
}


# --- webhooks ---------------------------------------------------------------------------------------


@dataclass
class Receipt:
    """What became of a delivery: the recorded delivery (None for a duplicate, nothing being written)."""

    outcome: str
    detail: str
    delivery: WebhookDelivery | None = None


def _apply(interpretation: Interpretation, repository: Repository, provider: str) -> str:
    """Write what a delivery means; returns the delivery's detail line."""
    parts = []
    if interpretation.commits:
        commits_record(
            repository=repository, commits=interpretation.commits, pushed_at=interpretation.pushed_at
        )
        parts.append(f"{len(interpretation.commits)} commit(s)")
    if interpretation.pull_request is not None:
        pull_request_record(repository=repository, data=interpretation.pull_request)
        parts.append(f"pull request #{interpretation.pull_request.number}")
    if interpretation.deployment is not None:
        data = interpretation.deployment
        deployment, created = deployment_report(
            actor=None,
            service=repository.service,
            source=PROVIDER_SOURCE[provider],
            environment=environment_for(repository, data.environment, data.environment_tier),
            data=data,
            repository=repository,
        )
        parts.append(
            f"deployment {deployment.pk} {'created' if created else 'updated'} ({deployment.status})"
        )
    return "; ".join(parts)


def _record(
    existing: WebhookDelivery | None,
    *,
    provider: str,
    delivery_id: str,
    event: str,
    action: str,
    received_at: datetime,
    repository: Repository | None,
    body_sha256: str,
    outcome: str,
    detail: str,
) -> WebhookDelivery:
    """Write the delivery's row: the errored one being redelivered, or a new one."""
    fields = {
        "provider": provider,
        "delivery_id": delivery_id,
        "event": event,
        "action": action,
        "received_at": received_at,
        "repository": repository,
        "body_sha256": body_sha256,
        "outcome": outcome,
        "detail": detail,
    }
    if existing is not None:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing
    return WebhookDelivery.objects.create(**fields)


def _action(payload: dict[str, Any]) -> str:
    """The payload's action (GitHub) or object action (GitLab), as text fit to store."""
    attributes = payload.get("object_attributes")
    action = payload.get("action") or (attributes.get("action") if isinstance(attributes, dict) else "")
    return _storable(str(action or ""))[:60]


def _storable(text: str) -> str:
    """Text the database takes: NUL characters (which PostgreSQL refuses) written as \\0."""
    return text.replace("\x00", "\\0")


def webhook_receive(
    *,
    provider: str,
    repository: Repository | None,
    delivery_id: str,
    event: str,
    payload: dict[str, Any],
    body_sha256: str = "",
) -> Receipt:
    """Process one authenticated delivery in one transaction and record it.

    A delivery id already recorded (processed or skipped) is a duplicate: nothing is written; so is the same
    signed body under another delivery id within REPLAY_WINDOW of its processing (a replay; a skipped
    body may come again, after the repository's settings changed). An event we do not use is
    recorded as skipped; so is an organisation hook's ping, the one delivery without a `repository`. A
    malformed payload writes nothing but its delivery (outcome error), and a
    redelivery of it is processed again."""
    existing = WebhookDelivery.objects.filter(provider=provider, delivery_id=delivery_id).first()
    if existing is not None and existing.outcome != DeliveryOutcome.ERROR:
        return Receipt(DeliveryOutcome.DUPLICATE, f"delivery {delivery_id} was already received")
    now = timezone.now()
    if body_sha256:
        replayed = (
            WebhookDelivery.objects.filter(
                provider=provider,
                repository=repository,
                body_sha256=body_sha256,
                received_at__gte=now - REPLAY_WINDOW,
            )
            .filter(outcome=DeliveryOutcome.PROCESSED)
            .first()
        )
        if replayed is not None:
            return Receipt(
                DeliveryOutcome.DUPLICATE,
                f"the same body was received as delivery {replayed.delivery_id}: a replay, ignored",
            )
    action = _action(payload)
    base: dict[str, Any] = {
        "provider": provider,
        "delivery_id": delivery_id,
        "event": _storable(event)[:60],
        "action": action,
        "received_at": now,
        "repository": repository,
        "body_sha256": body_sha256,
    }
    try:
        with write():
            interpretation = interpret(provider, event, payload, repository, received_at=now)
            if interpretation.skip or repository is None:
                outcome, detail = DeliveryOutcome.SKIPPED, interpretation.skip or "no repository named"
            else:
                outcome, detail = DeliveryOutcome.PROCESSED, _apply(interpretation, repository, provider)
            delivery = _record(existing, outcome=outcome, detail=detail, **base)
    except IntegrityError as exc:
        if (
            unique_violation(exc)
            and WebhookDelivery.objects.filter(provider=provider, delivery_id=delivery_id)
            .exclude(outcome=DeliveryOutcome.ERROR)
            .exists()
        ):
            # The same delivery was recorded concurrently by another request.
            return Receipt(DeliveryOutcome.DUPLICATE, f"delivery {delivery_id} was already received")
        # Any other refusal (a check the payload passed but the database did not, a concurrent write of
        # the same row): nothing was written; recorded as an error, so that a redelivery is processed.
        detail = _storable(f"{event} payload refused by the database: {exc}")[:2000]
        with write():
            delivery = _record(existing, outcome=DeliveryOutcome.ERROR, detail=detail, **base)
        return Receipt(DeliveryOutcome.ERROR, detail, delivery)
    except (
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        OverflowError,
        ValidationError,
        DataError,
    ) as exc:
        # DataError: a value the database refuses (a number beyond its column, a NUL character).
        detail = _storable(f"malformed {event} payload: {_describe(exc)}")[:2000]
        with write():
            delivery = _record(existing, outcome=DeliveryOutcome.ERROR, detail=detail, **base)
        return Receipt(DeliveryOutcome.ERROR, detail, delivery)
    return Receipt(outcome, detail, delivery)


def unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a write for a unique key (a row already there), not for a NOT NULL,
    CHECK or foreign-key constraint: SQLSTATE 23505 on PostgreSQL, "UNIQUE constraint failed" on SQLite."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state:
        return bool(state == "23505")
    return str(exc).startswith("UNIQUE constraint failed")


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)

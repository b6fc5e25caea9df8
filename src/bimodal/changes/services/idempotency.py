"""Idempotency keys of the deployment gate, bound to their request: the hash of a request's canonical
JSON is kept with its key, a replay with the same body gets the first answer said to be a replay, and
the same key with another body is refused (as Stripe's API and the IETF draft
draft-ietf-httpapi-idempotency-key-header do)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone

from bimodal.changes.choices import GateOutcome
from bimodal.changes.models import GateRequest
from bimodal.portfolio.models import Service


class GateKeyReused(Exception):
    """An idempotency key sent again with a different request body (answered 409, nothing written)."""


def request_hash(
    *,
    service: Service,
    environment: str,
    version: str,
    commit: str,
    pipeline_url: str,
    evidence: dict[str, Any],
    change_reference: str,
) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of what a gate request asks: the fields
    that decide its answer, i.e. all but the idempotency key itself."""
    body = {
        "service": service.slug,
        "environment": environment,
        "version": version,
        "commit": commit,
        "pipeline_url": pipeline_url,
        "evidence": evidence,
        "change": change_reference,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(answered: GateRequest, body_hash: str, facts: dict[str, Any]) -> GateRequest:
    """The earlier answer for a replayed key, said to be one: when it was decided, and what the
    calendar says now if it allowed a deploy that a new request would not get."""
    if answered.request_hash and answered.request_hash != body_hash:
        raise GateKeyReused(
            f"The idempotency key “{answered.idempotency_key}” was first used at "
            f"{answered.created_at.isoformat()} for a different request (another version, environment, "
            "evidence or change): use a new key for a new request."
        )
    notes = [
        f"Replay: this is the answer given at {timezone.localtime(answered.created_at).isoformat()} to the first "
        "request "
        "with this idempotency key; it was not decided again."
    ]
    if answered.outcome == GateOutcome.ALLOW:
        if facts.get("in_freeze"):
            notes.append("A change freeze is in force now: a new request would be denied.")
        if answered.requirements.get("window_required") and not facts.get("in_window"):
            notes.append("No change window is open now: a new request would be denied.")
    answered.replayed, answered.replay_notes = True, notes
    return answered

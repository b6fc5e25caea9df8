"""Pipeline tokens: a pipeline's machine account and a secret valid for some services (only a hash is
stored; the secret is shown once)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from bimodal.changes.models import PipelineToken, hash_secret
from bimodal.changes.services.base import TOKEN_PREFIX
from bimodal.core.models import User
from bimodal.core.services import create_audited, require_perm, transactional, update_audited
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service


@transactional
def pipeline_token_create(
    *, actor: User | None, name: str, services: Iterable[Service]
) -> tuple[PipelineToken, str]:
    """A token for a pipeline, valid for `services` only; returns it and the secret (shown once)."""
    if actor is not None:
        require_perm(actor, "changes.add_pipelinetoken")
    chosen = list(services)
    if not chosen:
        raise ValidationError({"services": "A pipeline token is for at least one service."})
    username = f"pipeline-{slugify(name)[:100]}"
    machine = User.objects.filter(username=username).first()
    if machine is None:
        machine = User(username=username, first_name="Pipeline", last_name=name[:150])
        machine.set_unusable_password()
        machine = create_audited(
            machine, actor=actor, verb=AuditVerb.PIPELINE_USER_CREATE, reason="pipeline machine account"
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = PipelineToken(
        name=name, prefix=prefix, secret_hash=hash_secret(secret), user=machine, created_by=actor
    )
    create_audited(token, actor=actor, m2m={"services": chosen}, verb=AuditVerb.PIPELINE_TOKEN_CREATE)
    return token, secret


@transactional
def pipeline_token_revoke(*, actor: User | None, token: PipelineToken) -> PipelineToken:
    """Revoke a pipeline token: it no longer authenticates."""
    if actor is not None:
        require_perm(actor, "changes.change_pipelinetoken")
    return update_audited(
        token, actor=actor, fields={"revoked_at": timezone.now()}, verb=AuditVerb.PIPELINE_TOKEN_REVOKE
    )

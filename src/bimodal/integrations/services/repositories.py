"""Writes of repositories mapped to services: create, update, rotate the webhook secret; and the
environment names a repository reports."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, Final

from django.utils import timezone

from bimodal.changes.choices import Environment
from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    given,
    require_object,
    require_perm,
    transactional,
)
from bimodal.core.verbs import AuditVerb
from bimodal.integrations.choices import (
    DEFAULT_PRODUCTION_ENVIRONMENTS,
    STAGING_ENVIRONMENT_NAMES,
)
from bimodal.integrations.models import Repository
from bimodal.portfolio.models import Service

# --- repositories -----------------------------------------------------------------------------------

# The fields a person sets on a repository's mapping: the form, the API's write serializer and these
# services' keyword arguments list the same names (tests/test_services.py); the webhook secret is given
# only on create.
REPOSITORY_FIELDS: Final = (
    "provider",
    "full_name",
    "external_id",
    "service",
    "production_environments",
    "default_branch",
    "deploy_workflow",
    "active",
)


def new_webhook_secret() -> str:
    """A fresh random webhook secret (64 hex characters)."""
    return secrets.token_hex(32)


def _snapshot(repository: Repository) -> dict[str, Any]:
    """The repository as the audit log keeps it: never the secret itself."""
    data = audit.snapshot(repository)
    data["webhook_secret"] = "(set)" if repository.webhook_secret else ""
    return data


def _normalise_environments(names: Iterable[object] | None) -> list[str]:
    cleaned = [str(n).strip() for n in (names or []) if str(n).strip()]
    return list(dict.fromkeys(cleaned))


@transactional
def repository_create(
    *,
    actor: User,
    provider: str,
    full_name: str,
    service: Service,
    webhook_secret: str = "",
    production_environments: Iterable[str] | None = None,
    default_branch: str = "main",
    deploy_workflow: str = "",
    external_id: str = "",
    active: bool = True,
) -> tuple[Repository, str]:
    """Map a repository (GitHub) or project (GitLab) to a service; returns it and its webhook secret,
    generated when none is given (shown once: it is not displayed again)."""
    require_perm(actor, "integrations.add_repository")
    require_object(actor, "view", service)
    secret = webhook_secret or new_webhook_secret()
    repository = Repository(
        provider=provider,
        full_name=full_name.strip(),
        external_id=str(external_id or "").strip(),
        service=service,
        production_environments=_normalise_environments(
            production_environments
            if production_environments is not None
            else DEFAULT_PRODUCTION_ENVIRONMENTS
        ),
        default_branch=default_branch.strip() or "main",
        deploy_workflow=deploy_workflow.strip(),
        webhook_secret=secret,
        active=active,
    )
    repository.full_clean()
    repository.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=repository,
        after=_snapshot(repository),
        verb=AuditVerb.REPOSITORY_CREATE,
    )
    return repository, secret


@transactional
def repository_update(
    *,
    actor: User,
    repository: Repository,
    reason: str = "",
    provider: str | NotGiven = UNSET,
    full_name: str | NotGiven = UNSET,
    external_id: str | NotGiven = UNSET,
    service: Service | NotGiven = UNSET,
    production_environments: Iterable[str] | NotGiven = UNSET,
    default_branch: str | NotGiven = UNSET,
    deploy_workflow: str | NotGiven = UNSET,
    active: bool | NotGiven = UNSET,
) -> Repository:
    """Change the given attributes of a repository's mapping (service, environments, branch, deploy workflow,
    active); the secret changes only through `repository_rotate_secret`."""
    require_object(actor, "change", repository)
    if service is not UNSET:
        require_object(actor, "view", service)
    fields = given(
        provider=provider,
        full_name=full_name,
        external_id=external_id,
        service=service,
        production_environments=(
            UNSET if production_environments is UNSET else _normalise_environments(production_environments)
        ),
        default_branch=default_branch,
        deploy_workflow=deploy_workflow,
        active=active,
    )
    Repository.objects.select_for_update(no_key=True).filter(pk=repository.pk).first()
    before = _snapshot(repository)
    for name, value in fields.items():
        setattr(repository, name, value)
    repository.full_clean()
    repository.save()
    after = _snapshot(repository)
    if after != before:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=repository,
            before=before,
            after=after,
            reason=reason,
            verb=AuditVerb.REPOSITORY_UPDATE,
        )
    return repository


@transactional
def repository_rotate_secret(
    *, actor: User, repository: Repository, secret: str = ""
) -> tuple[Repository, str]:
    """Give the repository a new webhook secret (generated unless given); returns it, to be shown once."""
    require_object(actor, "change", repository)
    secret = secret or new_webhook_secret()
    Repository.objects.filter(pk=repository.pk).update(webhook_secret=secret, updated_at=timezone.now())
    repository.webhook_secret = secret
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=repository,
        reason="webhook secret rotated",
        verb=AuditVerb.REPOSITORY_ROTATE_SECRET,
    )
    return repository, secret


# --- environments -----------------------------------------------------------------------------------


def environment_for(repository: Repository | None, name: str, tier: str = "") -> str:
    """Our environment for a provider's environment name: production when the repository lists it as a
    production environment (or GitLab says its tier is production), staging for staging-like names,
    test for anything else."""
    key = (name or "").strip().lower()
    production = repository.production_environments if repository else DEFAULT_PRODUCTION_ENVIRONMENTS
    if key in {str(e).strip().lower() for e in production} or (tier or "").lower() == "production":
        return Environment.PRODUCTION
    if key in Environment.values:
        return key
    if (tier or "").lower() == "staging" or key in STAGING_ENVIRONMENT_NAMES or key.startswith("stag"):
        return Environment.STAGING
    return Environment.TEST

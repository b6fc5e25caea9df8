"""Writes of the integrations app: repositories, webhook deliveries, commits, merged pull requests and
deployments reported by CI/CD (webhooks, the bulk API and `bimodal import-deployments`).

Webhook processing runs as the system (actor None in the audit log): one delivery is one transaction.
Deployments and repositories are audited; commits, pull requests and deployment-commit links are raw facts
copied from the provider and are not (they are many and carry no decision)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from bimodal.changes.choices import DeploymentSource, DeploymentStatus, Environment
from bimodal.changes.models import Deployment
from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    update_audited,
)
from bimodal.core.transitions import record_deployment
from bimodal.core.verbs import AuditVerb
from bimodal.integrations.choices import (
    DEFAULT_PRODUCTION_ENVIRONMENTS,
    STAGING_ENVIRONMENT_NAMES,
    DeliveryOutcome,
    Provider,
)
from bimodal.integrations.models import Commit, DeploymentCommit, PullRequest, Repository, WebhookDelivery
from bimodal.integrations.webhooks import (
    CommitData,
    DeploymentData,
    Interpretation,
    PullRequestData,
    interpret,
)
from bimodal.portfolio.models import Service

TERMINAL = frozenset({DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK})
# A webhook deployment matches a gate deployment of the same service, environment and commit that is still
# in progress or was opened this recently.
GATE_MATCH_WINDOW = timedelta(hours=24)
PROVIDER_SOURCE: dict[str, str] = {
    Provider.GITHUB: DeploymentSource.GITHUB,
    Provider.GITLAB: DeploymentSource.GITLAB,
}


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


@transaction.atomic
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


@transaction.atomic
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
    Repository.objects.select_for_update().filter(pk=repository.pk).first()
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


@transaction.atomic
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


# --- commits and pull requests ----------------------------------------------------------------------


def commits_record(
    *, repository: Repository, commits: list[CommitData], pushed_at: datetime | None = None
) -> dict[str, Commit]:
    """Insert the commits not yet known (by sha) and stamp `pushed_at` where it is missing; returns every
    listed commit by sha. Set-based: a fixed number of queries whatever the number of commits."""
    unique = {c.sha: c for c in commits if c.sha}
    if not unique:
        return {}
    known = set(
        Commit.objects.filter(repository=repository, sha__in=list(unique)).values_list("sha", flat=True)
    )
    Commit.objects.bulk_create(
        [
            Commit(
                repository=repository,
                sha=c.sha,
                authored_at=c.authored_at,
                committed_at=c.committed_at,
                message=c.message[:300],
                author=c.author[:200],
                pushed_at=pushed_at,
            )
            for sha, c in unique.items()
            if sha not in known
        ],
        ignore_conflicts=True,
    )
    if pushed_at is not None and known:
        Commit.objects.filter(repository=repository, sha__in=list(known), pushed_at__isnull=True).update(
            pushed_at=pushed_at
        )
    return {c.sha: c for c in Commit.objects.filter(repository=repository, sha__in=list(unique))}


def pull_request_record(*, repository: Repository, data: PullRequestData) -> PullRequest:
    """Create or update a merged pull request by its number."""
    pull_request, _ = PullRequest.objects.update_or_create(
        repository=repository,
        number=data.number,
        defaults={
            "title": data.title,
            "created_at": data.created_at,
            "merged_at": data.merged_at,
            "merge_commit_sha": data.merge_commit_sha,
            "url": data.url,
            **({"first_commit_at": data.first_commit_at} if data.first_commit_at else {}),
        },
    )
    return pull_request


# --- deployments ------------------------------------------------------------------------------------


def _head_commit(repository: Repository, sha: str) -> Commit | None:
    if not sha:
        return None
    commits = Commit.objects.filter(repository=repository)
    if len(sha) >= 40:
        return commits.filter(sha=sha).first()
    return commits.filter(sha__startswith=sha).order_by("-authored_at").first()


def _link_commits(deployment: Deployment, repository: Repository, explicit: list[CommitData] | None) -> int:
    """Link the commits `deployment` brought: the ones listed explicitly, or else the commits pushed to the
    repository up to its sha that no other successful deployment of the service to the environment holds."""
    if explicit:
        ids = [c.pk for c in commits_record(repository=repository, commits=explicit).values()]
    else:
        head = _head_commit(repository, deployment.commit)
        bound: datetime | None
        if head is not None:
            bound = head.pushed_at or head.authored_at
        else:
            bound = deployment.started_at or deployment.finished_at
        if bound is None:
            return 0
        delivered = DeploymentCommit.objects.filter(
            deployment__service_id=deployment.service_id,
            deployment__environment=deployment.environment,
            deployment__status=DeploymentStatus.SUCCEEDED,
        ).exclude(deployment=deployment)
        ids = list(
            Commit.objects.filter(repository=repository)
            .annotate(reached_at=Coalesce("pushed_at", "authored_at"))
            .filter(reached_at__lte=bound)
            .exclude(pk__in=delivered.values("commit_id"))
            .values_list("pk", flat=True)
        )
        if head is not None and head.pk not in ids:
            ids.append(head.pk)
    DeploymentCommit.objects.bulk_create(
        [DeploymentCommit(deployment=deployment, commit_id=pk) for pk in ids], ignore_conflicts=True
    )
    return len(ids)


def _existing(
    *, source: str, external_id: str, service: Service, environment: str, commit: str
) -> Deployment | None:
    """The deployment a report is about: the same reporter's id, or else a matching gate deployment."""
    if external_id:
        found = (
            Deployment.objects.select_for_update()
            .filter(
                Q(source=source, external_id=external_id)
                | Q(source=DeploymentSource.GATE, external_id=f"{source}:{external_id}")
            )
            .first()
        )
        if found is not None:
            return found
    if commit and source != DeploymentSource.GATE:
        recent = timezone.now() - GATE_MATCH_WINDOW
        return (
            Deployment.objects.select_for_update()
            .filter(
                source=DeploymentSource.GATE,
                external_id="",
                service=service,
                environment=environment,
                commit__in={commit, commit[:7], commit[:8], commit[:12]},
            )
            .filter(Q(status=DeploymentStatus.IN_PROGRESS) | Q(created_at__gte=recent))
            .order_by("-created_at")
            .first()
        )
    return None


@transaction.atomic
def deployment_report(
    *,
    actor: User | None,
    service: Service,
    source: str,
    environment: str,
    data: DeploymentData,
    repository: Repository | None = None,
) -> tuple[Deployment, bool]:
    """Create or update a deployment from a CI/CD report (idempotent on source + external id) and link its
    commits; returns it and whether it was created.

    A report about a gate deployment (same service, environment and commit, in progress or recent) enriches
    that row — reporter id, repository, start time, commits — and leaves its status to the gate's own result
    call, which also moves the change. A late "in progress" never reopens a finished deployment."""
    now = timezone.now()
    existing = _existing(
        source=source,
        external_id=data.external_id,
        service=service,
        environment=environment,
        commit=data.commit,
    )
    terminal = data.status in TERMINAL
    if existing is None:
        deployment = Deployment(
            service=service,
            environment=environment,
            status=data.status,
            version=data.version[:100],
            commit=data.commit[:64],
            pipeline_url=data.pipeline_url[:500],
            started_at=data.started_at,
            finished_at=(data.finished_at or now) if terminal else None,
            source=source,
            external_id=data.external_id,
            repository=repository,
            created_at=data.started_at or data.finished_at or now,
        )
        create_audited(deployment, actor=actor, verb=AuditVerb.DEPLOYMENT_REPORT)
        if terminal:
            # The value-stream log gets the deployment's run (opening and result) like a gate deployment's.
            record_deployment(deployment, DeploymentStatus.IN_PROGRESS, deployment.status)
        created = True
    else:
        fields: dict[str, Any] = {}
        if existing.source == DeploymentSource.GATE and source != DeploymentSource.GATE:
            if data.external_id and not existing.external_id:
                fields["external_id"] = f"{source}:{data.external_id}"
        else:
            if terminal or existing.status not in TERMINAL:
                fields["status"] = data.status
            if terminal:
                fields["finished_at"] = data.finished_at or existing.finished_at or now
            for name in ("commit", "version", "pipeline_url"):
                if getattr(data, name) and not getattr(existing, name):
                    fields[name] = getattr(data, name)
        if repository is not None and existing.repository_id is None:
            fields["repository"] = repository
        if data.started_at and existing.started_at is None:
            fields["started_at"] = data.started_at
        if data.pipeline_url and not existing.pipeline_url:
            fields["pipeline_url"] = data.pipeline_url
        deployment = existing
        before = existing.status
        if fields:
            deployment = update_audited(
                existing, actor=actor, fields=fields, verb=AuditVerb.DEPLOYMENT_REPORT
            )
        if before not in TERMINAL and deployment.status in TERMINAL:
            record_deployment(deployment, before, deployment.status)
        created = False
    if repository is not None:
        _link_commits(deployment, repository, data.commits)
    return deployment, created


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
    repository: Repository,
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
        "outcome": outcome,
        "detail": detail,
    }
    if existing is not None:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing
    return WebhookDelivery.objects.create(**fields)


def webhook_receive(
    *, provider: str, repository: Repository, delivery_id: str, event: str, payload: dict[str, Any]
) -> Receipt:
    """Process one authenticated delivery in one transaction and record it.

    A delivery id already recorded (processed or skipped) is a duplicate: nothing is written. An event we do
    not use is recorded as skipped. A malformed payload writes nothing but its delivery (outcome error), and
    a redelivery of it is processed again."""
    existing = WebhookDelivery.objects.filter(provider=provider, delivery_id=delivery_id).first()
    if existing is not None and existing.outcome != DeliveryOutcome.ERROR:
        return Receipt(DeliveryOutcome.DUPLICATE, f"delivery {delivery_id} was already received")
    action = str(payload.get("action") or (payload.get("object_attributes") or {}).get("action") or "")[:60]
    now = timezone.now()
    base: dict[str, Any] = {
        "provider": provider,
        "delivery_id": delivery_id,
        "event": event[:60],
        "action": action,
        "received_at": now,
        "repository": repository,
    }
    try:
        with transaction.atomic(), audit.batch():
            interpretation = interpret(provider, event, payload, repository, received_at=now)
            if interpretation.skip:
                outcome, detail = DeliveryOutcome.SKIPPED, interpretation.skip
            else:
                outcome, detail = DeliveryOutcome.PROCESSED, _apply(interpretation, repository, provider)
            delivery = _record(existing, outcome=outcome, detail=detail, **base)
    except IntegrityError:
        # The same delivery was recorded concurrently by another request.
        return Receipt(DeliveryOutcome.DUPLICATE, f"delivery {delivery_id} was already received")
    except (KeyError, ValueError, TypeError, AttributeError, ValidationError) as exc:
        detail = f"malformed {event} payload: {_describe(exc)}"
        with transaction.atomic():
            delivery = _record(existing, outcome=DeliveryOutcome.ERROR, detail=detail, **base)
        return Receipt(DeliveryOutcome.ERROR, detail, delivery)
    return Receipt(outcome, detail, delivery)


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)

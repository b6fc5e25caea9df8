"""Commits, merged pull requests and deployments reported by CI/CD (webhooks, the bulk API and
`bimodal import-deployments`): commits and pull requests are raw facts, deployments are audited."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from bimodal.changes.choices import DeploymentSource, DeploymentStatus
from bimodal.changes.models import PROVIDER_SOURCES, Deployment
from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    transactional,
    update_audited,
)
from bimodal.core.transitions import record_deployment
from bimodal.core.verbs import AuditVerb
from bimodal.integrations.models import Commit, DeploymentCommit, PullRequest, Repository
from bimodal.integrations.webhooks import (
    EXTERNAL_ID_LENGTH,
    CommitData,
    DeploymentData,
    PullRequestData,
)
from bimodal.portfolio.models import Service

TERMINAL = frozenset({DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.ROLLED_BACK})
# A webhook deployment matches a gate deployment of the same service, environment and commit that is still
# in progress or was opened this recently.
GATE_MATCH_WINDOW = timedelta(hours=24)


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


def _gate_tag(source: str, external_id: str, repository: Repository | None) -> str:
    """The external id a gate deployment takes when a provider's report enriches it: the provider's id
    within its repository."""
    tag = (
        f"{source}:{repository.pk}:"
        if repository is not None and source in PROVIDER_SOURCES
        else f"{source}:"
    )
    if len(tag) + len(external_id) > EXTERNAL_ID_LENGTH:
        # Too long with its prefix for the column: the id's digest stands for it (still one per id).
        return tag + "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()[:40]
    return tag + external_id


def _existing(
    *,
    source: str,
    external_id: str,
    service: Service,
    environment: str,
    commit: str,
    repository: Repository | None,
) -> Deployment | None:
    """The deployment a report is about: the same reporter's id in the same scope — the repository for a
    provider (its ids are unique only on its own instance), the service for any other reporter — or else a
    matching gate deployment."""
    locked = Deployment.objects.select_for_update(no_key=True)
    if external_id:
        if source in PROVIDER_SOURCES:
            mine = Q(source=source, repository=repository, external_id=external_id)
        else:
            mine = Q(source=source, service=service, external_id=external_id)
        # A gate deployment enriched before ids were scoped carries "<source>:<id>" (GitHub's ids are
        # global; within the service it is still this deployment).
        gate = Q(source=DeploymentSource.GATE, service=service) & (
            Q(external_id=_gate_tag(source, external_id, repository))
            | Q(external_id=f"{source}:{external_id}", repository=repository)
        )
        found = locked.filter(mine | gate).order_by("pk").first()
        if found is not None:
            return found
    if commit and source != DeploymentSource.GATE:
        recent = timezone.now() - GATE_MATCH_WINDOW
        return (
            locked.filter(
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


@transactional
def deployment_report(
    *,
    actor: User | None,
    service: Service,
    source: str,
    environment: str,
    data: DeploymentData,
    repository: Repository | None = None,
) -> tuple[Deployment, bool]:
    """Create or update a deployment from a CI/CD report and link its commits; returns it and whether it was
    created. Idempotent on the reporter's id within its scope: (source, repository, external id) for a
    provider's webhook, (source, service, external id) for the bulk API, an import or the gate.

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
        repository=repository,
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
                fields["external_id"] = _gate_tag(source, data.external_id, repository)
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

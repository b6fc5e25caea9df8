"""Reads of the integrations app: restricted lists for pages and the API, and the repository a webhook is for."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Count, Prefetch, Q

from bimodal.changes.models import Deployment
from bimodal.core.models import Actor
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.integrations.models import Commit, PullRequest, Repository, WebhookDelivery
from bimodal.integrations.webhooks import repository_keys
from bimodal.portfolio.models import Service


def repository_for_webhook(provider: str, payload: dict[str, Any]) -> Repository | None:
    """The active repository a delivery names, by the provider's id or else by its full name."""
    external_id, full_name = repository_keys(provider, payload)
    active = Repository.objects.filter(provider=provider, active=True).select_related("service")
    if external_id:
        found = active.filter(external_id=external_id).first()
        if found is not None:
            return found
    if full_name:
        return active.filter(full_name__iexact=full_name).first()
    return None


def repository_list(*, user: Actor) -> RestrictedQuerySet[Repository]:
    """The repositories `user` may see, with their service and delivery count."""
    return (
        Repository.objects.restrict(user, "view")
        .select_related("service")
        .annotate(delivery_count=Count("deliveries", distinct=True))
        .order_by("full_name")
    )


def delivery_list(*, user: Actor) -> RestrictedQuerySet[WebhookDelivery]:
    """Webhook deliveries `user` may see, newest first."""
    return (
        WebhookDelivery.objects.restrict(user, "view")
        .select_related("repository")
        .order_by("-received_at", "-pk")
    )


def commit_list(*, user: Actor) -> RestrictedQuerySet[Commit]:
    """Commits `user` may see, newest first."""
    return Commit.objects.restrict(user, "view").select_related("repository").order_by("-authored_at", "-pk")


def pull_request_list(*, user: Actor) -> RestrictedQuerySet[PullRequest]:
    """Merged pull requests `user` may see, most recently merged first."""
    return (
        PullRequest.objects.restrict(user, "view").select_related("repository").order_by("-merged_at", "-pk")
    )


def service_deployments(*, user: Actor, service: Service) -> RestrictedQuerySet[Deployment]:
    """A service's deployments (every source) with their commits and counts, newest first."""
    return (
        Deployment.objects.restrict(user, "view")
        .filter(service=service)
        .select_related("repository", "change")
        .annotate(commit_count=Count("deployment_commits", distinct=True))
        .prefetch_related(
            Prefetch(
                "deployment_commits__commit",
                queryset=Commit.objects.only("sha", "message", "authored_at", "repository_id"),
            )
        )
        .order_by("-created_at", "-pk")
    )


def pull_requests_for_shas(
    *, user: Actor, repository_ids: Iterable[int], shas: Collection[str]
) -> dict[str, PullRequest]:
    """Merged pull requests whose merge commit is one of `shas`, by sha (one query)."""
    if not shas:
        return {}
    return {
        pr.merge_commit_sha: pr
        for pr in PullRequest.objects.restrict(user, "view").filter(
            Q(repository_id__in=list(repository_ids)), merge_commit_sha__in=list(shas)
        )
    }

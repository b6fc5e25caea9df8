"""Reads of the integrations app: restricted lists for pages and the API, and the repository a webhook is for."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.db.models import Count, Prefetch, Q

from bimodal.changes.models import Deployment
from bimodal.core.models import Actor
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.integrations.models import Commit, PullRequest, Repository, WebhookDelivery
from bimodal.integrations.webhooks import repository_keys
from bimodal.portfolio.models import Service


def webhook_candidates(
    provider: str, *, repository_id: int | None = None, hint: str = ""
) -> list[Repository]:
    """The active repositories whose secret may sign a delivery, before anything in its body is read: the
    one its URL names, else those whose provider id the delivery's headers give (GitHub's
    X-GitHub-Hook-Installation-Target-ID), else every active repository of the provider."""
    active = Repository.objects.filter(provider=provider, active=True).select_related("service")
    if repository_id is not None:
        return list(active.filter(pk=repository_id))
    if hint and hint.isascii() and hint.isdigit():
        hinted = list(active.filter(external_id=hint))
        if hinted:
            return hinted
    return list(active)


def repository_for_webhook(
    provider: str, payload: dict[str, Any], *, among: Sequence[Repository]
) -> Repository | None:
    """Of the repositories whose secret signed the delivery, the one its payload names (by the provider's id,
    else by full name); a payload that names none belongs to the only signer."""
    external_id, full_name = repository_keys(provider, payload)
    if external_id:
        found = next((repo for repo in among if repo.external_id == external_id), None)
        if found is not None:
            return found
    if full_name:
        return next((repo for repo in among if repo.full_name.casefold() == full_name.casefold()), None)
    if not external_id and len(among) == 1:
        return among[0]
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

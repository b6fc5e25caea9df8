"""Models of the integrations app: repositories mapped to services, webhook deliveries, commits and
merged pull requests, and the commits each deployment contains."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from bimodal.core.fields import EncryptedTextField
from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager
from bimodal.integrations.choices import DEFAULT_PRODUCTION_ENVIRONMENTS, DeliveryOutcome, Provider
from bimodal.portfolio.models import Service


def default_production_environments() -> list[str]:
    """A fresh copy of the default production environment names."""
    return list(DEFAULT_PRODUCTION_ENVIRONMENTS)


class Repository(TimeStampedModel):
    """A GitHub repository or GitLab project whose CI/CD events are recorded against one service."""

    provider = models.CharField(max_length=10, choices=Provider.choices)
    full_name = models.CharField(
        max_length=255, help_text='"org/repo" on GitHub, the path with namespace on GitLab'
    )
    external_id = models.CharField(max_length=40, blank=True, help_text="The provider's numeric id")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="repositories")
    production_environments = models.JSONField(
        default=default_production_environments,
        blank=True,
        help_text="Environment names that count as production",
    )
    default_branch = models.CharField(max_length=100, default="main")
    deploy_workflow = models.CharField(
        max_length=200,
        blank=True,
        help_text="Name of the workflow (GitHub) or 'pipeline' (GitLab) whose successful run on the default "
        "branch is a production deployment; blank: only deployment events count",
    )
    webhook_secret = EncryptedTextField(
        help_text="HMAC secret (GitHub) or secret token (GitLab) of the webhook; encrypted at rest"
    )
    active = models.BooleanField(default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "repositories"
        permissions = [("import_deployments", "Can load deployment history (bulk API and import)")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "full_name"], name="unique_repository_name"),
        ]
        indexes = [models.Index(fields=["provider", "external_id"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_provider_display()})"

    def get_absolute_url(self) -> str:
        return reverse("integrations:repository_detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """One webhook delivery received from a provider and what became of it (idempotent on its id)."""

    provider = models.CharField(max_length=10, choices=Provider.choices)
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=60)
    action = models.CharField(max_length=60, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=DeliveryOutcome.choices)
    detail = models.TextField(blank=True)
    repository = models.ForeignKey(
        Repository, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    body_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the signed body, to recognise a replay of it"
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["provider", "delivery_id"], name="unique_webhook_delivery"),
        ]
        indexes = [
            models.Index(fields=["received_at"]),
            models.Index(fields=["provider", "body_sha256"], name="webhook_delivery_body"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event} {self.delivery_id}: {self.outcome}"


class Commit(models.Model):
    """A commit pushed to a repository."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=64)
    authored_at = models.DateTimeField()
    committed_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True, help_text="First line of the message")
    author = models.CharField(max_length=200, blank=True, help_text="Name <email>")
    pushed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-authored_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["repository", "sha"], name="unique_commit_sha")]
        indexes = [models.Index(fields=["repository", "authored_at"])]

    def __str__(self) -> str:
        return f"{self.sha[:8]} {self.message}"


class PullRequest(models.Model):
    """A merged pull request (GitHub) or merge request (GitLab)."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="pull_requests")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    merged_at = models.DateTimeField(null=True, blank=True)
    merge_commit_sha = models.CharField(max_length=64, blank=True)
    first_commit_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-merged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "number"], name="unique_pull_request_number")
        ]
        indexes = [models.Index(fields=["repository", "merge_commit_sha"])]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"


class DeploymentCommit(models.Model):
    """A commit that a deployment brought to its environment."""

    deployment = models.ForeignKey(
        "changes.Deployment", on_delete=models.CASCADE, related_name="deployment_commits"
    )
    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="deployment_commits")

    objects = RestrictedManager()

    class Meta:
        ordering = ["deployment", "commit"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "commit"], name="unique_deployment_commit")
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} ∋ {self.commit_id}"

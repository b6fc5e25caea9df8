"""Serializers of the integrations API: shapes only; writes go through services and importing."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.changes.choices import DeploymentStatus
from bimodal.core.api.serializers import ReasonMixin, RestrictedSlugRelatedField
from bimodal.integrations.models import Commit, PullRequest, Repository, WebhookDelivery
from bimodal.integrations.services import REPOSITORY_FIELDS
from bimodal.portfolio.models import Service


class RepositorySerializer(serializers.ModelSerializer):
    """A repository as read (the webhook secret is never shown again after it is set)."""

    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    webhook_path = serializers.SerializerMethodField()

    class Meta:
        model = Repository
        fields = [
            "id",
            "provider",
            "full_name",
            "external_id",
            "service",
            "production_environments",
            "default_branch",
            "deploy_workflow",
            "active",
            "webhook_path",
            "created_at",
            "updated_at",
        ]

    def get_webhook_path(self, obj) -> str:
        """Where the provider should send its webhooks (relative to this server)."""
        return f"/api/integrations/webhooks/{obj.provider}/"


class RepositoryWriteSerializer(ReasonMixin, serializers.ModelSerializer):
    """A repository as written: the service by slug; a blank secret on create means "generate one"."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    production_environments = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False
    )
    webhook_secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        help_text="Only on create; blank: a secret is generated and returned once.",
    )

    class Meta:
        model = Repository
        fields = [*REPOSITORY_FIELDS, "webhook_secret", "reason"]


class RepositoryCreatedSerializer(RepositorySerializer):
    """A new repository with its webhook secret, shown this once."""

    webhook_secret = serializers.CharField(read_only=True)

    class Meta(RepositorySerializer.Meta):
        fields = [*RepositorySerializer.Meta.fields, "webhook_secret"]


class SecretSerializer(serializers.Serializer):
    """A newly set webhook secret, shown this once."""

    webhook_secret = serializers.CharField(read_only=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One received webhook delivery and its outcome."""

    repository = serializers.CharField(source="repository.full_name", read_only=True, allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "provider",
            "delivery_id",
            "event",
            "action",
            "received_at",
            "outcome",
            "detail",
            "repository",
        ]


class CommitSerializer(serializers.ModelSerializer):
    """A commit pushed to a repository."""

    repository = serializers.CharField(source="repository.full_name", read_only=True)

    class Meta:
        model = Commit
        fields = ["id", "repository", "sha", "authored_at", "committed_at", "message", "author", "pushed_at"]


class PullRequestSerializer(serializers.ModelSerializer):
    """A merged pull request or merge request."""

    repository = serializers.CharField(source="repository.full_name", read_only=True)

    class Meta:
        model = PullRequest
        fields = [
            "id",
            "repository",
            "number",
            "title",
            "created_at",
            "merged_at",
            "merge_commit_sha",
            "first_commit_at",
            "url",
        ]


class BulkCommitSerializer(serializers.Serializer):
    """A commit a deployment contains (schema only: rows are checked by the shared importer)."""

    sha = serializers.CharField()
    authored_at = serializers.DateTimeField()
    message = serializers.CharField(required=False)
    author = serializers.CharField(required=False)


class BulkDeploymentSerializer(serializers.Serializer):
    """One deployment of a bulk load (schema only: rows are checked by the shared importer)."""

    service = serializers.CharField(required=False, help_text="Service slug (or give repository)")
    repository = serializers.CharField(required=False, help_text='"org/repo" or "github:org/repo"')
    environment = serializers.CharField(help_text="production / staging / test, or the repository's names")
    status = serializers.ChoiceField(choices=DeploymentStatus.choices)
    started_at = serializers.DateTimeField(required=False)
    finished_at = serializers.DateTimeField(required=False)
    version = serializers.CharField(required=False)
    commit = serializers.CharField(required=False)
    commits = BulkCommitSerializer(many=True, required=False)
    external_id = serializers.CharField(required=False, help_text="Idempotency key of the row")
    pipeline_url = serializers.URLField(required=False)


class BulkErrorSerializer(serializers.Serializer):
    """One problem with one row."""

    index = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    """Outcome of a bulk load: all rows written, or none and the errors."""

    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    # DRF\'s metaclass takes declared fields off the class: this does not replace Serializer.errors.
    errors = BulkErrorSerializer(many=True)  # type: ignore[assignment]

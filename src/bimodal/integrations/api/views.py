"""API views of the integrations app: repositories (managed through services), deliveries, commits and
pull requests (read), and the bulk deployment load."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bimodal.changes.choices import DeploymentSource
from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet, UpdateViaServiceMixin
from bimodal.integrations import importing, selectors, services
from bimodal.integrations.api import serializers as s
from bimodal.integrations.filtersets import (
    CommitFilterSet,
    PullRequestFilterSet,
    RepositoryFilterSet,
    WebhookDeliveryFilterSet,
)


class RepositoryViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Repositories mapped to services; creating one (or `rotate-secret`) returns its secret once."""

    serializer_class = s.RepositorySerializer
    write_serializer_class = s.RepositoryWriteSerializer
    filterset_class = RepositoryFilterSet
    ordering_fields = ["full_name", "updated_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    action_perms = {"rotate_secret": ["integrations.view_repository", "integrations.change_repository"]}

    def get_queryset(self):
        return selectors.repository_list(user=self.request.user)

    @extend_schema(request=s.RepositoryWriteSerializer, responses={201: s.RepositoryCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.RepositoryWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        repository, secret = services.repository_create(actor=request.user, **data)
        repository = self.get_queryset().get(pk=repository.pk)
        body = s.RepositorySerializer(repository, context=self.get_serializer_context()).data
        return Response({**body, "webhook_secret": secret}, status=status.HTTP_201_CREATED)

    def update_object(self, instance, data):
        reason = data.pop("reason", "")
        data.pop("webhook_secret", None)  # the secret changes only by rotating it
        return services.repository_update(actor=self.request.user, repository=instance, reason=reason, **data)

    @extend_schema(request=None, responses=s.SecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """Give the repository a new webhook secret, returned this once."""
        _, secret = services.repository_rotate_secret(actor=request.user, repository=self.get_object())
        return Response({"webhook_secret": secret})


class WebhookDeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Webhook deliveries received, newest first."""

    serializer_class = s.WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    ordering_fields = ["received_at"]

    def get_queryset(self):
        return selectors.delivery_list(user=self.request.user)


class CommitViewSet(viewsets.ReadOnlyModelViewSet):
    """Commits pushed to mapped repositories."""

    serializer_class = s.CommitSerializer
    filterset_class = CommitFilterSet
    ordering_fields = ["authored_at", "pushed_at"]

    def get_queryset(self):
        return selectors.commit_list(user=self.request.user)


class PullRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Merged pull requests and merge requests."""

    serializer_class = s.PullRequestSerializer
    filterset_class = PullRequestFilterSet
    ordering_fields = ["merged_at", "created_at"]

    def get_queryset(self):
        return selectors.pull_request_list(user=self.request.user)


class CanImportDeployments(IsAuthenticated):
    """Signed in (token or session) with the permission to load deployment history."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            "integrations.import_deployments"
        )


class DeploymentBulkView(APIView):
    """Load deployment history: a JSON list of deployments, all written or none (400 names each bad row by
    its index). Idempotent on external_id."""

    permission_classes = [CanImportDeployments]

    @extend_schema(
        request=s.BulkDeploymentSerializer(many=True),
        responses={200: s.BulkResultSerializer, 400: s.BulkResultSerializer},
    )
    def post(self, request):
        rows = request.data
        if isinstance(rows, dict) and isinstance(rows.get("deployments"), list):
            rows = rows["deployments"]
        if not isinstance(rows, list):
            return Response(
                {
                    "rows": 0,
                    "created": 0,
                    "updated": 0,
                    "errors": [{"index": -1, "field": "", "message": "Send a JSON list of deployments."}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        result = importing.deployments_load(actor=request.user, rows=rows, source=DeploymentSource.API)
        body = {
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "errors": [e.as_dict("index") for e in result.errors],
        }
        return Response(body, status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)

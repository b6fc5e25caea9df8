"""API views of the governance app: forums, versioned policies and the policy try-out."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bimodal.core.api.views import CreateViaServiceMixin, PartialUpdateViaServiceMixin, ServiceBackedViewSet
from bimodal.governance import services
from bimodal.governance.api import serializers as s
from bimodal.governance.models import Forum, Policy


class ForumViewSet(viewsets.ReadOnlyModelViewSet):
    """Forums (CAB, boards) and their members."""

    serializer_class = s.ForumSerializer
    lookup_field = "slug"
    filterset_fields = ["kind"]

    def get_queryset(self):
        return (
            Forum.objects.restrict(self.request.user, "view")
            .select_related("chair")
            .prefetch_related("members")
        )


class PolicyViewSet(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Policies by key (current version); PATCH stores a new version; versions/ lists the history."""

    serializer_class = s.PolicySerializer
    write_serializer_class = s.PolicyWriteSerializer
    lookup_field = "key"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["effect", "policy_set", "enabled"]
    ordering_fields = ["priority", "key"]
    action_perms = {"try_policy": ["governance.view_policy"]}

    def get_queryset(self):
        return (
            Policy.objects.restrict(self.request.user, "view")
            .current()
            .select_related("approver_forum", "created_by")
        )

    def create_object(self, data):
        data.pop("reason", None)
        return services.policy_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("key", None)
        return services.policy_update(actor=self.request.user, policy=instance, **data)

    @extend_schema(
        responses=s.PolicySerializer(many=True),
        filters=False,
        parameters=[OpenApiParameter("key", str, "path")],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, key=None):
        """Every version of the policy, newest first."""
        policy = self.get_object()
        rows = (
            Policy.objects.restrict(request.user, "view")
            .filter(key=policy.key)
            .select_related("approver_forum", "created_by")
            .order_by("-version")
        )
        return Response(s.PolicySerializer(rows, many=True).data)

    @extend_schema(request=s.PolicyTrySerializer, responses=s.DecisionSerializer, filters=False)
    @action(detail=False, methods=["post"], url_path="try", pagination_class=None, filter_backends=[])
    def try_policy(self, request):
        """Evaluate a draft policy with the current ones against an example change; nothing is saved."""
        serializer = s.PolicyTrySerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data["policy"])
        fields.pop("reason", None)
        key = fields.pop("key", "") or "draft"
        draft = Policy(key=key, version=0, **fields)
        context = serializer.validated_data.get("context") or s.ContextSerializer(data={}).run_validation({})
        return Response(services.policy_try(draft=draft, context=context))

"""API views of the changes app: changes and their workflow steps, windows, the gate and deployments."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from bimodal.changes import selectors, services
from bimodal.changes.api import serializers as s
from bimodal.changes.api.authentication import PipelineTokenAuthentication
from bimodal.changes.filtersets import ChangeFilterSet, DeploymentFilterSet
from bimodal.changes.models import ChangeWindow, Deployment, GateRequest, PipelineToken
from bimodal.core.api.views import (
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
)

STEP_PERMS = ["changes.view_change"]


class ChangeViewSet(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Change records by reference; workflow steps are POST actions (the services check who may)."""

    serializer_class = s.ChangeSerializer
    write_serializer_class = s.ChangeWriteSerializer
    filterset_class = ChangeFilterSet
    lookup_field = "reference"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["created_at", "planned_start", "risk_score"]
    # A step needs only the view permission here: each service function checks the real right.
    action_perms = {
        name: STEP_PERMS
        for name in ("submit", "assess", "vote", "schedule", "start", "complete", "review", "close", "cancel")
    }

    def get_queryset(self):
        return selectors.change_list(user=self.request.user).prefetch_related("approvals__approver")

    def create_object(self, data):
        return services.change_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.change_update(actor=self.request.user, change=instance, **data)

    def _step(self, request, fn, serializer_class=None, **extra):
        change = self.get_object()
        data = {}
        if serializer_class is not None:
            serializer = serializer_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
        return self.read_response(fn(actor=request.user, change=change, **data, **extra))

    @extend_schema(request=None, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        """Submit a draft (a standard change is assessed at once)."""
        return self._step(request, services.change_submit)

    @extend_schema(request=None, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, reference=None):
        """Assess a submitted change: risk, conflicts, policy decision (change managers)."""
        return self._step(request, services.change_assess)

    @extend_schema(request=s.VoteSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request, reference=None):
        """Approve or reject (never your own change)."""
        return self._step(request, services.change_vote, s.VoteSerializer)

    @extend_schema(request=s.ScheduleSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, reference=None):
        """Put an approved change in the calendar (open window, no freeze)."""
        return self._step(request, services.change_schedule, s.ScheduleSerializer)

    @extend_schema(request=s.ReasonSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, reference=None):
        """Begin the implementation."""
        return self._step(request, services.change_start, s.ReasonSerializer)

    @extend_schema(request=s.CompleteSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, reference=None):
        """Record how the implementation ended."""
        return self._step(request, services.change_complete, s.CompleteSerializer)

    @extend_schema(request=s.ReviewSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, reference=None):
        """The post-implementation review (change managers)."""
        return self._step(request, services.change_review, s.ReviewSerializer)

    @extend_schema(request=s.ReasonSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, reference=None):
        """Close the change."""
        return self._step(request, services.change_close, s.ReasonSerializer)

    @extend_schema(request=s.ReasonSerializer, responses=s.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, reference=None):
        """Withdraw a change that has not started."""
        return self._step(request, services.change_cancel, s.ReasonSerializer)


class ChangeWindowViewSet(viewsets.ReadOnlyModelViewSet):
    """Change windows and freezes."""

    serializer_class = s.ChangeWindowSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return ChangeWindow.objects.restrict(self.request.user, "view").prefetch_related("modes", "services")


class IsPipeline(BasePermission):
    """Only a pipeline token (not a person's session or API token) may call the gate."""

    message = "The deployment gate takes a pipeline token: Authorization: Bearer <token>."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, PipelineToken)


# The gate answers many calls a second: its serializers are built once per process and used through
# their stateless methods (run_validation, to_representation) instead of a new instance per call, which
# deep-copies or rebuilds every field.
_GATE_INPUT = s.GateRequestInputSerializer()
_GATE_OUTPUT = s.GateRequestSerializer()


class GateViewSet(viewsets.GenericViewSet):
    """The deployment gate: POST to ask, GET /api/gate/<id>/ to poll a pending answer."""

    authentication_classes = [PipelineTokenAuthentication]
    permission_classes = [IsPipeline]
    serializer_class = s.GateRequestSerializer
    queryset = GateRequest.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        request=s.GateRequestInputSerializer,
        responses={201: s.GateRequestSerializer, 200: s.GateRequestSerializer, 409: None},
    )
    def create(self, request):
        """May this deployment proceed? allow (a standard change and a deployment are opened), deny with
        reasons, or needs_approval (poll the answer's URL). Retrying with the same idempotency key and
        the same body returns the first answer (200, `replayed: true`, `decided_at`) and creates nothing;
        the same key with a different body is a 409."""
        data = dict(_GATE_INPUT.run_validation(request.data))  # a 400 with field errors, as is_valid()
        try:
            gate, created = services.gate_decide(
                token=request.auth, change_reference=data.pop("change"), **data
            )
        except services.GateKeyReused as exc:
            return Response({"idempotency_key": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        return Response(
            _GATE_OUTPUT.to_representation(gate),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def retrieve(self, request, pk=None):
        """The current answer to an earlier gate request (for a service this token covers)."""
        gate = get_object_or_404(
            GateRequest.objects.select_related("service", "change", "deployment"),
            pk=pk,
            service__in=request.auth.services.all(),
        )
        return Response(_GATE_OUTPUT.to_representation(gate))


class DeploymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Deployments opened by the gate; a pipeline reports the result."""

    serializer_class = s.DeploymentSerializer
    filterset_class = DeploymentFilterSet
    authentication_classes = [PipelineTokenAuthentication, TokenAuthentication, SessionAuthentication]

    def get_permissions(self):
        if self.action == "result":
            return [IsPipeline()]
        return super().get_permissions()

    def get_queryset(self):
        return Deployment.objects.restrict(self.request.user, "view").select_related("service", "change")

    @extend_schema(request=s.DeploymentResultSerializer, responses=s.DeploymentSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        """Succeeded, failed or rolled back: closes the deployment and moves its change on."""
        deployment = get_object_or_404(
            Deployment.objects.select_related("service", "change"),
            pk=pk,
            service__in=request.auth.services.all(),
        )
        serializer = s.DeploymentResultSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deployment = services.deployment_record_result(
            token=request.auth, deployment=deployment, **serializer.validated_data
        )
        return Response(s.DeploymentSerializer(deployment).data)

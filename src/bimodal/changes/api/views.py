"""API views of the changes app: changes and their workflow steps, windows, the gate and deployments."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from bimodal.changes import selectors, services
from bimodal.changes.api import serializers as s
from bimodal.changes.api.authentication import PipelineTokenAuthentication
from bimodal.changes.filtersets import (
    ChangeFilterSet,
    DeploymentFilterSet,
    ReleaseFilterSet,
    TemplateFilterSet,
)
from bimodal.changes.models import (
    ChangeWindow,
    Deployment,
    GateRequest,
    PipelineToken,
    StandardChangeTemplate,
)
from bimodal.core.api.authentication import ApiTokenAuthentication
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


class ReleaseViewSet(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Release trains: every mode's releases by date; release managers add, move, freeze, release or
    cancel them, or generate a mode's train from its cadence."""

    serializer_class = s.ReleaseSerializer
    write_serializer_class = s.ReleaseWriteSerializer
    filterset_class = ReleaseFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["planned_date", "created_at"]
    action_perms = {"transition": ["changes.change_release"], "generate": ["changes.add_release"]}

    def get_queryset(self):
        return selectors.release_list(user=self.request.user).order_by("planned_date", "mode__order", "pk")

    def create_object(self, data):
        return services.release_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.release_update(actor=self.request.user, release=instance, **data)

    @extend_schema(request=s.ReleaseStatusSerializer, responses=s.ReleaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Freeze, release, cancel or re-plan the release."""
        release = self.get_object()
        serializer = s.ReleaseStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.read_response(
            services.release_transition(actor=request.user, release=release, **serializer.validated_data)
        )

    @extend_schema(request=s.GenerateTrainSerializer, responses=s.ReleaseSerializer(many=True))
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Generate a mode's release train from its cadence for the coming months (idempotent)."""
        serializer = s.GenerateTrainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.release_train_generate(actor=request.user, **serializer.validated_data)
        rows = self.get_queryset().filter(pk__in=[r.pk for r in created])
        return Response(s.ReleaseSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class TemplateViewSet(
    CreateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """The standard-change catalogue: template versions by id, proposed with POST; approve, suspend,
    retire, revise (the next version) and raise (a standard change from it) are POST actions."""

    serializer_class = s.TemplateSerializer
    write_serializer_class = s.TemplateWriteSerializer
    filterset_class = TemplateFilterSet
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["name", "version", "review_date"]
    # The services check the real right (approver, owner, change manager).
    action_perms = {
        name: ["changes.view_standardchangetemplate"] for name in ("approve", "suspend", "retire")
    }
    action_perms["revise"] = ["changes.change_standardchangetemplate"]
    action_perms["raise_change"] = ["changes.add_change"]

    def get_queryset(self):
        return (
            StandardChangeTemplate.objects.restrict(self.request.user, "view")
            .select_related("owner", "approved_by")
            .prefetch_related("services__mode", "modes")
            .with_usage()
            .order_by("name", "-version")
        )

    def create_object(self, data):
        return services.template_propose(actor=self.request.user, **data)

    def _decide(self, request, fn):
        serializer = s.ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.read_response(
            fn(actor=request.user, template=self.get_object(), **serializer.validated_data)
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.TemplateSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a proposed template, or reinstate a suspended one (change managers, CAB members; never
        its owner)."""
        return self._decide(request, services.template_approve)

    @extend_schema(request=s.ReasonSerializer, responses=s.TemplateSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """Suspend an approved template (change managers), with a reason."""
        return self._decide(request, services.template_suspend)

    @extend_schema(request=s.ReasonSerializer, responses=s.TemplateSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Retire a template version (its owner or a change manager), with a reason."""
        return self._decide(request, services.template_retire)

    @extend_schema(request=s.TemplateWriteSerializer, responses={201: s.TemplateSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Propose the next version: the given fields change, the rest is copied."""
        template = self.get_object()
        serializer = s.TemplateWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        new = services.template_revise(actor=request.user, template=template, **serializer.validated_data)
        return self.read_response(new, status.HTTP_201_CREATED)

    @extend_schema(request=s.TemplateRaiseSerializer, responses={201: s.ChangeSerializer})
    @action(detail=True, methods=["post"], url_path="raise")
    def raise_change(self, request, pk=None):
        """Raise a standard change (draft) from this template for services it covers."""
        template = self.get_object()
        serializer = s.TemplateRaiseSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        change = services.change_create_from_template(
            actor=request.user, template=template, **serializer.validated_data
        )
        change = selectors.change_list(user=request.user).filter(pk=change.pk).first() or change
        return Response(
            s.ChangeSerializer(change, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


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


# The gate answers many calls a second: its body is validated by hand (serializers.gate_input, held to
# the same answers as GateRequestInputSerializer, which documents it), and its answer's serializer is
# built once per process and used through its stateless to_representation instead of a new instance
# per call, which deep-copies or rebuilds every field.
_GATE_OUTPUT = s.GateRequestSerializer()


class GateViewSet(viewsets.GenericViewSet):
    """The deployment gate: POST to ask, GET /api/gate/<id>/ to poll a pending answer."""

    authentication_classes = [PipelineTokenAuthentication]
    # Asking the gate takes the token from the per-process snapshot (checked in the facts query).
    pipeline_token_snapshot_actions = ("create",)
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
        data = s.gate_input(request.data)  # a 400 with field errors, as the serializer gives
        try:
            gate, created = services.gate_decide(
                token=request.auth, change_reference=data.pop("change"), **data
            )
        except services.GateKeyReused as exc:
            return Response({"idempotency_key": [str(exc)]}, status=status.HTTP_409_CONFLICT)
        except services.GateTokenRevoked as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
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
    authentication_classes = [PipelineTokenAuthentication, ApiTokenAuthentication, SessionAuthentication]

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

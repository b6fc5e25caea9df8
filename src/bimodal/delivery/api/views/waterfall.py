"""Waterfall work: phases, stage gates (submit, pass), their criteria, milestones."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action

from bimodal.core.api.views import (
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
)
from bimodal.delivery import services
from bimodal.delivery.api import serializers as s
from bimodal.delivery.api.views.base import _ReadCreateUpdate
from bimodal.delivery.models import (
    GateCriterion,
    Milestone,
    Phase,
    StageGate,
)


class PhaseViewSet(
    PartialUpdateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Waterfall phases; PATCH re-forecasts one."""

    serializer_class = s.PhaseSerializer
    write_serializer_class = s.PhaseWriteSerializer
    filterset_fields = {"initiative__reference": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        return Phase.objects.restrict(self.request.user, "view").select_related("initiative", "gate")

    def update_object(self, instance, data):
        return services.phase_update(actor=self.request.user, phase=instance, **data)


class StageGateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """Stage gates with their criteria; submit asks governance for approval, pass passes an approved gate."""

    serializer_class = s.StageGateSerializer
    filterset_fields = {"phase__initiative__reference": ["exact"], "status": ["exact"]}
    action_perms = {"submit": ["delivery.view_stagegate"], "pass_gate": ["delivery.view_stagegate"]}

    def get_queryset(self):
        return (
            StageGate.objects.restrict(self.request.user, "view")
            .select_related("phase__initiative", "decided_by")
            .prefetch_related("criteria__met_by")
        )

    @extend_schema(request=None, responses=s.StageGateSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """All criteria met: open an approve_stage_gate decision request (routed by decision rights)."""
        return self.read_response(services.gate_submit(actor=request.user, gate=self.get_object()))

    @extend_schema(request=s.DeliveryReasonSerializer, responses=s.StageGateSerializer)
    @action(detail=True, methods=["post"], url_path="pass", url_name="pass")
    def pass_gate(self, request, pk=None):
        """Pass the gate: refused (400) unless every criterion is met and governance approved it."""
        body = s.DeliveryReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        gate = services.gate_pass(
            actor=request.user, gate=self.get_object(), note=body.validated_data["reason"]
        )
        return self.read_response(gate)


class GateCriterionViewSet(_ReadCreateUpdate):
    """Named criteria of stage gates: add one, mark it met (with evidence) or not."""

    serializer_class = s.GateCriterionSerializer
    filterset_fields = {"gate": ["exact"], "met": ["exact"]}

    def get_serializer_class(self):
        if self.action == "create":
            return s.CriterionCreateSerializer
        if self.action in {"update", "partial_update"}:
            return s.CriterionWriteSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return GateCriterion.objects.restrict(self.request.user, "view").select_related("met_by")

    def create_object(self, data):
        return services.criterion_add(actor=self.request.user, **data)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        body = s.CriterionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.read_response(
            services.criterion_set(actor=request.user, criterion=instance, **body.validated_data)
        )


class MilestoneViewSet(_ReadCreateUpdate):
    """Milestones with baseline, forecast and actual dates."""

    serializer_class = s.MilestoneSerializer
    filterset_fields = {"initiative__reference": ["exact"]}

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return s.MilestoneUpdateSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return Milestone.objects.restrict(self.request.user, "view").select_related("initiative")

    def create_object(self, data):
        return services.milestone_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.milestone_update(actor=self.request.user, milestone=instance, **data)

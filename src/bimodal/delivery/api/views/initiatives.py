"""Initiatives (status, rebaseline), their risks and dependencies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from bimodal.core.api.views import (
    DestroyViaServiceMixin,
)
from bimodal.delivery import selectors, services
from bimodal.delivery.api import serializers as s
from bimodal.delivery.api.views.base import _ReadCreate, _ReadCreateUpdate
from bimodal.delivery.filtersets import (
    InitiativeFilterSet,
)
from bimodal.delivery.models import (
    InitiativeDependency,
    InitiativeRisk,
)


class InitiativeViewSet(_ReadCreateUpdate):
    """The portfolio: initiatives of both approaches with budget, spend, slip, RAG, risks, dependencies."""

    serializer_class = s.InitiativeSerializer
    write_serializer_class = s.InitiativeWriteSerializer
    filterset_class = InitiativeFilterSet
    lookup_field = "reference"
    ordering_fields = ["reference", "baseline_end", "forecast_end", "budget_total"]
    action_perms = {
        "transition": ["delivery.view_initiative"],
        "rebaseline": ["delivery.manage_all_initiatives"],
    }

    def get_queryset(self):
        return selectors.portfolio(user=self.request.user).prefetch_related("services__mode")

    def create_object(self, data):
        return services.initiative_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        for name in ("approach", "mode", "org_unit", "baseline_start", "baseline_end"):
            if name in data and data[name] != getattr(instance, name):
                raise ValidationError({name: "Cannot be changed here (rebaseline moves the baseline)."})
            data.pop(name, None)
        return services.initiative_update(actor=self.request.user, initiative=instance, **data)

    @extend_schema(request=s.TransitionSerializer, responses=s.InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, reference=None):
        """Put on hold, resume, complete or cancel."""
        body = s.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        initiative = services.initiative_transition(
            actor=request.user, initiative=self.get_object(), **body.validated_data
        )
        return self.read_response(initiative)

    @extend_schema(request=s.RebaselineSerializer, responses=s.InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def rebaseline(self, request, reference=None):
        """Move the baseline dates (portfolio managers), with a reason."""
        body = s.RebaselineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        initiative = services.initiative_rebaseline(
            actor=request.user, initiative=self.get_object(), **body.validated_data
        )
        return self.read_response(initiative)


class RiskViewSet(_ReadCreateUpdate):
    """Risks of initiatives."""

    serializer_class = s.RiskSerializer
    filterset_fields = {"initiative__reference": ["exact"], "status": ["exact"]}

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return s.RiskUpdateSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return InitiativeRisk.objects.restrict(self.request.user, "view").select_related(
            "initiative", "owner"
        )

    def create_object(self, data):
        return services.risk_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.risk_update(actor=self.request.user, risk=instance, **data)


class DependencyViewSet(DestroyViaServiceMixin, _ReadCreate):
    """Dependencies between initiatives (cycles refused)."""

    serializer_class = s.DependencySerializer
    filterset_fields = {"initiative__reference": ["exact"], "depends_on__reference": ["exact"]}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return InitiativeDependency.objects.restrict(self.request.user, "view").select_related(
            "initiative", "depends_on"
        )

    def create_object(self, data):
        return services.dependency_create(actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.dependency_delete(actor=self.request.user, dependency=instance)

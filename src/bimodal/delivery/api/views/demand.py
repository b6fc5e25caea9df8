"""Demand and the scoring model's versions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from bimodal.delivery import selectors, services
from bimodal.delivery.api import serializers as s
from bimodal.delivery.api.views.base import _ReadCreate, _ReadCreateUpdate
from bimodal.delivery.filtersets import (
    DemandFilterSet,
)


class ScoringModelViewSet(_ReadCreate):
    """Versions of the demand scoring weights; POST saves the next version and rescores open demand."""

    serializer_class = s.ScoringModelSerializer
    lookup_field = "version"

    def get_queryset(self):
        return selectors.scoring_models(user=self.request.user)

    def create_object(self, data):
        return services.scoring_model_update(actor=self.request.user, **data)


class DemandViewSet(_ReadCreateUpdate):
    """Demand by reference: raise, edit, score, submit to the portfolio board, withdraw."""

    serializer_class = s.DemandSerializer
    write_serializer_class = s.DemandWriteSerializer
    filterset_class = DemandFilterSet
    lookup_field = "reference"
    ordering_fields = ["score", "created_at", "cost_estimate"]
    action_perms = {name: ["delivery.view_demand"] for name in ("score", "submit", "withdraw")}

    def get_queryset(self):
        return selectors.demand_list(user=self.request.user).select_related("initiative")

    def create_object(self, data):
        return services.demand_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.demand_update(actor=self.request.user, demand=instance, **data)

    @extend_schema(request=None, responses=s.DemandSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, reference=None):
        """Rescore with the current scoring model."""
        return self.read_response(services.demand_score(actor=request.user, demand=self.get_object()))

    @extend_schema(request=None, responses=s.DemandSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        """Send to the portfolio board: opens an approve_demand decision request."""
        return self.read_response(services.demand_submit(actor=request.user, demand=self.get_object()))

    @extend_schema(request=s.DeliveryReasonSerializer, responses=s.DemandSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, reference=None):
        """Withdraw a demand that is not decided."""
        body = s.DeliveryReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        demand = services.demand_withdraw(actor=request.user, demand=self.get_object(), **body.validated_data)
        return self.read_response(demand)

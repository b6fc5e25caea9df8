"""Money and people: budgets, actuals, capacity, allocations, contention and what-if reallocation."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bimodal.core.api.views import SummarySchema
from bimodal.delivery import selectors, services, whatif
from bimodal.delivery.api import serializers as s
from bimodal.delivery.api.views.base import _ReadCreate
from bimodal.delivery.filtersets import (
    ActualFilterSet,
    AllocationFilterSet,
    BudgetFilterSet,
    TeamCapacityFilterSet,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    TeamCapacity,
)


class BudgetViewSet(_ReadCreate):
    """Budgets: mode envelopes per investment class and initiative budgets; POST sets one."""

    serializer_class = s.BudgetSerializer
    filterset_class = BudgetFilterSet

    def get_queryset(self):
        return Budget.objects.restrict(self.request.user, "view").select_related("mode", "initiative")

    def create_object(self, data):
        return services.budget_set(actor=self.request.user, **data)


class ActualViewSet(_ReadCreate):
    """Actual spend by month."""

    serializer_class = s.ActualSerializer
    filterset_class = ActualFilterSet

    def get_queryset(self):
        return Actual.objects.restrict(self.request.user, "view").select_related(
            "mode", "initiative", "recorded_by"
        )

    def create_object(self, data):
        return services.actual_record(actor=self.request.user, **data)


class TeamCapacityViewSet(_ReadCreate):
    """Teams' FTE per mode and year (supply); POST sets one."""

    serializer_class = s.TeamCapacitySerializer
    filterset_class = TeamCapacityFilterSet

    def get_queryset(self):
        return TeamCapacity.objects.restrict(self.request.user, "view").select_related("team", "mode")

    def create_object(self, data):
        return services.capacity_set(actor=self.request.user, **data)


class AllocationViewSet(_ReadCreate):
    """FTE allocations (demand for people); POST sets one."""

    serializer_class = s.AllocationSerializer
    filterset_class = AllocationFilterSet

    def get_queryset(self):
        return CapacityAllocation.objects.restrict(self.request.user, "view").select_related(
            "team", "mode", "initiative"
        )

    def create_object(self, data):
        return services.allocation_set(actor=self.request.user, **data)


YEAR = OpenApiParameter("fiscal_year", int, description="The year (default: this year)")
CONTENTION_PERMS = ["delivery.view_teamcapacity", "delivery.view_budget"]


def contention_data(*, fiscal_year: int, plan=None) -> dict:
    """Everything the contention endpoint returns, with a what-if plan applied when given."""
    capacity = selectors.capacity_contention(
        fiscal_year=fiscal_year, adjustments=whatif.capacity_adjustments(plan) if plan else ()
    )
    money = selectors.budget_rollup(
        fiscal_year=fiscal_year, adjustments=whatif.budget_adjustments(plan) if plan else ()
    )
    return {
        "fiscal_year": fiscal_year,
        "capacity": capacity["lines"],
        "capacity_by_mode": capacity["by_mode"],
        "capacity_by_team": capacity["by_team"],
        "people_contention": capacity["contention"],
        "budget": money["lines"],
        "budget_by_mode": money["by_mode"],
        "money_contention": selectors.money_contention(money),
        "initiatives": money["initiatives"],
    }


class ContentionViewSet(viewsets.ViewSet):
    """Where demand for people or money exceeds supply, by mode and team; what-if reallocation."""

    action_perms = {"list": CONTENTION_PERMS, "what_if": CONTENTION_PERMS, "reallocate": CONTENTION_PERMS}
    schema = SummarySchema()

    def _year(self, request) -> int:
        try:
            return int(request.query_params.get("fiscal_year") or timezone.localdate().year)
        except ValueError:
            return timezone.localdate().year

    @extend_schema(parameters=[YEAR], responses=s.ContentionSerializer)
    def list(self, request):
        """Supply against demand for people and money in a year."""
        return Response(s.ContentionSerializer(contention_data(fiscal_year=self._year(request))).data)

    def _plan(self, request):
        body = s.WhatIfSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        plan = whatif.build(source=data["source"], target=data["target"], quantity=data["quantity"])
        return plan, data["reason"]

    def _result(self, plan, before: dict, after: dict, applied: bool) -> Response:
        payload = {
            "kind": plan.kind,
            "unit": plan.unit,
            "quantity": plan.quantity,
            "applied": applied,
            "before": before,
            "after": after,
        }
        return Response(s.WhatIfResultSerializer(payload).data)

    @extend_schema(request=s.WhatIfSerializer, responses=s.WhatIfResultSerializer)
    @action(detail=False, methods=["post"], url_path="what-if", url_name="what-if")
    def what_if(self, request):
        """Preview a reallocation: the contention before and after; nothing is saved."""
        plan, _ = self._plan(request)
        year = plan.source.fiscal_year
        return self._result(
            plan,
            contention_data(fiscal_year=year),
            contention_data(fiscal_year=year, plan=plan),
            applied=False,
        )

    @extend_schema(request=s.WhatIfSerializer, responses={200: s.WhatIfResultSerializer})
    @action(detail=False, methods=["post"])
    def reallocate(self, request):
        """Apply a reallocation (a reason is required); returns the contention before and after."""
        plan, reason = self._plan(request)
        year = plan.source.fiscal_year
        before = contention_data(fiscal_year=year)
        services.reallocate_apply(actor=request.user, plan=plan, reason=reason)
        return self._result(plan, before, contention_data(fiscal_year=year), applied=True)

"""API views of the delivery app: demand and scoring, initiatives and their waterfall and agile work,
budgets, actuals, capacity, contention and what-if reallocation.

Querysets start from `restrict(user, "view")`; writes and workflow steps call one service each."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bimodal.core.api.views import (
    CreateViaServiceMixin,
    DestroyViaServiceMixin,
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
)
from bimodal.delivery import selectors, services, whatif
from bimodal.delivery.api import serializers as s
from bimodal.delivery.filtersets import (
    ActualFilterSet,
    AllocationFilterSet,
    BudgetFilterSet,
    DemandFilterSet,
    InitiativeFilterSet,
    SprintFilterSet,
    StoryFilterSet,
    TeamCapacityFilterSet,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Epic,
    GateCriterion,
    InitiativeDependency,
    InitiativeRisk,
    Milestone,
    Phase,
    Sprint,
    StageGate,
    Story,
    TeamCapacity,
)

READ = ["list", "retrieve"]


class _ReadCreateUpdate(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


class _ReadCreate(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    http_method_names = ["get", "post", "head", "options"]


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
                from django.core.exceptions import ValidationError

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


class EpicViewSet(_ReadCreateUpdate):
    """Epics of agile initiatives."""

    serializer_class = s.EpicSerializer
    filterset_fields = {"initiative__reference": ["exact"]}

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return s.EpicUpdateSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return Epic.objects.restrict(self.request.user, "view").select_related("initiative")

    def create_object(self, data):
        return services.epic_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.epic_update(actor=self.request.user, epic=instance, **data)


class StoryViewSet(_ReadCreateUpdate):
    """Stories; `move` moves one across the board (refused past a WIP limit)."""

    serializer_class = s.StorySerializer
    filterset_class = StoryFilterSet
    action_perms = {"move": ["delivery.change_story"]}

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return s.StoryUpdateSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return Story.objects.restrict(self.request.user, "view").select_related("initiative", "assignee")

    def create_object(self, data):
        return services.story_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.story_update(actor=self.request.user, story=instance, **data)

    @extend_schema(request=s.MoveSerializer, responses=s.StorySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move to a board column (kanban)."""
        body = s.MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self.read_response(
            services.story_move(actor=request.user, story=self.get_object(), **body.validated_data)
        )


class SprintViewSet(_ReadCreate):
    """Sprints: plan, start (commitment), close (velocity)."""

    serializer_class = s.SprintSerializer
    filterset_class = SprintFilterSet
    action_perms = {"start": ["delivery.change_sprint"], "close": ["delivery.change_sprint"]}

    def get_queryset(self):
        return Sprint.objects.restrict(self.request.user, "view").select_related("initiative")

    def create_object(self, data):
        return services.sprint_create(actor=self.request.user, **data)

    @extend_schema(request=None, responses=s.SprintSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start the sprint: what it holds is the commitment."""
        return self.read_response(services.sprint_start(actor=request.user, sprint=self.get_object()))

    @extend_schema(request=None, responses=s.SprintSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the sprint: done points are its velocity; unfinished stories return to the backlog."""
        return self.read_response(services.sprint_close(actor=request.user, sprint=self.get_object()))


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

"""API views of the registers: CRUD through services, workflow steps as actions, CSV import/export."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet, UpdateViaServiceMixin
from bimodal.registers import csvio, risk, selectors, services
from bimodal.registers.api import serializers as s
from bimodal.registers.filtersets import (
    AIUseCaseFilterSet,
    CloudAccountFilterSet,
    CloudCostFilterSet,
    LowCodeAppFilterSet,
    ReviewTaskFilterSet,
)
from bimodal.registers.models import CloudCost

CSV_RESPONSE = OpenApiResponse(response=str, description="CSV text in the import format")


class _RegisterViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Shared steps of the three registers: transition, review, CSV export and import."""

    lookup_field = "slug"
    ordering_fields = ["name", "next_review_due", "updated_at"]
    register_key = ""
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_action_perms(self):
        model = self.serializer_class.Meta.model._meta.model_name
        return {
            "transition": [f"registers.view_{model}", f"registers.change_{model}"],
            "review": [f"registers.view_{model}"],
            "export": [f"registers.view_{model}"],
            "import_csv": ["registers.import_registers"],
        }

    @property
    def action_perms(self):
        return self.get_action_perms()

    @extend_schema(request=s.RegisterTransitionSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def transition(self, request, slug=None):
        """Move the item to another stage (allowed moves are declared in choices.py)."""
        serializer = s.RegisterTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_transition(
            actor=request.user, item=self.get_object(), **serializer.validated_data
        )
        return self.read_response(item)

    @extend_schema(request=s.RegisterReviewSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def review(self, request, slug=None):
        """Record that the item was reviewed today; its open review tasks close."""
        serializer = s.RegisterReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_review(actor=request.user, item=self.get_object(), **serializer.validated_data)
        return self.read_response(item)

    @extend_schema(responses={(200, "text/csv"): CSV_RESPONSE})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        """The filtered items as CSV in the import format."""
        text = csvio.export_register(self.register_key, self.filter_queryset(self.get_queryset()))
        return HttpResponse(text, content_type="text/csv; charset=utf-8")

    @extend_schema(
        request=s.RegisterCsvImportSerializer,
        responses={200: s.RegisterImportResultSerializer, 400: s.RegisterImportResultSerializer},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="import", filter_backends=[], pagination_class=None)
    def import_csv(self, request):
        """Create or update items from CSV: all rows or none; errors name line and column."""
        serializer = s.RegisterCsvImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = csvio.import_register(
            actor=request.user, key=self.register_key, text=serializer.validated_data["csv"]
        )
        return Response(
            result.as_dict(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST
        )


class LowCodeAppViewSet(_RegisterViewSet):
    """The low-code register; `promote` adds an app to the service catalogue."""

    serializer_class = s.LowCodeAppSerializer
    write_serializer_class = s.LowCodeAppWriteSerializer
    filterset_class = LowCodeAppFilterSet
    ordering_fields = ["name", "risk_score", "next_review_due", "updated_at"]
    register_key = "low_code"

    def get_action_perms(self):
        return {
            **super().get_action_perms(),
            "promote": ["registers.view_lowcodeapp", "registers.promote_lowcodeapp"],
        }

    def get_queryset(self):
        return selectors.lowcode_list(user=self.request.user).prefetch_related("integrations")

    def create_object(self, data):
        return services.lowcode_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.lowcode_update(actor=self.request.user, app=instance, **data)

    @extend_schema(request=s.RegisterPromoteSerializer, responses=s.LowCodeAppSerializer)
    @action(detail=True, methods=["post"])
    def promote(self, request, slug=None):
        """IT adoption: the app becomes a service in the catalogue (in the chosen mode)."""
        serializer = s.RegisterPromoteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        app = services.lowcode_promote(actor=request.user, app=self.get_object(), **serializer.validated_data)
        return self.read_response(app)


class AIUseCaseViewSet(_RegisterViewSet):
    """The AI register; `assess` answers the risk questions, `decide` records the ethics review."""

    serializer_class = s.AIUseCaseSerializer
    write_serializer_class = s.AIUseCaseWriteSerializer
    filterset_class = AIUseCaseFilterSet
    register_key = "ai"

    def get_action_perms(self):
        return {
            **super().get_action_perms(),
            "assess": ["registers.view_aiusecase", "registers.change_aiusecase"],
            "decide": ["registers.view_aiusecase", "registers.decide_aiusecase"],
            "questions": ["registers.view_aiusecase"],
        }

    def get_queryset(self):
        return selectors.ai_list(user=self.request.user).prefetch_related("services")

    def create_object(self, data):
        return services.aiusecase_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.aiusecase_update(actor=self.request.user, use_case=instance, **data)

    @extend_schema(request=s.RegisterAssessSerializer, responses=s.AIUseCaseSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, slug=None):
        """Answer the risk questions; the tier and required controls are recomputed."""
        serializer = s.RegisterAssessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        use_case = services.aiusecase_assess(
            actor=request.user, use_case=self.get_object(), answers=serializer.validated_data["answers"]
        )
        return self.read_response(use_case)

    @extend_schema(request=s.RegisterDecideSerializer, responses=s.AIUseCaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, slug=None):
        """Record the ethics review decision (approved, conditional with conditions, rejected)."""
        serializer = s.RegisterDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        use_case = services.aiusecase_decide(
            actor=request.user,
            use_case=self.get_object(),
            decision=data["ethics_decision"],
            conditions=data["conditions"],
            reason=data["reason"],
        )
        return self.read_response(use_case)

    @extend_schema(responses=s.RegisterQuestionSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def questions(self, request):
        """The risk questionnaire: each question and the tier a yes leads to."""
        return Response(s.RegisterQuestionSerializer([q.__dict__ for q in risk.AI_QUESTIONS], many=True).data)


class CloudAccountViewSet(_RegisterViewSet):
    """The cloud register; `sprawl` gives the sprawl indicators and cost by mode."""

    serializer_class = s.CloudAccountSerializer
    write_serializer_class = s.CloudAccountWriteSerializer
    filterset_class = CloudAccountFilterSet
    register_key = "cloud"

    def get_action_perms(self):
        return {**super().get_action_perms(), "sprawl": ["registers.view_cloudaccount"]}

    def get_queryset(self):
        return selectors.cloud_list(user=self.request.user).prefetch_related("services")

    def create_object(self, data):
        return services.cloudaccount_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.cloudaccount_update(actor=self.request.user, account=instance, **data)

    @extend_schema(responses=s.RegisterSprawlSerializer, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def sprawl(self, request):
        """Sprawl indicators over the active accounts and cost by mode over the last 12 months."""
        data = selectors.sprawl_summary(user=request.user)
        data["cost_by_mode"] = selectors.cost_by_mode(user=request.user)
        return Response(s.RegisterSprawlSerializer(data).data)


class CloudCostViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ServiceBackedViewSet):
    """Monthly costs of cloud accounts; POST records (or corrects) one month, `import` takes CSV."""

    serializer_class = s.CloudCostSerializer
    filterset_class = CloudCostFilterSet
    ordering_fields = ["month"]
    action_perms = {"import_csv": ["registers.add_cloudcost"]}

    def get_queryset(self):
        return CloudCost.objects.filter(
            account__in=selectors.cloud_list(user=self.request.user).values("pk")
        ).select_related("account")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cost = services.cloudcost_record(actor=request.user, **serializer.validated_data)
        return self.read_response(cost, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.RegisterCsvImportSerializer,
        responses={200: s.RegisterImportResultSerializer, 400: s.RegisterImportResultSerializer},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="import", filter_backends=[], pagination_class=None)
    def import_csv(self, request):
        """Import monthly costs (account, month YYYY-MM, amount): all rows or none."""
        serializer = s.RegisterCsvImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = csvio.import_costs(actor=request.user, text=serializer.validated_data["csv"])
        return Response(
            result.as_dict(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST
        )


class ReviewTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Review tasks created by the periodic review check (read-only; reviews are recorded on the item)."""

    serializer_class = s.ReviewTaskSerializer
    filterset_class = ReviewTaskFilterSet
    ordering_fields = ["due_on"]

    def get_queryset(self):
        return selectors.review_tasks(user=self.request.user)

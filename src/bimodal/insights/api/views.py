"""API of the insights app: DORA, Mode 1 KPIs and heat maps as JSON (same scope parameters as the
pages), the transition log, capability areas and maturity assessments (written through services)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet
from bimodal.insights import selectors, services
from bimodal.insights.api import serializers as s
from bimodal.insights.choices import Definitions, ValueStream
from bimodal.insights.filtersets import TransitionFilterSet
from bimodal.insights.metrics import valuestream
from bimodal.insights.models import CapabilityArea, MaturityAssessment, MetricSettings, Transition

SCOPE_PARAMETERS = [
    OpenApiParameter("days", int, description="Period: the last N days (default 90)"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="Period start (with end)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Period end, inclusive"),
    OpenApiParameter("by", str, enum=["", "service", "team", "mode"], description="Breakdown"),
    OpenApiParameter("service", str, description="Service slug"),
    OpenApiParameter("team", str, description="Team slug"),
    OpenApiParameter("mode", str, description="Mode key"),
]
DEFINITIONS_PARAMETER = OpenApiParameter(
    "definitions",
    str,
    enum=Definitions.values,
    description="Definitions of the four keys for this request (default: the organisation's setting)",
)


class _InsightsView(APIView):
    """Figures need the insights permission (checked like a model permission)."""

    queryset = Transition.objects.none()

    def get_permissions(self):
        return [_HasInsights()]


class _HasInsights:
    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and request.user.has_perm("insights.view_insights")
        )

    def has_object_permission(self, request, view, obj) -> bool:
        return True


def _figure(f) -> dict:
    return asdict(f)


class DoraView(_InsightsView):
    """DORA's four keys per breakdown group, with their 2023 levels, under the organisation's definitions
    (or `?definitions=`), and the records left out of them (`data_quality`)."""

    @extend_schema(parameters=[*SCOPE_PARAMETERS, DEFINITIONS_PARAMETER], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        scope = selectors.scope_from(request.query_params, user=request.user)
        rows = selectors.dora_table(scope)
        return Response(
            {
                "start": scope.start,
                "end": scope.end,
                "by": scope.group,
                "definitions": scope.definitions,
                "data_quality": selectors.data_quality(scope, fresh=True),
                "groups": [
                    {
                        "key": r["key"],
                        "label": r["label"],
                        **{m: _figure(r[m]) for m in r if m not in ("key", "label")},
                    }
                    for r in rows
                ],
            }
        )


class MetricSettingsView(_InsightsView):
    """The organisation's settings for the figures: GET (insights viewers), PUT/PATCH
    `{"definitions": "bimodal" | "devlake"}` (`insights.manage_metric_settings`)."""

    def get_permissions(self):
        if self.request.method in ("PUT", "PATCH"):
            return [_CanManageSettings()]
        return [_HasInsights()]

    @extend_schema(responses=s.MetricSettingsSerializer)
    def get(self, request):
        return Response(s.MetricSettingsSerializer(MetricSettings.current()).data)

    @extend_schema(request=s.MetricSettingsSerializer, responses=s.MetricSettingsSerializer)
    def put(self, request):
        serializer = s.MetricSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.metric_settings_update(
            actor=request.user, definitions=serializer.validated_data["definitions"]
        )
        return Response(s.MetricSettingsSerializer(saved).data)

    @extend_schema(request=s.MetricSettingsSerializer, responses=s.MetricSettingsSerializer)
    def patch(self, request):
        return self.put(request)


class _CanManageSettings(_HasInsights):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            "insights.manage_metric_settings"
        )


class KpiView(_InsightsView):
    """The Mode 1 KPIs per breakdown group (availability per service)."""

    @extend_schema(parameters=SCOPE_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        scope = selectors.scope_from(request.query_params, user=request.user)
        data = selectors.kpi_table(scope)
        for row in data["availability"]:
            row["target"] = str(row["target"]) if row["target"] is not None else None
            row["availability_target"] = (
                str(row["availability_target"]) if row["availability_target"] is not None else None
            )
        return Response({"start": scope.start, "end": scope.end, "by": scope.group, **data})


class HeatmapView(_InsightsView):
    """A value stream's stages, steps, hand-offs and bottleneck."""

    @extend_schema(parameters=SCOPE_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, stream: str):
        if stream not in ValueStream.values:
            raise NotFound("No such value stream.")
        scope = selectors.scope_from(request.query_params, user=request.user)
        return Response(valuestream.heatmap(stream, scope))


class TransitionViewSet(viewsets.ReadOnlyModelViewSet):
    """The transition log (read-only)."""

    serializer_class = s.TransitionSerializer
    filterset_class = TransitionFilterSet
    ordering_fields = ["at"]

    def get_queryset(self):
        return Transition.objects.restrict(self.request.user, "view").order_by("-at", "-id")


class CapabilityAreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Capability areas of the maturity audit."""

    serializer_class = s.CapabilityAreaSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return CapabilityArea.objects.restrict(self.request.user, "view")


class MaturityAssessmentViewSet(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Maturity assessments: list, read, record (scores by area slug)."""

    serializer_class = s.MaturityAssessmentSerializer
    write_serializer_class = s.MaturityAssessmentWriteSerializer
    filterset_fields = ["org_unit__slug"]
    ordering_fields = ["assessed_on"]

    def get_queryset(self):
        return (
            MaturityAssessment.objects.restrict(self.request.user, "view")
            .select_related("org_unit", "assessed_by")
            .prefetch_related("scores__area")
        )

    def create_object(self, data):
        return services.maturity_assessment_record(actor=self.request.user, **data)

"""API routes of the insights app."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bimodal.insights.api import views

router = DefaultRouter(trailing_slash=True)
router.register("transitions", views.TransitionViewSet, basename="insights-transition")
router.register("capability-areas", views.CapabilityAreaViewSet, basename="insights-capabilityarea")
router.register(
    "maturity-assessments", views.MaturityAssessmentViewSet, basename="insights-maturityassessment"
)

urlpatterns = [
    path("dora/", views.DoraView.as_view(), name="insights-dora"),
    path("settings/", views.MetricSettingsView.as_view(), name="insights-settings"),
    path("kpis/", views.KpiView.as_view(), name="insights-kpis"),
    path("heatmaps/<slug:stream>/", views.HeatmapView.as_view(), name="insights-heatmap"),
    *router.urls,
]

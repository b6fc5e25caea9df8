"""API routes of the governance app (mounted at /api/governance/)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bimodal.governance.api import views

router = DefaultRouter(trailing_slash=True)
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("forums", views.ForumViewSet, basename="forum")
router.register("decision-types", views.DecisionTypeViewSet, basename="decisiontype")
router.register("decision-rights", views.DecisionRightViewSet, basename="decisionright")
router.register("decision-requests", views.DecisionRequestViewSet, basename="decisionrequest")
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [
    path("report/", views.BureaucracyReportView.as_view(), name="governance-report"),
    *router.urls,
]

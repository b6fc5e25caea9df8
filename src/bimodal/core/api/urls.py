"""API routes of the core app: teams, org units, the caller and the audit log."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bimodal.core.api import views

router = DefaultRouter(trailing_slash=True)
router.register("teams", views.TeamViewSet, basename="team")
router.register("org-units", views.OrgUnitViewSet, basename="orgunit")
router.register("audit", views.AuditEntryViewSet, basename="auditentry")

urlpatterns = [
    path("users/me/", views.MeView.as_view(), name="user-me"),
    *router.urls,
]

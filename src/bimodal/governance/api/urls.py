"""API routes of the governance app (mounted at /api/governance/)."""

from rest_framework.routers import DefaultRouter

from bimodal.governance.api import views

router = DefaultRouter(trailing_slash=True)
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("forums", views.ForumViewSet, basename="forum")

urlpatterns = router.urls

"""API routes of the changes app (mounted at /api/): changes/, standard-changes/, change-windows/, releases/, gate/,
deployments/."""

from rest_framework.routers import DefaultRouter

from bimodal.changes.api import views

router = DefaultRouter(trailing_slash=True)
router.register("changes", views.ChangeViewSet, basename="change")
router.register("standard-changes", views.TemplateViewSet, basename="standardchangetemplate")
router.register("change-windows", views.ChangeWindowViewSet, basename="changewindow")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("gate", views.GateViewSet, basename="gate")
router.register("deployments", views.DeploymentViewSet, basename="deployment")

urlpatterns = router.urls

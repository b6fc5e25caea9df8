"""API routes of the registers app."""

from rest_framework.routers import DefaultRouter

from bimodal.registers.api import views

router = DefaultRouter(trailing_slash=True)
router.register("low-code-apps", views.LowCodeAppViewSet, basename="lowcodeapp")
router.register("ai-use-cases", views.AIUseCaseViewSet, basename="aiusecase")
router.register("cloud-accounts", views.CloudAccountViewSet, basename="cloudaccount")
router.register("cloud-costs", views.CloudCostViewSet, basename="cloudcost")
router.register("reviews", views.ReviewTaskViewSet, basename="reviewtask")

urlpatterns = router.urls

"""API routes of the suppliers app (mounted at /api/)."""

from rest_framework.routers import SimpleRouter

from bimodal.suppliers.api import views

router = SimpleRouter(trailing_slash=True)
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("handoffs", views.HandoffViewSet, basename="handoff")
router.register("msp-evaluations", views.EvaluationViewSet, basename="msp-evaluation")

urlpatterns = router.urls

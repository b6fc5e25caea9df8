"""API routes of the suppliers app."""

from rest_framework.routers import SimpleRouter

from bimodal.suppliers.api import views

router = SimpleRouter(trailing_slash=True)
router.register("suppliers", views.SupplierViewSet, basename="supplier")

urlpatterns = router.urls

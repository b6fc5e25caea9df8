"""API views of the suppliers app."""

from rest_framework import viewsets

from bimodal.suppliers.api.serializers import SupplierSerializer
from bimodal.suppliers.models import Supplier


class SupplierViewSet(viewsets.ReadOnlyModelViewSet):
    """Suppliers the caller can see (a supplier agent sees only their own), by slug."""

    serializer_class = SupplierSerializer
    lookup_field = "slug"
    filterset_fields = ["tier"]
    ordering_fields = ["name", "tier"]

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user, "view")

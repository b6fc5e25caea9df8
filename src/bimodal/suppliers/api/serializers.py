"""Serializers of the suppliers API."""

from rest_framework import serializers

from bimodal.suppliers.models import Supplier


class SupplierSerializer(serializers.ModelSerializer):
    """A supplier as read."""

    class Meta:
        model = Supplier
        fields = ["slug", "name", "tier", "website", "description", "created_at", "updated_at"]

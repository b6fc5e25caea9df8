"""Supplier models (contracts, queues and scorecards build on these)."""

from django.db import models
from django.db.models import Q

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.suppliers.choices import SupplierTier


class SupplierQuerySet(RestrictedQuerySet):
    """Supplier agents see only their own supplier."""

    def restriction(self, user, action: str) -> Q | None:
        if user.supplier_id:
            return Q(pk=user.supplier_id)
        return None


class Supplier(TimeStampedModel):
    """An external supplier or managed-service provider."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    tier = models.CharField(max_length=20, choices=SupplierTier.choices, default=SupplierTier.TACTICAL)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(SupplierQuerySet)()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

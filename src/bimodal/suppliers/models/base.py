"""Shared pieces of the supplier models: the user model's label and the restriction of a supplier's rows."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from bimodal.core.querysets import RestrictedQuerySet

USER = settings.AUTH_USER_MODEL
NOTHING = Q(pk__in=[])


class SupplierChildQuerySet(RestrictedQuerySet):
    """Rows of a supplier are visible with the supplier."""

    def restriction(self, user, action: str) -> Q | None:
        if user.supplier_id:
            return Q(supplier_id=user.supplier_id)
        return None

"""Shared pieces of delivery's serializers: user, mode and initiative fields, the optional reason."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bimodal.core.api.serializers import (
    RestrictedSlugRelatedField,
)
from bimodal.delivery.models import (
    Initiative,
)
from bimodal.portfolio.models import Mode

USERNAME: dict[str, Any] = {"slug_field": "username", "read_only": True}


def mode_field(**kwargs):
    return RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all(), **kwargs)


def initiative_field(**kwargs):
    return RestrictedSlugRelatedField(slug_field="reference", queryset=Initiative.objects.all(), **kwargs)


class DeliveryReasonSerializer(serializers.Serializer):
    """An optional reason, recorded in the audit log."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")

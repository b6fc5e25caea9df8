"""Shared pieces of delivery's API views: the read-create and read-create-update viewset bases."""

from __future__ import annotations

from rest_framework import mixins

from bimodal.core.api.views import (
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
)

READ = ["list", "retrieve"]


class _ReadCreateUpdate(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


class _ReadCreate(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    http_method_names = ["get", "post", "head", "options"]

"""API views of the portfolio: services, dependencies, modes, capabilities and regulatory tags."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bimodal.core.api.views import (
    CreateViaServiceMixin,
    DestroyViaServiceMixin,
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
    UpdateViaServiceMixin,
)
from bimodal.portfolio import selectors, services
from bimodal.portfolio.api import serializers as s
from bimodal.portfolio.filtersets import ModeFilterSet, ServiceDependencyFilterSet, ServiceFilterSet
from bimodal.portfolio.models import BusinessCapability, RegulatoryTag, Service, ServiceDependency


class ServiceViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """The service catalogue: the services the caller can see, by slug."""

    serializer_class = s.ServiceSerializer
    write_serializer_class = s.ServiceWriteSerializer
    filterset_class = ServiceFilterSet
    ordering_fields = ["name", "criticality", "updated_at"]
    lookup_field = "slug"
    action_perms = {"change_mode": ["portfolio.view_service", "portfolio.reclassify_service"]}

    def get_queryset(self):
        return Service.objects.restrict(self.request.user, "view").with_related()

    def create_object(self, data):
        return services.service_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.service_update(actor=self.request.user, service=instance, **data)

    @extend_schema(request=s.ChangeModeSerializer, responses=s.ServiceSerializer)
    @action(detail=True, methods=["post"])
    def change_mode(self, request, slug=None):
        """Move the service to another mode (governance leads and administrators), with a reason."""
        service = self.get_object()
        serializer = s.ChangeModeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changed = services.service_change_mode(
            actor=request.user, service=service, **serializer.validated_data
        )
        return self.read_response(changed)

    @extend_schema(responses=s.BlastRadiusEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def blast_radius(self, request, slug=None):
        """Every visible service that depends on this one, directly or transitively, nearest first."""
        rows = selectors.blast_radius(self.get_object(), user=request.user)
        data = [{"slug": svc.slug, "name": svc.name, "mode": svc.mode, "distance": d} for svc, d in rows]
        return Response(s.BlastRadiusEntrySerializer(data, many=True).data)

    @extend_schema(responses=s.ServiceDependenciesSerializer, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def dependencies(self, request, slug=None):
        """What this service depends on and what depends on it (visible edges only)."""
        depends_on, used_by = selectors.service_dependencies(self.get_object(), user=request.user)
        return Response(s.ServiceDependenciesSerializer({"depends_on": depends_on, "used_by": used_by}).data)


class ServiceDependencyViewSet(
    CreateViaServiceMixin,
    DestroyViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Dependency edges between services; a cycle or a duplicate edge is refused."""

    serializer_class = s.ServiceDependencySerializer
    write_serializer_class = s.ServiceDependencyWriteSerializer
    filterset_class = ServiceDependencyFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return ServiceDependency.objects.restrict(self.request.user, "view").select_related(
            "source__mode", "target__mode"
        )

    def create_object(self, data):
        return services.dependency_add(actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.dependency_remove(actor=self.request.user, dependency=instance)


class ModeViewSet(
    PartialUpdateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """The operating modes and their governance profiles, by key."""

    serializer_class = s.ModeSerializer
    filterset_class = ModeFilterSet
    lookup_field = "key"
    ordering_fields = ["order", "name"]

    def get_queryset(self):
        return selectors.mode_list(user=self.request.user)

    def update_object(self, instance, data):
        return services.mode_update(actor=self.request.user, mode=instance, **data)


class BusinessCapabilityViewSet(viewsets.ReadOnlyModelViewSet):
    """Business capabilities (read-only)."""

    serializer_class = s.BusinessCapabilitySerializer
    filterset_fields = ["name"]

    def get_queryset(self):
        return BusinessCapability.objects.restrict(self.request.user, "view").select_related("parent")


class RegulatoryTagViewSet(viewsets.ReadOnlyModelViewSet):
    """Regulations and standards services can be in scope of (read-only)."""

    serializer_class = s.RegulatoryTagSerializer
    filterset_fields = ["name"]

    def get_queryset(self):
        return RegulatoryTag.objects.restrict(self.request.user, "view")

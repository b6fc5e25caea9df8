"""API views of the core app, and the base classes every app's viewsets build on.

Viewsets stay thin: serializers validate, service functions write (and check object permissions),
querysets start from `restrict(user, "view")` so that what a caller cannot see is a 404."""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import follow_field_source
from rest_framework import mixins, status, viewsets
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from bimodal.core import services
from bimodal.core.api import serializers as s
from bimodal.core.filtersets import AuditEntryFilterSet
from bimodal.core.models import AuditEntry, OrgUnit, Team, User

WRITE_ACTIONS = {"create", "update", "partial_update"}


class ReadWriteSchema(AutoSchema):
    """OpenAPI: writes take the view's write serializer and answer with its read serializer."""

    def get_response_serializers(self):
        if getattr(self.view, "action", None) in WRITE_ACTIONS and hasattr(
            self.view, "write_serializer_class"
        ):
            return self.view.serializer_class
        return super().get_response_serializers()


class NaturalKeyFilterExtension(DjangoFilterExtension):
    """OpenAPI for filters like `field_name="mode__key", to_field_name="key"` (a reference by natural key).

    drf-spectacular appends `to_field_name` to a path that already ends with it and cannot type the
    parameter; this follows the path as written."""

    priority = 1

    def _get_model_field(self, filter_field, model):
        to_field_name = filter_field.extra.get("to_field_name")
        if (
            filter_field.field_name
            and to_field_name
            and filter_field.field_name.endswith(f"__{to_field_name}")
        ):
            return follow_field_source(model, filter_field.field_name.split("__"), emit_warnings=False)
        return super()._get_model_field(filter_field, model)


class ServiceBackedViewSet(viewsets.GenericViewSet):
    """Base viewset: `serializer_class` reads, `write_serializer_class` validates, service functions write.

    Subclasses mix in the write mixins below and implement `create_object` / `update_object` /
    `destroy_object` as one call to a service function each."""

    write_serializer_class: type[s.serializers.Serializer] | None = None
    schema = ReadWriteSchema()

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS and self.write_serializer_class is not None:
            return self.write_serializer_class
        return super().get_serializer_class()

    def read_response(self, obj, status_code: int = status.HTTP_200_OK) -> Response:
        """The object as the read serializer shows it, reloaded through the view's queryset."""
        obj = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(
            self.serializer_class(obj, context=self.get_serializer_context()).data, status=status_code
        )


class CreateViaServiceMixin:
    """POST: validate, then `create_object(validated_data)`."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        return self.read_response(self.create_object(data), status.HTTP_201_CREATED)


class UpdateViaServiceMixin:
    """PUT / PATCH: validate against the visible object, then `update_object(instance, validated_data)`."""

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        return self.read_response(self.update_object(instance, dict(serializer.validated_data)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class PartialUpdateViaServiceMixin(UpdateViaServiceMixin):
    """PATCH only (no PUT)."""

    http_method_names = ["get", "patch", "head", "options"]


class DestroyViaServiceMixin:
    """DELETE: `destroy_object(instance)` on the visible object."""

    def destroy(self, request, *args, **kwargs):
        self.destroy_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrgUnitViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Org units: read by slug; create and update through the core services."""

    serializer_class = s.OrgUnitSerializer
    write_serializer_class = s.OrgUnitWriteSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "updated_at"]
    filterset_fields = ["governance_model"]

    def get_queryset(self):
        return OrgUnit.objects.restrict(self.request.user, "view").select_related("parent", "head")

    def create_object(self, data):
        return services.orgunit_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.orgunit_update(actor=self.request.user, org_unit=instance, **data)


class TeamViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Teams: read by slug; create and update (members included) through the core services."""

    serializer_class = s.TeamSerializer
    write_serializer_class = s.TeamWriteSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "updated_at"]
    filterset_fields = ["kind"]

    def get_queryset(self):
        return (
            Team.objects.restrict(self.request.user, "view")
            .select_related("org_unit", "lead", "supplier")
            .prefetch_related("members")
        )

    def create_object(self, data):
        return services.team_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.team_update(actor=self.request.user, team=instance, **data)


class MeView(RetrieveAPIView):
    """The signed-in caller: username, name, roles, teams and supplier."""

    serializer_class = s.MeSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self):
        return (
            User.objects.select_related("supplier")
            .prefetch_related("groups", "teams")
            .get(pk=self.request.user.pk)
        )


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log, newest first (read-only: it is append-only)."""

    serializer_class = s.AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    lookup_field = "seq"
    ordering_fields = ["seq", "timestamp"]

    def get_queryset(self):
        return AuditEntry.objects.restrict(self.request.user, "view").select_related("content_type")

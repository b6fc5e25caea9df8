"""API views of the core app, and the base classes every app's viewsets build on.

Viewsets stay thin: serializers validate, service functions write (and check object permissions),
querysets start from `restrict(user, "view")` so that what a caller cannot see is a 404."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, cast

from django.db.models import Model, QuerySet
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import follow_field_source
from rest_framework import mixins, status, viewsets
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from bimodal.core import services
from bimodal.core.api import serializers as s
from bimodal.core.filtersets import AuditEntryFilterSet
from bimodal.core.models import AuditEntry, OrgUnit, Team, User

WRITE_ACTIONS = {"create", "update", "partial_update"}

_MT = TypeVar("_MT", bound=Model)


class ReadWriteSchema(AutoSchema):
    """OpenAPI: writes take the view's write serializer and answer with its read serializer."""

    def get_response_serializers(self) -> Any:
        view: Any = self.view  # one of ours, with the serializer classes
        if getattr(view, "action", None) in WRITE_ACTIONS and hasattr(view, "write_serializer_class"):
            return view.serializer_class
        return super().get_response_serializers()


class SummarySchema(AutoSchema):
    """OpenAPI for a viewset whose `list` answers one summary object (e.g. contention), not an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class NaturalKeyFilterExtension(DjangoFilterExtension):
    """OpenAPI for filters like `field_name="mode__key", to_field_name="key"` (a reference by natural key).

    drf-spectacular appends `to_field_name` to a path that already ends with it and cannot type the
    parameter; this follows the path as written."""

    priority = 1

    def _get_model_field(self, filter_field: Any, model: type[Model]) -> Any:
        to_field_name = filter_field.extra.get("to_field_name")
        if (
            filter_field.field_name
            and to_field_name
            and filter_field.field_name.endswith(f"__{to_field_name}")
        ):
            return follow_field_source(model, filter_field.field_name.split("__"), emit_warnings=False)
        # drf-spectacular's extension has no annotations.
        return super()._get_model_field(filter_field, model)  # type: ignore[no-untyped-call]


class ServiceBackedViewSet(viewsets.GenericViewSet[_MT]):
    """Base viewset: `serializer_class` reads, `write_serializer_class` validates, service functions write.

    Subclasses mix in the write mixins below and implement `create_object` / `update_object` /
    `destroy_object` as one call to a service function each."""

    write_serializer_class: type[BaseSerializer[Any]] | None = None
    schema = ReadWriteSchema()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in WRITE_ACTIONS and self.write_serializer_class is not None:
            return self.write_serializer_class
        return super().get_serializer_class()

    def read_response(self, obj: _MT, status_code: int = status.HTTP_200_OK) -> Response:
        """The object as the read serializer shows it, reloaded through the view's queryset."""
        obj = self.get_queryset().filter(pk=obj.pk).first() or obj
        serializer_class = self.serializer_class
        assert serializer_class is not None
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=status_code)

    @property
    def actor(self) -> User:
        """The caller, who writes: the API's permission classes let only signed-in users write."""
        return cast(User, self.request.user)


class _ServiceView(Protocol):
    """What the write mixins use of the ServiceBackedViewSet they are mixed into."""

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[Any]: ...

    def get_object(self) -> Any: ...

    def read_response(self, obj: Any, status_code: int = ...) -> Response: ...


class _Creates(_ServiceView, Protocol):
    def create_object(self, data: dict[str, Any]) -> Model: ...


class _Updates(_ServiceView, Protocol):
    def update_object(self, instance: Any, data: dict[str, Any]) -> Model: ...

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...


class _Destroys(_ServiceView, Protocol):
    def destroy_object(self, instance: Any) -> object: ...


class CreateViaServiceMixin:
    """POST: validate, then `create_object(validated_data)`."""

    def create(self: _Creates, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        return self.read_response(self.create_object(data), status.HTTP_201_CREATED)


class UpdateViaServiceMixin:
    """PUT / PATCH: validate against the visible object, then `update_object(instance, validated_data)`."""

    def update(self: _Updates, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        return self.read_response(self.update_object(instance, dict(serializer.validated_data)))

    def partial_update(self: _Updates, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


class PartialUpdateViaServiceMixin(UpdateViaServiceMixin):
    """PATCH only (no PUT)."""

    http_method_names: Sequence[str] = ["get", "patch", "head", "options"]


class DestroyViaServiceMixin:
    """DELETE: `destroy_object(instance)` on the visible object."""

    def destroy(self: _Destroys, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.destroy_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrgUnitViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet[OrgUnit],
):
    """Org units: read by slug; create and update through the core services."""

    serializer_class = s.OrgUnitSerializer
    write_serializer_class = s.OrgUnitWriteSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "updated_at"]
    filterset_fields = ["governance_model"]

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return OrgUnit.objects.restrict(self.request.user, "view").select_related("parent", "head")

    def create_object(self, data: dict[str, Any]) -> OrgUnit:
        return services.orgunit_create(actor=self.actor, **data)

    def update_object(self, instance: OrgUnit, data: dict[str, Any]) -> OrgUnit:
        return services.orgunit_update(actor=self.actor, org_unit=instance, **data)


class TeamViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet[Team],
):
    """Teams: read by slug; create and update (members included) through the core services."""

    serializer_class = s.TeamSerializer
    write_serializer_class = s.TeamWriteSerializer
    lookup_field = "slug"
    ordering_fields = ["name", "updated_at"]
    filterset_fields = ["kind"]

    def get_queryset(self) -> QuerySet[Team]:
        return (
            Team.objects.restrict(self.request.user, "view")
            .select_related("org_unit", "lead", "supplier")
            .prefetch_related("members")
        )

    def create_object(self, data: dict[str, Any]) -> Team:
        return services.team_create(actor=self.actor, **data)

    def update_object(self, instance: Team, data: dict[str, Any]) -> Team:
        return services.team_update(actor=self.actor, team=instance, **data)


class MeView(RetrieveAPIView[User]):
    """The signed-in caller: username, name, roles, teams and supplier."""

    serializer_class = s.MeSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self) -> User:
        return (
            User.objects.select_related("supplier")
            .prefetch_related("groups", "teams")
            .get(pk=cast(User, self.request.user).pk)  # IsAuthenticated: a signed-in user
        )


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """The audit log, newest first (read-only: it is append-only)."""

    serializer_class = s.AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    lookup_field = "seq"
    ordering_fields = ["seq", "timestamp"]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return AuditEntry.objects.restrict(self.request.user, "view").select_related("content_type")

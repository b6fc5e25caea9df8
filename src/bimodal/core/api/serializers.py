"""Serializers of the core API: references, teams, org units, the caller and the audit log.

Serializers validate and shape data only; every write goes through a service function (house rule 2)."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bimodal.core.models import AuditEntry, OrgUnit, Team, User
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.core.services import ORGUNIT_FIELDS, TEAM_FIELDS

_MT = TypeVar("_MT", bound=Model)

# A foreign key to a higher app (suppliers), reached through the field, not by import.
_Supplier: type[Model] = Team.supplier.field.related_model


class RestrictedSlugRelatedField(serializers.SlugRelatedField[_MT]):
    """A reference by slug (or key, name …) to a row the caller may see; anything else "does not exist"."""

    def get_queryset(self) -> RestrictedQuerySet[_MT]:
        # Given the queryset of a restricted model (the stubs' type allows none at all).
        queryset = cast("RestrictedQuerySet[_MT]", super().get_queryset())
        request = self.context.get("request")
        return queryset.restrict(request.user, "view") if request is not None else queryset.none()


def user_field(**kwargs: Any) -> serializers.SlugRelatedField[User]:
    """A reference to an active user by username."""
    return serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs
    )


def storable_json(value: object) -> None:
    """Validator for free-form JSON input that is stored: PostgreSQL's jsonb refuses the NUL character
    (\\u0000) in any key or string, so it is a field error here rather than a failed write."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str) and "\x00" in item:
            raise serializers.ValidationError("Null characters are not allowed.")


class ReasonMixin(serializers.Serializer[Any]):
    """An optional `reason` that the audit log records with an update."""

    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why the change is made (recorded in the audit log).",
    )


class OrgUnitRefSerializer(serializers.ModelSerializer[OrgUnit]):
    """An org unit as a reference."""

    class Meta:
        model = OrgUnit
        fields = ["slug", "name"]


class TeamRefSerializer(serializers.ModelSerializer[Team]):
    """A team as a reference."""

    class Meta:
        model = Team
        fields = ["slug", "name"]


class SupplierRefSerializer(serializers.Serializer[Any]):
    """A supplier as a reference (read only: the suppliers app sits above core)."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    """An org unit as read."""

    parent = OrgUnitRefSerializer(read_only=True, allow_null=True)
    head: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = OrgUnit
        fields = [
            "slug",
            "name",
            "parent",
            "governance_model",
            "head",
            "description",
            "created_at",
            "updated_at",
        ]


class OrgUnitWriteSerializer(ReasonMixin, serializers.ModelSerializer[OrgUnit]):
    """An org unit as written: parent by slug, head by username."""

    # DRF's metaclass takes declared fields off the class: this does not replace Field.parent.
    parent = RestrictedSlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    head = user_field(required=False, allow_null=True)

    class Meta:
        model = OrgUnit
        fields = [*ORGUNIT_FIELDS, "reason"]
        extra_kwargs = {"slug": {"required": False}}


class TeamSerializer(serializers.ModelSerializer[Team]):
    """A team as read."""

    org_unit = OrgUnitRefSerializer(read_only=True)
    lead: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    members: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    supplier = SupplierRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = [
            "slug",
            "name",
            "kind",
            "org_unit",
            "lead",
            "members",
            "supplier",
            "email",
            "chat_channel",
            "description",
            "created_at",
            "updated_at",
        ]


class TeamWriteSerializer(ReasonMixin, serializers.ModelSerializer[Team]):
    """A team as written: org unit and supplier by slug, lead and members by username."""

    org_unit = RestrictedSlugRelatedField(slug_field="slug", queryset=OrgUnit.objects.all())
    lead = user_field(required=False, allow_null=True)
    members = user_field(many=True, required=False)
    supplier = RestrictedSlugRelatedField(
        slug_field="slug",
        queryset=_Supplier._default_manager.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Team
        fields = [*TEAM_FIELDS, "reason"]
        extra_kwargs = {"slug": {"required": False}}


class MeSerializer(serializers.ModelSerializer[User]):
    """The caller: who they are, their roles, teams and supplier."""

    name = serializers.CharField(source="get_full_name", read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), source="role_names", read_only=True)
    teams = TeamRefSerializer(many=True, read_only=True)
    supplier = SupplierRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["username", "name", "email", "roles", "teams", "supplier"]


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    """One entry of the audit log."""

    actor = serializers.CharField(source="actor_label", read_only=True)
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "timestamp",
            "actor",
            "action",
            "verb",
            "content_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "request_id",
            "prev_hash",
            "hash",
        ]

    @extend_schema_field(serializers.CharField(help_text='"app_label.model", e.g. "portfolio.service"'))
    def get_content_type(self, entry: AuditEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"

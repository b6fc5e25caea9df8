"""Serializers of the catalogue: modes, capabilities, regulatory tags, services and their dependencies."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import (
    ReasonMixin,
    RestrictedSlugRelatedField,
    SupplierRefSerializer,
    TeamRefSerializer,
    user_field,
)
from bimodal.core.models import Team, User
from bimodal.portfolio.choices import DependencyKind
from bimodal.portfolio.models import (
    BusinessCapability,
    Mode,
    RegulatoryTag,
    Service,
    ServiceDependency,
)
from bimodal.portfolio.services import MODE_FIELDS, SERVICE_FIELDS


class ModeRefSerializer(serializers.ModelSerializer):
    """A mode as a reference."""

    class Meta:
        model = Mode
        fields = ["key", "short_name", "name", "colour"]


class ServiceRefSerializer(serializers.ModelSerializer):
    """A service as a reference."""

    mode = ModeRefSerializer(read_only=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "mode"]


class ModeSerializer(ReasonMixin, serializers.ModelSerializer):
    """A mode and its governance profile; the key is fixed once created."""

    service_count = serializers.IntegerField(
        read_only=True, help_text="Services in this mode that the caller can see (retired ones excluded)."
    )

    class Meta:
        model = Mode
        fields = ["key", *MODE_FIELDS, "service_count", "created_at", "updated_at", "reason"]
        read_only_fields = ["key"]


class BusinessCapabilitySerializer(serializers.ModelSerializer):
    """A business capability."""

    parent: serializers.SlugRelatedField[BusinessCapability] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )

    class Meta:
        model = BusinessCapability
        fields = ["id", "name", "parent", "description"]


class RegulatoryTagSerializer(serializers.ModelSerializer):
    """A regulation or standard."""

    class Meta:
        model = RegulatoryTag
        fields = ["id", "name", "description"]


class ServiceSerializer(serializers.ModelSerializer):
    """A service as read."""

    mode = ModeRefSerializer(read_only=True)
    owner_team = TeamRefSerializer(read_only=True)
    service_owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    capability: serializers.SlugRelatedField[BusinessCapability] = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )
    regulatory_tags: serializers.SlugRelatedField[RegulatoryTag] = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True
    )
    supplier = SupplierRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Service
        fields = [*SERVICE_FIELDS, "created_at", "updated_at"]


class ServiceWriteSerializer(ReasonMixin, serializers.ModelSerializer):
    """A service as written. The mode is set on create; afterwards it changes only through change_mode."""

    mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all())
    owner_team = RestrictedSlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    service_owner = user_field(required=False, allow_null=True)
    capability = RestrictedSlugRelatedField(
        slug_field="name", queryset=BusinessCapability.objects.all(), required=False, allow_null=True
    )
    regulatory_tags = RestrictedSlugRelatedField(
        slug_field="name", queryset=RegulatoryTag.objects.all(), many=True, required=False
    )
    supplier = RestrictedSlugRelatedField(
        slug_field="slug",
        queryset=Service.supplier.field.related_model.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Service
        fields = [*SERVICE_FIELDS, "reason"]
        extra_kwargs = {"slug": {"required": False}}

    def validate_mode(self, mode: Mode) -> Mode:
        if self.instance is not None and mode.pk != self.instance.mode_id:
            raise serializers.ValidationError(
                "The mode cannot be changed by an update: POST to the service's change_mode/ "
                "endpoint with the new mode and a reason."
            )
        return mode


class ChangeModeSerializer(serializers.Serializer):
    """Move a service to another mode, saying why."""

    mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all(), help_text="Mode key")
    reason = serializers.CharField(help_text="Why the service changes mode (recorded in the audit log).")


class BlastRadiusEntrySerializer(serializers.Serializer):
    """A service that depends, directly or transitively, on the one asked about."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    mode = ModeRefSerializer()
    distance = serializers.IntegerField(help_text="1 for a direct dependant, 2 for its dependants, …")


class ServiceDependencySerializer(serializers.ModelSerializer):
    """A dependency edge: `source` depends on `target`."""

    source = ServiceRefSerializer(read_only=True)
    target = ServiceRefSerializer(read_only=True)

    class Meta:
        model = ServiceDependency
        fields = ["id", "source", "target", "kind", "description", "created_at"]


class ServiceDependencyWriteSerializer(serializers.Serializer):
    """A new dependency edge, services by slug. Duplicates and cycles are refused by the service."""

    source = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), help_text="The service that depends"
    )
    target = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), help_text="The service depended on"
    )
    kind = serializers.ChoiceField(choices=DependencyKind.choices, default=DependencyKind.RUNTIME)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ServiceDependenciesSerializer(serializers.Serializer):
    """Both directions of a service's dependencies."""

    depends_on = ServiceDependencySerializer(many=True, help_text="Edges where this service is the source")
    used_by = ServiceDependencySerializer(many=True, help_text="Edges where this service is the target")


# --- assessment, proposals, pathways -------------------------------------------------------------------

"""Serializers of the portfolio API.

Reads nest the related objects a client needs (mode, owner team); writes take references by their natural
key (mode by key, team and supplier by slug, regulatory tags by name). Writes go through the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bimodal.core.api.serializers import (
    ReasonMixin,
    RestrictedSlugRelatedField,
    SupplierRefSerializer,
    TeamRefSerializer,
    user_field,
)
from bimodal.core.models import Team, User
from bimodal.portfolio.choices import DependencyKind, PathwayStatus, StepStatus
from bimodal.portfolio.models import (
    Assessment,
    BusinessCapability,
    Criterion,
    MigrationPathway,
    Mode,
    PathwayStep,
    Questionnaire,
    ReadinessCriterion,
    ReclassificationProposal,
    RegulatoryTag,
    Service,
    ServiceDependency,
)
from bimodal.portfolio.selectors import progress


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
        fields = [
            "key",
            "name",
            "short_name",
            "description",
            "colour",
            "order",
            "change_approval",
            "release_cadence",
            "change_windows_required",
            "standard_changes_preapproved",
            "deployment_gate",
            "sla_profile",
            "kpi_set",
            "risk_appetite",
            "service_count",
            "created_at",
            "updated_at",
            "reason",
        ]
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


SERVICE_FIELDS = [
    "slug",
    "name",
    "description",
    "mode",
    "owner_team",
    "service_owner",
    "capability",
    "lifecycle",
    "criticality",
    "regulatory_tags",
    "data_classification",
    "hosting",
    "support_coverage",
    "supplier",
    "availability_target",
    "documentation_url",
]


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


class CriterionSerializer(serializers.ModelSerializer):
    """A criterion of a questionnaire."""

    class Meta:
        model = Criterion
        fields = ["key", "label", "help_text", "dimension", "weight", "mode_weights", "options", "order"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    """A questionnaire version with its criteria."""

    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["version", "name", "status", "notes", "published_at", "criteria"]


class AssessmentSerializer(serializers.ModelSerializer):
    """A recorded assessment."""

    service = ServiceRefSerializer(read_only=True)
    current_mode = ModeRefSerializer(read_only=True)
    recommended_mode = ModeRefSerializer(read_only=True, allow_null=True)
    assessed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    questionnaire = serializers.IntegerField(source="questionnaire.version", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "service",
            "questionnaire",
            "assessed_by",
            "assessed_at",
            "source",
            "answers",
            "scores",
            "current_mode",
            "recommended_mode",
            "confidence",
            "rationale",
            "cost_of_change",
            "demand_for_change",
            "functional_fit",
            "technical_fit",
            "time_rating",
            "notes",
            "is_latest",
        ]


class AssessmentWriteSerializer(serializers.Serializer):
    """Assess a service: answers by criterion key; the result is computed."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True))
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ClassifyRowSerializer(serializers.Serializer):
    """One row to classify: an id of the caller's choosing, answers and/or catalogue attributes."""

    id = serializers.CharField(required=False, allow_blank=True, default="")
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )
    attributes = serializers.DictField(required=False, default=dict)


class ClassifySerializer(serializers.Serializer):
    """Many rows to classify at once (nothing is stored)."""

    rows = ClassifyRowSerializer(many=True, allow_empty=False, max_length=10000)


class ProposalSerializer(serializers.ModelSerializer):
    """A reclassification proposal."""

    service = ServiceRefSerializer(read_only=True)
    from_mode = ModeRefSerializer(read_only=True)
    to_mode = ModeRefSerializer(read_only=True)
    proposed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ReclassificationProposal
        fields = [
            "id",
            "service",
            "from_mode",
            "to_mode",
            "reason",
            "evidence",
            "source",
            "assessment",
            "status",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class ProposalWriteSerializer(serializers.Serializer):
    """Propose moving a service (by slug) to a mode (by key)."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    to_mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all())
    reason = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    """A decision note (required to reject)."""

    note = serializers.CharField(required=False, allow_blank=True, default="")


# Inline enums: several models have a `status`, and named enum components would collide in the schema.
@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(StepStatus.values) + ")$",
        "description": "One of: " + ", ".join(StepStatus.values) + ".",
    }
)
class StepStatusField(serializers.ChoiceField):
    """A step status: todo, in_progress, blocked or done."""

    def __init__(self, **kwargs):
        super().__init__(choices=StepStatus.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": list(PathwayStatus.values)})
class PathwayStatusField(serializers.ChoiceField):
    """A pathway status: planned, in_progress, blocked, completed or cancelled."""

    def __init__(self, **kwargs):
        super().__init__(choices=PathwayStatus.choices, **kwargs)


class PathwayStepSerializer(serializers.ModelSerializer):
    """A step of a pathway."""

    status = StepStatusField(read_only=True)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = PathwayStep
        fields = ["id", "title", "owner", "due_date", "status", "done", "done_at", "blocker", "order"]


class ReadinessCriterionSerializer(serializers.ModelSerializer):
    """A readiness criterion of a pathway."""

    class Meta:
        model = ReadinessCriterion
        fields = ["id", "label", "met", "evidence", "order"]


class PathwaySerializer(serializers.ModelSerializer):
    """A migration pathway with its steps, readiness criteria and progress."""

    service = ServiceRefSerializer(read_only=True)
    from_mode = ModeRefSerializer(read_only=True)
    to_mode = ModeRefSerializer(read_only=True)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    steps = PathwayStepSerializer(many=True, read_only=True)
    readiness = ReadinessCriterionSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()
    blockers = serializers.IntegerField(read_only=True)

    class Meta:
        model = MigrationPathway
        fields = [
            "id",
            "title",
            "service",
            "from_mode",
            "to_mode",
            "status",
            "owner",
            "target_date",
            "description",
            "progress",
            "blockers",
            "steps",
            "readiness",
        ]

    def get_progress(self, pathway) -> int:

        return progress(pathway)


class PathwayStepWriteSerializer(serializers.Serializer):
    """A step to add: title, owner (username), due date, status and blocker (needed when blocked)."""

    title = serializers.CharField(max_length=160)
    owner = user_field(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = StepStatusField(required=False, default=StepStatus.TODO)
    blocker = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PathwayStepUpdateSerializer(serializers.Serializer):
    """Change one step of the pathway (by id): any of title, owner, due date, status, blocker."""

    step = serializers.IntegerField(help_text="The id of a step of this pathway.")
    title = serializers.CharField(max_length=160, required=False)
    owner = user_field(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = StepStatusField(required=False)
    blocker = serializers.CharField(max_length=255, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)


class ReadinessWriteSerializer(serializers.Serializer):
    """A readiness criterion to add."""

    label = serializers.CharField(max_length=160)
    evidence = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ReadinessMeetSerializer(serializers.Serializer):
    """Mark one readiness criterion of the pathway (by id) met, with evidence, or not met."""

    criterion = serializers.IntegerField(help_text="The id of a readiness criterion of this pathway.")
    met = serializers.BooleanField(default=True)
    evidence = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PathwayWriteSerializer(serializers.Serializer):
    """Plan a pathway for a service (by slug) from its current mode to a mode (by key)."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    to_mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all())
    title = serializers.CharField(max_length=160)
    owner = user_field()
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    steps = PathwayStepWriteSerializer(many=True, required=False, default=list)
    readiness = ReadinessWriteSerializer(many=True, required=False, default=list)


class PathwayUpdateSerializer(ReasonMixin, serializers.Serializer):
    """Change a pathway's title, owner, target date, description or target mode."""

    title = serializers.CharField(max_length=160, required=False)
    owner = user_field(required=False)
    target_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    to_mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all(), required=False)


class PathwayStatusSerializer(serializers.Serializer):
    """Move a pathway to another status (planned → in progress ⇄ blocked → completed, or cancelled)."""

    status = PathwayStatusField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")

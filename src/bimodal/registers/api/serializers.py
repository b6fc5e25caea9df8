"""Serializers of the registers API: reads nest references by natural key; writes go through services."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import (
    ReasonMixin,
    RestrictedSlugRelatedField,
    TeamRefSerializer,
    user_field,
)
from bimodal.core.models import OrgUnit, Team, User
from bimodal.portfolio.models import Mode, Service
from bimodal.registers import risk
from bimodal.registers.choices import EthicsDecision, RegisterStage
from bimodal.registers.models import AIUseCase, CloudAccount, CloudCost, LowCodeApp, ReviewTask
from bimodal.registers.services import AIUSECASE_FIELDS, CLOUDACCOUNT_FIELDS, LOWCODE_FIELDS

_ITEM = ["slug", "name", "description", "owner", "owner_team", "stage"]
_REVIEW = ["review_cadence_days", "last_reviewed_on", "next_review_due"]


def _services(**kwargs):
    return RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False, **kwargs
    )


class LowCodeAppSerializer(serializers.ModelSerializer):
    """A low-code app as read, with its risk score, level and required controls."""

    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    owner_team = TeamRefSerializer(read_only=True, allow_null=True)
    business_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    integrations: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    support_team = TeamRefSerializer(read_only=True, allow_null=True)
    promoted_service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    required_controls = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = LowCodeApp
        fields = [
            *_ITEM,
            "platform",
            "business_unit",
            "purpose",
            "user_count",
            "data_classification",
            "integrations",
            "support_wrapper",
            "support_team",
            "risk_score",
            "risk_level",
            "required_controls",
            "promoted_service",
            *_REVIEW,
            "created_at",
            "updated_at",
        ]


class LowCodeAppWriteSerializer(ReasonMixin, serializers.ModelSerializer):
    """A low-code app as written: people by username, teams, unit and services by slug."""

    owner = user_field()
    owner_team = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    business_unit = RestrictedSlugRelatedField(slug_field="slug", queryset=OrgUnit.objects.all())
    integrations = _services()
    support_team = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = LowCodeApp
        fields = [*LOWCODE_FIELDS, "reason"]
        extra_kwargs = {"slug": {"required": False}}


class AIUseCaseSerializer(serializers.ModelSerializer):
    """An AI use case as read, with its tier, controls and whether it is shadow AI."""

    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    owner_team = TeamRefSerializer(read_only=True, allow_null=True)
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    ethics_decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    required_controls = serializers.ListField(child=serializers.CharField(), read_only=True)
    risk_answers = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    is_shadow = serializers.BooleanField(
        read_only=True, help_text="In use without an approving ethics review."
    )

    class Meta:
        model = AIUseCase
        fields = [
            *_ITEM,
            "purpose",
            "model_vendor",
            "runs_on",
            "personal_data",
            "special_categories",
            "data_categories",
            "affected_people",
            "affected_count",
            "risk_answers",
            "risk_tier",
            "required_controls",
            "dpia_status",
            "human_oversight",
            "ethics_decision",
            "ethics_conditions",
            "ethics_decided_by",
            "ethics_decided_at",
            "monitoring",
            "services",
            "is_shadow",
            *_REVIEW,
            "created_at",
            "updated_at",
        ]


class AIUseCaseWriteSerializer(ReasonMixin, serializers.ModelSerializer):
    """An AI use case as written; `risk_answers` maps question keys to true/false."""

    owner = user_field()
    owner_team = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    services = _services()
    risk_answers = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        help_text="Question key → yes/no. Keys: " + ", ".join(risk.AI_QUESTION_KEYS),
    )

    class Meta:
        model = AIUseCase
        fields = [*AIUSECASE_FIELDS, "reason"]
        extra_kwargs = {"slug": {"required": False}}


class CloudAccountSerializer(serializers.ModelSerializer):
    """A cloud account as read, with last month's cost, tagging compliance and sprawl flags."""

    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    owner_team = TeamRefSerializer(read_only=True, allow_null=True)
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    last_month_cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    tagging_pct = serializers.IntegerField(read_only=True, help_text="Percent of resources tagged.")
    over_budget = serializers.BooleanField(read_only=True)
    waste_flag = serializers.BooleanField(read_only=True, help_text="Too many idle or orphaned resources.")

    class Meta:
        model = CloudAccount
        fields = [
            *_ITEM,
            "provider",
            "account_ref",
            "services",
            "monthly_budget",
            "total_resources",
            "tagged_resources",
            "idle_resources",
            "orphaned_resources",
            "last_month_cost",
            "tagging_pct",
            "over_budget",
            "waste_flag",
            *_REVIEW,
            "created_at",
            "updated_at",
        ]


class CloudAccountWriteSerializer(ReasonMixin, serializers.ModelSerializer):
    """A cloud account as written."""

    owner = user_field(required=False, allow_null=True)
    owner_team = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    services = _services()

    class Meta:
        model = CloudAccount
        fields = [*CLOUDACCOUNT_FIELDS, "reason"]
        extra_kwargs = {"slug": {"required": False}}
        validators: list[
            object
        ] = []  # uniqueness is checked by the service's full_clean (one 400 with field errors)


class CloudCostSerializer(serializers.ModelSerializer):
    """One month's cost of an account."""

    account = RestrictedSlugRelatedField(slug_field="slug", queryset=CloudAccount.objects.all())

    class Meta:
        model = CloudCost
        fields = ["id", "account", "month", "amount"]
        validators: list[object] = []


class RegisterTransitionSerializer(serializers.Serializer):
    """Move an item to another stage."""

    stage = serializers.ChoiceField(choices=RegisterStage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RegisterReviewSerializer(serializers.Serializer):
    """Record a review of an item."""

    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RegisterPromoteSerializer(serializers.Serializer):
    """Promote a low-code app into the service catalogue."""

    mode = RestrictedSlugRelatedField(slug_field="key", queryset=Mode.objects.all(), help_text="Mode key")
    owner_team = RestrictedSlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Team that will own the service (default: the support team or the owner team)",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RegisterAssessSerializer(serializers.Serializer):
    """Answers to the AI risk questionnaire."""

    answers = serializers.DictField(child=serializers.BooleanField(), help_text="Question key → yes/no")


class RegisterDecideSerializer(serializers.Serializer):
    """The ethics review decision."""

    ethics_decision = serializers.ChoiceField(choices=EthicsDecision.choices)
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RegisterQuestionSerializer(serializers.Serializer):
    """A question of the AI risk questionnaire."""

    key = serializers.CharField()
    text = serializers.CharField()
    tier = serializers.CharField(help_text="The tier a yes leads to")


class RegisterCsvImportSerializer(serializers.Serializer):
    """CSV text to import (all rows or none)."""

    csv = serializers.CharField(help_text="CSV text with a header row")


class RegisterImportErrorSerializer(serializers.Serializer):
    """One error of an import, by line and column."""

    line = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class RegisterImportResultSerializer(serializers.Serializer):
    """What an import created and updated, or why it wrote nothing."""

    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    # DRF\'s metaclass takes declared fields off the class: this does not replace Serializer.errors.
    errors = RegisterImportErrorSerializer(many=True)  # type: ignore[assignment]


class RegisterModeCostSerializer(serializers.Serializer):
    """Cloud cost of one mode over the period."""

    mode = serializers.CharField()
    colour = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)


class RegisterSprawlSerializer(serializers.Serializer):
    """Sprawl indicators over the active cloud accounts and the cost by mode."""

    accounts = serializers.IntegerField()
    no_owner = serializers.IntegerField()
    no_service = serializers.IntegerField()
    under_tagged = serializers.IntegerField()
    over_budget = serializers.IntegerField()
    wasteful = serializers.IntegerField()
    idle_resources = serializers.IntegerField()
    orphaned_resources = serializers.IntegerField()
    total_resources = serializers.IntegerField()
    last_month_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost_by_mode = RegisterModeCostSerializer(many=True)


class ReviewTaskSerializer(serializers.ModelSerializer):
    """A review task."""

    assignee: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "register",
            "object_id",
            "item_name",
            "item_url",
            "assignee",
            "due_on",
            "review_state",
            "overdue",
            "created_at",
            "completed_at",
        ]

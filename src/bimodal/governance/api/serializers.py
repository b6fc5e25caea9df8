"""Serializers of the governance API: forums, policies (versioned) and try-outs, decision types, rights,
requests, meetings and the bureaucracy report."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from bimodal.core.api.serializers import RestrictedSlugRelatedField
from bimodal.core.models import OrgUnit, User
from bimodal.governance.choices import CHANGE_TYPES, Raci
from bimodal.governance.engine import SAMPLE_CONTEXT, sample_context
from bimodal.governance.models import (
    AgendaItem,
    DecisionRequest,
    DecisionRight,
    DecisionType,
    Forum,
    Meeting,
    Policy,
)
from bimodal.governance.services import DECISION_TYPE_FIELDS, FORUM_FIELDS, POLICY_FIELDS
from bimodal.portfolio.models import Mode


class ForumSerializer(serializers.ModelSerializer):
    """A forum and its members."""

    members: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    chair: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Forum
        fields = list(FORUM_FIELDS)


class PolicySerializer(serializers.ModelSerializer):
    """One version of a policy."""

    approver_forum: serializers.SlugRelatedField[Forum] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Policy
        fields = ["key", "version", "is_current", *POLICY_FIELDS, "created_by", "created_at"]


class PolicyWriteSerializer(serializers.ModelSerializer):
    """A policy as written; an update stores a new version. The CEL expression is checked by the model."""

    approver_forum = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Forum.objects.all(), required=False, allow_null=True
    )
    modes = serializers.ListField(child=serializers.SlugField(), required=False)
    change_types = serializers.ListField(child=serializers.ChoiceField(choices=CHANGE_TYPES), required=False)
    criticalities = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=3), required=False
    )
    evidence = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Policy
        fields = ["key", *POLICY_FIELDS, "reason"]
        extra_kwargs = {"key": {"required": False, "validators": []}}


class ContextSerializer(serializers.Serializer):
    """An example change to evaluate policies against."""

    change = serializers.DictField(default=lambda: dict(SAMPLE_CONTEXT["change"]))
    service = serializers.DictField(default=lambda: dict(sample_context()["service"]))
    evidence = serializers.DictField(default=lambda: dict(SAMPLE_CONTEXT["evidence"]))

    def validate(self, attrs):
        for name in ("type", "risk_score", "in_freeze"):
            if name not in attrs["change"]:
                attrs["change"] = {**SAMPLE_CONTEXT["change"], **attrs["change"]}
                break
        attrs["service"] = {**sample_context()["service"], **attrs["service"]}
        return attrs


class PolicyTrySerializer(serializers.Serializer):
    """A draft policy (not saved) and an example change."""

    policy = PolicyWriteSerializer()
    context = ContextSerializer(required=False)


class FiredRuleSerializer(serializers.Serializer):
    """A rule that fired."""

    key = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    effect = serializers.CharField()
    reason = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    """A policy decision with the rules that fired and what is still required."""

    outcome = serializers.CharField()
    draft_fired = serializers.BooleanField(required=False)
    fired = FiredRuleSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    approvals = serializers.ListField(child=serializers.DictField())
    evidence_required = serializers.ListField(child=serializers.CharField())
    missing_evidence = serializers.ListField(child=serializers.CharField())
    window_required = serializers.BooleanField()
    evaluated = serializers.IntegerField()


# --- decision types, rights, requests, meetings ---------------------------------------------------------


class DecisionTypeSerializer(serializers.ModelSerializer):
    """A decision type."""

    class Meta:
        model = DecisionType
        fields = ["key", *DECISION_TYPE_FIELDS]


class DecisionTypeWriteSerializer(serializers.ModelSerializer):
    """A decision type as written (the key is fixed once created)."""

    reason = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = DecisionType
        fields = ["key", *DECISION_TYPE_FIELDS, "reason"]
        extra_kwargs = {"key": {"required": False, "validators": []}}


class DecisionRightSerializer(serializers.ModelSerializer):
    """One RACI cell: party (role:<key>, forum:<slug>, team:<slug> or head) and letter, for an org unit or
    organisation-wide (org_unit null)."""

    decision_type: serializers.SlugRelatedField[DecisionType] = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    org_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    party = serializers.CharField(read_only=True)
    party_label = serializers.CharField(read_only=True)

    class Meta:
        model = DecisionRight
        fields = ["id", "decision_type", "org_unit", "party", "party_kind", "party_label", "raci"]


class DecisionRightWriteSerializer(serializers.Serializer):
    """Set a party's letter for a decision type in an org unit (omit org_unit: organisation-wide)."""

    decision_type = RestrictedSlugRelatedField(slug_field="key", queryset=DecisionType.objects.all())
    org_unit = RestrictedSlugRelatedField(
        slug_field="slug", queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    party = serializers.CharField(max_length=140, help_text="role:<key>, forum:<slug>, team:<slug> or head")
    raci = serializers.ChoiceField(choices=Raci.choices)


class DecisionRightPatchSerializer(serializers.Serializer):
    """Change the letter of a right."""

    raci = serializers.ChoiceField(choices=Raci.choices)


class RouteStepSerializer(serializers.Serializer):
    """One approval step on a route."""

    kind = serializers.CharField()
    ref = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    raci = serializers.CharField()


class RouteSerializer(serializers.Serializer):
    """A computed route."""

    steps = RouteStepSerializer(many=True)
    forum = serializers.CharField(allow_null=True)
    model = serializers.CharField()
    above_threshold = serializers.BooleanField()
    source = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="GovernanceDecisionRequest")
class DecisionRequestSerializer(serializers.ModelSerializer):
    """A decision request with its route and decision."""

    reference = serializers.CharField(read_only=True)
    decision_type: serializers.SlugRelatedField[DecisionType] = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    org_unit: serializers.SlugRelatedField[OrgUnit] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    mode: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True
    )
    forum: serializers.SlugRelatedField[Forum] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    status = serializers.CharField(read_only=True, help_text="pending, approved, rejected or withdrawn")
    route = RouteSerializer(read_only=True)
    subject_type = serializers.SerializerMethodField()

    class Meta:
        model = DecisionRequest
        fields = [
            "id",
            "reference",
            "decision_type",
            "org_unit",
            "mode",
            "title",
            "description",
            "amount",
            "subject_type",
            "object_id",
            "requested_by",
            "requested_at",
            "status",
            "route",
            "step_count",
            "forum",
            "meeting",
            "decided_by",
            "decided_at",
            "outcome_note",
        ]

    def get_subject_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type_id else None


class DecisionRequestWriteSerializer(serializers.Serializer):
    """Open a decision request (the route is computed by the server)."""

    decision_type = RestrictedSlugRelatedField(slug_field="key", queryset=DecisionType.objects.all())
    org_unit = RestrictedSlugRelatedField(
        slug_field="slug", queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    mode = RestrictedSlugRelatedField(
        slug_field="key", queryset=Mode.objects.all(), required=False, allow_null=True
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )


class RoutePreviewSerializer(serializers.Serializer):
    """Where a decision would go (nothing is saved)."""

    decision_type = RestrictedSlugRelatedField(slug_field="key", queryset=DecisionType.objects.all())
    org_unit = RestrictedSlugRelatedField(
        slug_field="slug", queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )


class DecideSerializer(serializers.Serializer):
    """Record a decision: outcome "approved" or "rejected", a note (required to reject), and the meeting
    of the routed forum at which it was taken (for a forum decision)."""

    outcome = serializers.CharField(help_text="approved or rejected")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.all(), required=False, allow_null=True, default=None
    )


class WithdrawSerializer(serializers.Serializer):
    """Withdraw a pending request."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AgendaItemSerializer(serializers.ModelSerializer):
    """An agenda item."""

    decision_request: serializers.PrimaryKeyRelatedField[DecisionRequest] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )

    class Meta:
        model = AgendaItem
        fields = ["id", "order", "topic", "url", "source", "decision_request", "outcome", "notes"]


class MeetingSerializer(serializers.ModelSerializer):
    """A forum meeting with its attendance, agenda and minutes."""

    forum: serializers.SlugRelatedField[Forum] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    attendees: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    agenda = AgendaItemSerializer(source="agenda_items", many=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text="planned, held or cancelled")

    class Meta:
        model = Meeting
        fields = ["id", "forum", "scheduled_for", "status", "attendees", "quorum_met", "minutes", "agenda"]


class MeetingWriteSerializer(serializers.Serializer):
    """Plan a meeting of a forum."""

    forum = RestrictedSlugRelatedField(slug_field="slug", queryset=Forum.objects.all())
    scheduled_for = serializers.DateTimeField()
    attendees = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True, required=False
    )


class MinutesSerializer(serializers.Serializer):
    """The minutes of a meeting (and, optionally, who attended)."""

    minutes = serializers.CharField()
    attendees = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True, required=False
    )


class AttendanceSerializer(serializers.Serializer):
    """Who attends a meeting."""

    attendees = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), many=True
    )


class ReportRowSerializer(serializers.Serializer):
    """One row of the minimum viable bureaucracy report."""

    source = serializers.CharField()
    decision_type = serializers.CharField()
    decision_label = serializers.CharField()
    mode = serializers.CharField()
    mode_label = serializers.CharField()
    requests = serializers.IntegerField()
    decided = serializers.IntegerField()
    mean_steps = serializers.FloatField(allow_null=True)
    median_steps = serializers.FloatField(allow_null=True)
    median_lead_hours = serializers.FloatField(allow_null=True)
    p90_lead_hours = serializers.FloatField(allow_null=True)

"""Serializers of the governance API: forums, policies (versioned) and policy try-outs."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import RestrictedSlugRelatedField
from bimodal.governance.choices import CHANGE_TYPES
from bimodal.governance.engine import SAMPLE_CONTEXT
from bimodal.governance.models import Forum, Policy


class ForumSerializer(serializers.ModelSerializer):
    """A forum and its members."""

    members = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    chair = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Forum
        fields = ["slug", "name", "kind", "charter", "cadence", "quorum", "chair", "members"]


POLICY_FIELDS = [
    "name",
    "description",
    "policy_set",
    "enabled",
    "priority",
    "modes",
    "change_types",
    "criticalities",
    "expression",
    "effect",
    "message",
    "approver_role",
    "approver_forum",
    "approvals_required",
    "evidence",
]


class PolicySerializer(serializers.ModelSerializer):
    """One version of a policy."""

    approver_forum = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

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
    service = serializers.DictField(default=lambda: dict(SAMPLE_CONTEXT["service"]))
    evidence = serializers.DictField(default=lambda: dict(SAMPLE_CONTEXT["evidence"]))

    def validate(self, attrs):
        for name in ("type", "risk_score", "in_freeze"):
            if name not in attrs["change"]:
                attrs["change"] = {**SAMPLE_CONTEXT["change"], **attrs["change"]}
                break
        attrs["service"] = {**SAMPLE_CONTEXT["service"], **attrs["service"]}
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

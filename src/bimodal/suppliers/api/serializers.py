"""Serializers of the suppliers API (validation and shape only; services write)."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import RestrictedSlugRelatedField
from bimodal.people.models import Skill
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import Priority, SlaTarget
from bimodal.servicedesk.models import SupportSchedule
from bimodal.suppliers.choices import ContractStatus, SupplierStatus, SupplierTier
from bimodal.suppliers.evaluation import score
from bimodal.suppliers.models import (
    Contract,
    ContractSlaTarget,
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    Supplier,
    SupplierCertification,
    SupplierContact,
)
from bimodal.suppliers.services import CERTIFICATION_FIELDS, CONTACT_FIELDS


class SupplierSerializer(serializers.ModelSerializer):
    """A supplier as read."""

    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    skills = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "slug",
            "name",
            "tier",
            "status",
            "website",
            "description",
            "categories",
            "skills",
            "covers_24x7",
            "covers_extended_hours",
            "covers_business_hours",
            "remote_support",
            "on_site_support",
            "regions",
            "created_at",
            "updated_at",
        ]


class SupplierWriteSerializer(serializers.Serializer):
    """Create or change a supplier."""

    name = serializers.CharField(max_length=120)
    tier = serializers.ChoiceField(choices=SupplierTier.choices, required=False)
    status = serializers.ChoiceField(choices=SupplierStatus.choices, required=False)
    website = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    covers_24x7 = serializers.BooleanField(required=False)
    covers_extended_hours = serializers.BooleanField(required=False)
    covers_business_hours = serializers.BooleanField(required=False)
    remote_support = serializers.BooleanField(required=False)
    on_site_support = serializers.BooleanField(required=False)
    regions = serializers.ListField(child=serializers.CharField(max_length=20), required=False)


class ContactSerializer(serializers.ModelSerializer):
    """A person at the supplier."""

    class Meta:
        model = SupplierContact
        fields = ["id", "name", "role", "email", "phone", "escalation_level"]


class ContactWriteSerializer(serializers.ModelSerializer):
    """Add a contact (its fields are the model's: CONTACT_FIELDS)."""

    class Meta:
        model = SupplierContact
        fields = [*CONTACT_FIELDS]


class CertificationSerializer(serializers.ModelSerializer):
    """A certification the supplier holds; `expired` once its validity has ended."""

    expired = serializers.BooleanField(read_only=True)
    expires_soon = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupplierCertification
        fields = [
            "id",
            "name",
            "issuer",
            "reference",
            "valid_from",
            "valid_until",
            "evidence_url",
            "expired",
            "expires_soon",
        ]


class CertificationWriteSerializer(serializers.ModelSerializer):
    """Record a certification: the standard, issuer, validity and a link to the evidence (CERTIFICATION_FIELDS)."""

    class Meta:
        model = SupplierCertification
        fields = [*CERTIFICATION_FIELDS]

    def validate(self, attrs):
        start, end = attrs.get("valid_from"), attrs.get("valid_until")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"valid_until": "A certification cannot expire before it is valid."}
            )
        return attrs


class ContractTargetSerializer(serializers.ModelSerializer):
    """A contracted target and its credit."""

    minutes = serializers.SerializerMethodField()

    class Meta:
        model = ContractSlaTarget
        fields = ["priority", "target", "minutes", "credit"]

    def get_minutes(self, obj) -> int:
        return obj.definition.target_seconds // 60


class ContractSerializer(serializers.ModelSerializer):
    """A contract as read."""

    supplier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    schedule = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    catalogue_items = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    targets = ContractTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "reference",
            "supplier",
            "title",
            "status",
            "start_date",
            "end_date",
            "value",
            "currency",
            "credit_cap_percent",
            "renewal_notice_days",
            "auto_renew",
            "owner",
            "schedule",
            "services",
            "catalogue_items",
            "targets",
            "terms",
        ]


class ContractWriteSerializer(serializers.Serializer):
    """Draft or change a contract."""

    supplier = RestrictedSlugRelatedField(slug_field="slug", queryset=Supplier.objects.all(), required=False)
    reference = serializers.CharField(max_length=40, required=False)
    title = serializers.CharField(max_length=200, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    credit_cap_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    renewal_notice_days = serializers.IntegerField(min_value=0, max_value=730, required=False)
    auto_renew = serializers.BooleanField(required=False)
    schedule = serializers.SlugRelatedField(
        slug_field="slug", queryset=SupportSchedule.objects.all(), required=False
    )
    services = RestrictedSlugRelatedField(
        slug_field="slug", many=True, queryset=Service.objects.all(), required=False
    )
    terms = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        if self.instance is None:
            missing = [
                f
                for f in ("supplier", "reference", "title", "start_date", "end_date", "value", "schedule")
                if f not in attrs
            ]
            if missing:
                raise serializers.ValidationError({f: "This field is required." for f in missing})
        elif "supplier" in attrs:
            raise serializers.ValidationError({"supplier": "The supplier of a contract is not changed."})
        return attrs


class TargetWriteSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    target = serializers.ChoiceField(choices=SlaTarget.choices)
    minutes = serializers.IntegerField(min_value=1)
    credit = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)


class ContractTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RenewSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The period ends before it starts."})
        return attrs


class FiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    attainment = serializers.FloatField(allow_null=True)
    median_seconds = serializers.FloatField(source="median", allow_null=True)
    p90_seconds = serializers.FloatField(source="p90", allow_null=True)
    credits = serializers.DecimalField(max_digits=14, decimal_places=2)


class PriorityRowSerializer(serializers.Serializer):
    priority = serializers.CharField()
    response = FiguresSerializer()
    resolution = FiguresSerializer()


class SatisfactionFiguresSerializer(serializers.Serializer):
    """Customer satisfaction of the supplier's tickets: answers, average rating, CSAT (share of 4 and 5)
    and response rate (0..1)."""

    responses = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    csat = serializers.FloatField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)


class ScorecardSerializer(serializers.Serializer):
    """A supplier's scorecard for a period."""

    supplier = serializers.CharField(source="supplier.slug")
    start = serializers.DateField()
    end = serializers.DateField()
    priorities = PriorityRowSerializer(source="rows", many=True)
    response = FiguresSerializer(source="overall.response")
    resolution = FiguresSerializer(source="overall.resolution")
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    reopened = serializers.IntegerField()
    reopen_rate = serializers.FloatField(allow_null=True)
    open_now = serializers.IntegerField()
    breaches = serializers.IntegerField()
    charge = serializers.DecimalField(max_digits=14, decimal_places=2)
    credits_earned = serializers.DecimalField(max_digits=14, decimal_places=2)
    credits = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost_per_ticket = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    net_cost_per_ticket = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    satisfaction = SatisfactionFiguresSerializer()


class HandoffSerializer(serializers.Serializer):
    """One hand-off between parties."""

    ticket = serializers.CharField(source="ticket.number")
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    from_team = serializers.CharField(source="from_team.slug", allow_null=True, default=None)
    to_team = serializers.CharField(source="to_team.slug")
    from_supplier = serializers.CharField(source="from_supplier.slug", allow_null=True, default=None)
    to_supplier = serializers.CharField(source="to_supplier.slug", allow_null=True, default=None)
    reason = serializers.CharField()


class CandidateSerializer(serializers.ModelSerializer):
    supplier = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = MspCandidate
        fields = [
            "id",
            "supplier",
            "demonstrated_response",
            "response_source",
            "customisation",
            "annual_cost",
            "notes",
        ]


class RequirementSerializer(serializers.ModelSerializer):
    skill = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = MspRequirement
        fields = ["skill", "weight", "future"]


class EvaluationSerializer(serializers.ModelSerializer):
    """An MSP evaluation with its required skills and its candidates' weighted scores."""

    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    requirements = RequirementSerializer(many=True, read_only=True)
    candidates = CandidateSerializer(many=True, read_only=True)
    chosen = serializers.SlugRelatedField(
        source="chosen.supplier", slug_field="slug", read_only=True, allow_null=True
    )
    scores = serializers.SerializerMethodField()

    class Meta:
        model = MspEvaluation
        fields = [
            "slug",
            "name",
            "description",
            "status",
            "services",
            "weights",
            "required_response",
            "needs_on_site",
            "needs_remote",
            "regions",
            "requirements",
            "candidates",
            "scores",
            "chosen",
            "decision_rationale",
            "decided_at",
        ]

    def get_scores(self, obj) -> list[dict]:

        return [
            {"supplier": s.candidate.supplier.slug, "rank": s.rank, "total": s.total, "criteria": s.scores}
            for s in score(obj)
        ]


class EvaluationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    description = serializers.CharField(required=False, allow_blank=True)
    services = RestrictedSlugRelatedField(
        slug_field="slug", many=True, queryset=Service.objects.all(), required=False
    )
    weights = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), required=False
    )
    required_response = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False)
    needs_on_site = serializers.BooleanField(required=False)
    needs_remote = serializers.BooleanField(required=False)
    regions = serializers.ListField(child=serializers.CharField(max_length=20), required=False)


class CandidateWriteSerializer(serializers.Serializer):
    supplier = RestrictedSlugRelatedField(slug_field="slug", queryset=Supplier.objects.all())
    demonstrated_response = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False)
    response_source = serializers.CharField(required=False, allow_blank=True, max_length=200)
    customisation = serializers.IntegerField(min_value=0, max_value=5, default=3)
    annual_cost = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True)


class CandidateUpdateSerializer(serializers.Serializer):
    """Change a candidate (its supplier stays); `reason` goes to the audit log."""

    demonstrated_response = serializers.DictField(child=serializers.IntegerField(min_value=1), required=False)
    response_source = serializers.CharField(required=False, allow_blank=True, max_length=200)
    customisation = serializers.IntegerField(min_value=0, max_value=5, required=False)
    annual_cost = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class RequirementWriteSerializer(serializers.Serializer):
    """Require a skill (now or planned) with a weight 1–5; a skill already required gets the new weight."""

    skill = RestrictedSlugRelatedField(slug_field="slug", queryset=Skill.objects.all())
    weight = serializers.IntegerField(min_value=1, max_value=5, default=3)
    future = serializers.BooleanField(default=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the evaluation closes without a decision.")


class MspDecisionSerializer(serializers.Serializer):
    supplier = serializers.SlugField(help_text="The chosen candidate's supplier.")
    rationale = serializers.CharField()

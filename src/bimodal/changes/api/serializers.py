"""Serializers of the changes API: change records, workflow steps, the deployment gate, deployments."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from rest_framework import serializers

from bimodal.changes import selectors
from bimodal.changes.choices import (
    RISK_QUESTIONS,
    ChangeStatus,
    DeploymentStatus,
    Environment,
    GateOutcome,
    ReleaseStatus,
    Vote,
)
from bimodal.changes.models import (
    Change,
    ChangeApproval,
    ChangeWindow,
    Deployment,
    GateRequest,
    Release,
    StandardChangeTemplate,
)
from bimodal.changes.services import CHANGE_FIELDS, RELEASE_FIELDS, TEMPLATE_FIELDS, WINDOW_FIELDS
from bimodal.core.api.serializers import RestrictedSlugRelatedField, storable_json
from bimodal.core.models import User
from bimodal.governance.models import Forum
from bimodal.portfolio.api.serializers import ServiceRefSerializer
from bimodal.portfolio.choices import Hosting
from bimodal.portfolio.models import Mode, Service


class ChangeApprovalSerializer(serializers.ModelSerializer):
    """One vote on a change."""

    approver: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ChangeApproval
        fields = ["approver", "vote", "comment", "retrospective", "round", "created_at"]


class ChangeSerializer(serializers.ModelSerializer):
    """A change as read, with its services, votes and the last policy decision."""

    services = ServiceRefSerializer(many=True, read_only=True)
    requester: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    approver_forum: serializers.SlugRelatedField[Forum] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    approvals = ChangeApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = Change
        fields = [
            "reference",
            "title",
            "change_type",
            "status",
            "source",
            "environment",
            "services",
            "requester",
            "description",
            "implementation_plan",
            "backout_plan",
            "test_plan",
            "evidence",
            "planned_start",
            "planned_end",
            "risk_answers",
            "risk_score",
            "risk_level",
            "decision",
            "approver_forum",
            "approver_role",
            "approvals_required",
            "window_required",
            "retrospective_approval",
            "result",
            "review_notes",
            "version",
            "release",
            "template",
            "approvals",
            "created_at",
            "updated_at",
        ]


class ChangeWriteSerializer(serializers.ModelSerializer):
    """A change as written: services by slug, the risk questionnaire as yes/no answers."""

    services = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all(), many=True)
    risk_answers = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        validators=[storable_json],
        help_text="Yes/no answers: " + ", ".join(f"{key} ({text})" for key, text in RISK_QUESTIONS),
    )
    evidence = serializers.DictField(
        required=False, validators=[storable_json], help_text='Named artefacts, e.g. {"test_report": URL}'
    )
    release: serializers.PrimaryKeyRelatedField[Release] = serializers.PrimaryKeyRelatedField(
        queryset=Release.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of an open release of the mode's train; omitted or null: the next open release",
    )

    class Meta:
        model = Change
        fields = list(CHANGE_FIELDS)

    def validate_risk_answers(self, value: dict) -> dict:
        known = {key for key, _ in RISK_QUESTIONS}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown question(s): {', '.join(unknown)}.")
        return value


class VoteSerializer(serializers.Serializer):
    """Approve or reject, with a comment (required to reject)."""

    vote = serializers.ChoiceField(choices=Vote.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScheduleSerializer(serializers.Serializer):
    """The slot of an approved change (defaults to the planned one)."""

    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)


class CompleteSerializer(serializers.Serializer):
    """How the implementation ended."""

    result = serializers.ChoiceField(
        choices=[
            (s, ChangeStatus(s).label)
            for s in (ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.BACKED_OUT)
        ]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    """The post-implementation review."""

    notes = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    """An optional reason for the audit log."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeWindowSerializer(serializers.ModelSerializer):
    """A change window or freeze and what it applies to (no modes and services: everything)."""

    modes: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(
        slug_field="key", many=True, read_only=True
    )
    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = ChangeWindow
        fields = ["id", *WINDOW_FIELDS]


class _GateServiceField(serializers.SlugRelatedField):
    """A service named by its slug, loaded with its mode (the gate needs it) by one prepared query, or
    taken from the gate's snapshot (the gate checks it against the row in its facts query)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        service = selectors.gate_service(data, cached=True)
        if service is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return service


class GateRequestInputSerializer(serializers.Serializer):
    """A pipeline asks: may this deployment proceed?"""

    service = _GateServiceField(slug_field="slug", queryset=Service.objects.all())
    environment = serializers.ChoiceField(choices=Environment.choices, default=Environment.PRODUCTION)
    version = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    commit = serializers.RegexField(r"^[0-9a-fA-F]{7,64}$", required=False, allow_blank=True, default="")
    pipeline_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    evidence = serializers.DictField(
        required=False,
        default=dict,
        validators=[storable_json],
        help_text='e.g. {"tests_passed": true, "coverage": 82.5, "security_scan": "pass"}',
    )
    idempotency_key = serializers.CharField(
        max_length=120, help_text="The same key always gets the same answer."
    )
    change = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Reference of an approved change (Mode 1)",
    )

    def validate(self, attrs):
        if not attrs.get("version") and not attrs.get("commit"):
            raise serializers.ValidationError({"version": "Give the version or the commit being deployed."})
        return attrs


class GateRequestSerializer(serializers.ModelSerializer):
    """The gate's answer: allow, deny or needs approval (poll until it changes), with reasons."""

    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    outcome = serializers.ChoiceField(choices=GateOutcome.choices, read_only=True)
    change: serializers.SlugRelatedField[Change] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    deployment: serializers.PrimaryKeyRelatedField[Deployment] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    replayed = serializers.SerializerMethodField(
        help_text="True when this is the answer to an earlier request with the same idempotency key"
    )
    decided_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = GateRequest
        fields = [
            "id",
            "service",
            "environment",
            "version",
            "commit",
            "pipeline_url",
            "idempotency_key",
            "outcome",
            "reasons",
            "requirements",
            "change",
            "deployment",
            "replayed",
            "decided_at",
            "created_at",
            "updated_at",
        ]

    def get_replayed(self, obj: GateRequest) -> bool:
        return obj.replayed

    def to_representation(self, instance: GateRequest) -> dict:
        data = super().to_representation(instance)
        if instance.replayed:  # the reasons of the decision, then why it is given again
            data["reasons"] = [*data["reasons"], *instance.replay_notes]
        return data


class DeploymentSerializer(serializers.ModelSerializer):
    """A deployment and its result."""

    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    change: serializers.SlugRelatedField[Change] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )

    class Meta:
        model = Deployment
        fields = [
            "id",
            "change",
            "service",
            "environment",
            "version",
            "commit",
            "pipeline_url",
            "status",
            "release",
            "created_at",
            "finished_at",
        ]


class DeploymentResultSerializer(serializers.Serializer):
    """How a deployment ended."""

    result = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in DeploymentStatus if s != DeploymentStatus.IN_PROGRESS]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReleaseSerializer(serializers.ModelSerializer):
    """A release of a mode's train, with how many changes and deployments joined it."""

    mode: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    change_count = serializers.IntegerField(read_only=True, default=0)
    deployment_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Release
        fields = [
            "id",
            *RELEASE_FIELDS,
            "status",
            "cadence",
            "change_count",
            "deployment_count",
            "created_at",
            "updated_at",
        ]


class TemplateSerializer(serializers.ModelSerializer):
    """A standard-change template version as read, with its usage (changes raised, finished, failed)."""

    services = ServiceRefSerializer(many=True, read_only=True)
    modes: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(
        slug_field="key", many=True, read_only=True
    )
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    approved_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    used = serializers.IntegerField(read_only=True, default=0)
    finished = serializers.IntegerField(read_only=True, default=0)
    failed = serializers.IntegerField(read_only=True, default=0)
    success_rate = serializers.FloatField(read_only=True, allow_null=True)
    usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = StandardChangeTemplate
        fields = [
            "id",
            "key",
            "version",
            "status",
            "status_reason",
            *TEMPLATE_FIELDS,
            "owner",
            "approved_by",
            "approved_at",
            "usable",
            "used",
            "finished",
            "failed",
            "success_rate",
            "created_at",
            "updated_at",
        ]


class ReleaseWriteSerializer(serializers.ModelSerializer):
    """A release as a release manager adds or moves it (the mode by key)."""

    mode: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(
        slug_field="key", queryset=Mode.objects.all()
    )

    class Meta:
        model = Release
        fields = list(RELEASE_FIELDS)
        validators: list = []  # the service validates (unique name per mode included)


class ReleaseStatusSerializer(serializers.Serializer):
    """A release's next status, with the reason for the audit log."""

    status = serializers.ChoiceField(choices=ReleaseStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class GenerateTrainSerializer(serializers.Serializer):
    """Generate a mode's release train from its cadence."""

    mode: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(
        slug_field="key", queryset=Mode.objects.all()
    )
    months = serializers.IntegerField(min_value=1, max_value=36, default=12)


class TemplateWriteSerializer(serializers.ModelSerializer):
    """A template as proposed or revised (TEMPLATE_FIELDS): services by slug, modes by key."""

    services = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False
    )
    modes: serializers.SlugRelatedField[Mode] = serializers.SlugRelatedField(
        slug_field="key", queryset=Mode.objects.all(), many=True, required=False
    )
    hostings = serializers.ListField(child=serializers.ChoiceField(choices=Hosting.choices), required=False)
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta:
        model = StandardChangeTemplate
        fields = [*TEMPLATE_FIELDS, "reason"]


class TemplateRaiseSerializer(serializers.Serializer):
    """A standard change raised from a template: its services and slot; the plans are the template's."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    services = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all(), many=True)
    environment = serializers.ChoiceField(choices=Environment.choices, default=Environment.PRODUCTION)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    planned_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    planned_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    risk_answers = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)
    evidence = serializers.DictField(required=False, default=dict, validators=[storable_json])

    def validate_risk_answers(self, value: dict) -> dict:
        unknown = sorted(set(value) - {key for key, _ in RISK_QUESTIONS})
        if unknown:
            raise serializers.ValidationError(f"Unknown question(s): {', '.join(unknown)}.")
        return value


_URL = URLValidator()
_COMMIT = re.compile(r"^[0-9a-fA-F]{7,64}$")
_ENVIRONMENTS = {str(value): value for value in Environment.values}
# What a field says of a value that is no text (URLField and RegexField word their "invalid" so).
_NOT_TEXT = {
    "commit": "This value does not match the required pattern.",
    "pipeline_url": "Enter a valid URL.",
}
_GATE_FIELDS = (  # the serializer's order, which its errors keep
    "service",
    "environment",
    "version",
    "commit",
    "pipeline_url",
    "evidence",
    "idempotency_key",
    "change",
)
_GATE_TEXT: tuple[tuple[str, int | None, bool], ...] = (  # name, longest, required
    ("version", 100, False),
    ("commit", None, False),  # its pattern bounds it
    ("pipeline_url", 500, False),
    ("idempotency_key", 120, True),
    ("change", 20, False),
)


def gate_input(data: object) -> dict[str, Any]:
    """The body of a gate call validated by hand, as GateRequestInputSerializer validates it (same
    fields, defaults, trimming and messages; a 400 with every field's errors): the gate answers many
    calls a second and the serializer's field machinery cost more than the rest of the request's
    parsing. tests/test_gate_input.py holds the two to the same answers."""
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]}
        )
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    slug = data.get("service", _MISSING)
    if slug is _MISSING:
        errors["service"] = ["This field is required."]
    elif slug is None or slug == "":  # a relation's empty string counts as null
        errors["service"] = ["This field may not be null."]
    elif not isinstance(slug, str):
        errors["service"] = ["Invalid value."]
    elif (service := selectors.gate_service(slug, cached=True)) is None:
        errors["service"] = [f"Object with slug={slug} does not exist."]
    else:
        out["service"] = service
    environment = data.get("environment", _MISSING)
    if environment is _MISSING:
        out["environment"] = Environment.PRODUCTION
    elif environment is None:
        errors["environment"] = ["This field may not be null."]
    elif str(environment) not in _ENVIRONMENTS or environment == "":
        errors["environment"] = [f'"{environment}" is not a valid choice.']
    else:
        out["environment"] = _ENVIRONMENTS[str(environment)]
    for name, longest, required in _GATE_TEXT:
        value = data.get(name, _MISSING)
        if value is _MISSING:
            if required:
                errors[name] = ["This field is required."]
            else:
                out[name] = ""
            continue
        if value is None:
            errors[name] = ["This field may not be null."]
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[name] = [_NOT_TEXT.get(name, "Not a valid string.")]
            continue
        text = str(value).strip()
        if text == "":
            if required:
                errors[name] = ["This field may not be blank."]
            else:
                out[name] = ""
            continue
        problems = []
        if longest is not None and len(text) > longest:
            problems.append(f"Ensure this field has no more than {longest} characters.")
        if "\x00" in text:
            problems.append("Null characters are not allowed.")
        if surrogate := next((c for c in text if 0xD800 <= ord(c) <= 0xDFFF), None):
            problems.append(f"Surrogate characters are not allowed: U+{ord(surrogate):X}.")
        if name == "commit" and not _COMMIT.match(text):
            problems.append("This value does not match the required pattern.")
        if name == "pipeline_url":
            try:
                _URL(text)
            except DjangoValidationError:
                problems.append("Enter a valid URL.")
        if problems:
            errors[name] = problems
        else:
            out[name] = text
    evidence = data.get("evidence", _MISSING)
    if evidence is _MISSING:
        out["evidence"] = {}
    elif evidence is None:
        errors["evidence"] = ["This field may not be null."]
    elif not isinstance(evidence, dict):
        errors["evidence"] = [f'Expected a dictionary of items but got type "{type(evidence).__name__}".']
    else:
        try:
            storable_json(evidence)
        except serializers.ValidationError as exc:
            errors["evidence"] = [str(e) for e in exc.detail]  # type: ignore[union-attr]
        else:
            out["evidence"] = {str(k): v for k, v in evidence.items()}
    if errors:
        raise serializers.ValidationError({name: errors[name] for name in _GATE_FIELDS if name in errors})
    if not out["version"] and not out["commit"]:
        raise serializers.ValidationError({"version": ["Give the version or the commit being deployed."]})
    return {name: out[name] for name in _GATE_FIELDS}


_MISSING = object()

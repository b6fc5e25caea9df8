"""Serializers of the service-desk API (validation and shape only; services write)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from rest_framework import serializers

from bimodal.changes.models import Change
from bimodal.core.api.serializers import RestrictedSlugRelatedField, TeamRefSerializer, user_field
from bimodal.core.models import Notification, Team, User
from bimodal.core.roles import Role
from bimodal.portfolio.models import Mode, Service
from bimodal.servicedesk.choices import (
    AlertStatus,
    Approver,
    Department,
    Level,
    Priority,
    TicketStatus,
    TicketType,
)
from bimodal.servicedesk.models import (
    RATING_MAX,
    RATING_MIN,
    CatalogueItem,
    Category,
    RoutingRule,
    SatisfactionRating,
    SlaDefinition,
    SlaInstance,
    SupportSchedule,
    Ticket,
    TicketComment,
)
from bimodal.servicedesk.services import (
    CATALOGUE_ITEM_FIELDS,
    ROUTING_RULE_FIELDS,
    SCHEDULE_FIELDS,
    SLA_DEFINITION_FIELDS,
    TICKET_FIELDS,
)


class SlaInstanceSerializer(serializers.ModelSerializer):
    """An SLA clock."""

    definition = serializers.CharField(source="definition.name", read_only=True)
    target_seconds = serializers.IntegerField(source="definition.target_seconds", read_only=True)

    class Meta:
        model = SlaInstance
        fields = [
            "target",
            "definition",
            "state",
            "target_seconds",
            "started_at",
            "running_since",
            "elapsed_seconds",
            "computed_elapsed",
            "computed_at",
            "due_at",
            "stopped_at",
            "breached_at",
        ]


class SatisfactionSerializer(serializers.ModelSerializer):
    """A requester's answer to the survey of a resolved ticket."""

    answered_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = SatisfactionRating
        fields = ["rating", "comment", "answered_by", "answered_at"]
        read_only_fields = fields


class RateSerializer(serializers.Serializer):
    """Answer the survey of a resolved ticket: 1 (very dissatisfied) to 5 (very satisfied)."""

    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as read."""

    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    requester: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    assignee: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    assignment_group = TeamRefSerializer(read_only=True, allow_null=True)
    routing_rule: serializers.PrimaryKeyRelatedField[RoutingRule] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The routing rule that chose the group, if one did."
    )
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    catalogue_item: serializers.SlugRelatedField[CatalogueItem] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    sla = SlaInstanceSerializer(source="sla_instances", many=True, read_only=True)
    changes: serializers.SlugRelatedField[Change] = serializers.SlugRelatedField(
        slug_field="reference", many=True, read_only=True, help_text="Linked changes the caller may see."
    )
    satisfaction = SatisfactionSerializer(
        read_only=True, allow_null=True, help_text="The requester's survey answer, once given."
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "ticket_type",
            "title",
            "description",
            "service",
            "requester",
            "impact",
            "urgency",
            "priority",
            "category",
            "status",
            "assignment_group",
            "assignee",
            "routing_rule",
            "routed_by_hand",
            "major_incident",
            "catalogue_item",
            "request_data",
            "approval",
            "known_error",
            "opened_at",
            "responded_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "changes",
            "sla",
            "satisfaction",
        ]


class TicketWriteSerializer(serializers.ModelSerializer):
    """Open a ticket."""

    ticket_type = serializers.ChoiceField(choices=[TicketType.INCIDENT, TicketType.PROBLEM])
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    impact = serializers.ChoiceField(choices=Level.choices, default=Level.LOW)
    urgency = serializers.ChoiceField(choices=Level.choices, default=Level.LOW)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    major_incident = serializers.BooleanField(default=False)

    class Meta:
        model = Ticket
        fields = list(TICKET_FIELDS)


class TicketTransitionSerializer(serializers.Serializer):
    """Move a ticket to another status."""

    status = serializers.ChoiceField(choices=TicketStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    """Assign a ticket."""

    group = RestrictedSlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    assignee = user_field(required=False, allow_null=True)


class SetServiceSerializer(serializers.Serializer):
    """Move a ticket to another service."""

    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class RoutingRuleSerializer(serializers.ModelSerializer):
    """A routing rule: criteria (blank = any) and the group it routes to (blank: the service's team)."""

    service = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True
    )
    catalogue_item = serializers.SlugRelatedField(
        slug_field="slug", queryset=CatalogueItem.objects.all(), required=False, allow_null=True
    )
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    group = RestrictedSlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    # Checked by the model (a plain string here keeps one TicketType enum in the OpenAPI schema).
    ticket_type = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="incident, request, problem; blank: any"
    )

    class Meta:
        model = RoutingRule
        fields = ["id", *ROUTING_RULE_FIELDS]
        read_only_fields = ["id"]
        # Uniqueness is checked by the service's full_clean (one 400 path, nothing written).
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}


class RoutingRuleWriteSerializer(RoutingRuleSerializer):
    """Create or change a routing rule: the fields of RoutingRuleSerializer that a person sets."""

    class Meta(RoutingRuleSerializer.Meta):
        fields = list(ROUTING_RULE_FIELDS)
        read_only_fields = []


class CommentSerializer(serializers.ModelSerializer):
    """A comment."""

    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = TicketComment
        fields = ["body", "internal", "author", "created_at"]
        read_only_fields = ["author", "created_at"]


class CatalogueItemSerializer(serializers.ModelSerializer):
    """A catalogue item with its form schema, approval and fulfilment tasks."""

    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    fulfilment_group: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = CatalogueItem
        fields = [
            "slug",
            "name",
            "department",
            "description",
            "form_schema",
            "requires_approval",
            "approver",
            "approver_role",
            "task_templates",
            "service",
            "category",
            "fulfilment_group",
            "active",
        ]


class CatalogueItemWriteSerializer(serializers.ModelSerializer):
    """Create or change a catalogue item (its form schema and tasks are checked by the model: 400 per field)."""

    name = serializers.CharField(max_length=160)
    slug = serializers.SlugField(max_length=160, required=False, allow_blank=True)
    department = serializers.ChoiceField(choices=Department.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    form_schema = serializers.JSONField(required=False, help_text="List of field specifications.")
    service = RestrictedSlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    fulfilment_group = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    requires_approval = serializers.BooleanField(required=False)
    approver = serializers.ChoiceField(choices=Approver.choices, required=False, allow_blank=True)
    approver_role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    task_templates = serializers.JSONField(required=False, help_text='[{"title": …, "group": team slug}]')
    active = serializers.BooleanField(required=False)

    class Meta:
        model = CatalogueItem
        fields = list(CATALOGUE_ITEM_FIELDS)


class SupportScheduleSerializer(serializers.ModelSerializer):
    """A support schedule: hours per weekday ({"mon": [["09:00", "17:00"]]}), zone, holidays, closures."""

    slug = serializers.SlugField(max_length=120, required=False)
    hours = serializers.JSONField(required=False)
    closures = serializers.JSONField(required=False)

    class Meta:
        model = SupportSchedule
        fields = list(SCHEDULE_FIELDS)


class SlaDefinitionSerializer(serializers.ModelSerializer):
    """An SLA definition: criteria, target in business seconds, schedule, pauses, thresholds, breach actions."""

    mode = serializers.SlugRelatedField(
        slug_field="key", queryset=Mode.objects.all(), required=False, allow_null=True
    )
    catalogue_item = serializers.SlugRelatedField(
        slug_field="slug", queryset=CatalogueItem.objects.all(), required=False, allow_null=True
    )
    schedule = serializers.SlugRelatedField(slug_field="slug", queryset=SupportSchedule.objects.all())
    escalation_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True
    )
    # Checked by the model (a plain string here keeps one TicketType enum in the OpenAPI schema).
    ticket_type = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="incident, request, problem; blank: any"
    )
    pause_statuses = serializers.ListField(
        child=serializers.ChoiceField(TicketStatus.choices), required=False
    )
    warning_thresholds = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=99), required=False
    )

    class Meta:
        model = SlaDefinition
        fields = ["id", *SLA_DEFINITION_FIELDS]
        read_only_fields = ["id"]
        # Uniqueness is checked by the service's full_clean (one 400 path, nothing written).
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}


class SlaDefinitionWriteSerializer(SlaDefinitionSerializer):
    """Create or change an SLA definition: the fields of SlaDefinitionSerializer that a person sets."""

    class Meta(SlaDefinitionSerializer.Meta):
        fields = list(SLA_DEFINITION_FIELDS)
        read_only_fields = []


class PriorityCellSerializer(serializers.Serializer):
    """One cell of the impact × urgency matrix."""

    impact = serializers.IntegerField(min_value=1, max_value=3, help_text="1 = high … 3 = low")
    urgency = serializers.IntegerField(min_value=1, max_value=3, help_text="1 = high … 3 = low")
    priority = serializers.ChoiceField(choices=Priority.choices)


class PriorityMatrixSerializer(serializers.Serializer):
    """The impact × urgency matrix (all nine cells when read; any cells when written)."""

    cells = PriorityCellSerializer(many=True)


class ChangeLinkSerializer(serializers.Serializer):
    """A change record by reference (only changes the caller may see)."""

    change = RestrictedSlugRelatedField(slug_field="reference", queryset=Change.objects.all())


class CatalogueRequestSerializer(serializers.Serializer):
    """Answers to a catalogue item's form (validated against its schema by the service)."""

    # The metaclass takes declared fields off the class, so this does not hide Serializer.data.
    data = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), help_text="Field name → value."
    )
    title = serializers.CharField(required=False, allow_blank=True, default="")


class NotificationSerializer(serializers.ModelSerializer):
    """An in-app notification (grouped: `count` of its kind about its object, the latest shown); `url` is
    empty and `available` false when the caller may no longer view what it is about."""

    available = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "url",
            "available",
            "count",
            "created_at",
            "updated_at",
            "read_at",
        ]

    def get_available(self, obj: Notification) -> bool:
        return obj.available

    def get_url(self, obj: Notification) -> str:
        return obj.url if obj.available else ""


class MarkedReadSerializer(serializers.Serializer):
    """How many notifications were marked read."""

    marked = serializers.IntegerField()


class AlertmanagerAlertSerializer(serializers.Serializer):
    """One alert of a notification, as Alertmanager's webhook_config documents it (fields we read)."""

    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000), default=dict
    )
    annotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10000), default=dict
    )
    startsAt = serializers.DateTimeField(required=False, allow_null=True, default_timezone=UTC)
    # Alertmanager sends "0001-01-01T00:00:00Z" for an alert still firing: kept as text, not read.
    endsAt = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)


class AlertmanagerPayloadSerializer(serializers.Serializer):
    """An Alertmanager webhook notification (version 4): checked before anything is read from it."""

    groupKey = serializers.CharField(max_length=500)
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    alerts = AlertmanagerAlertSerializer(many=True)
    commonLabels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000), default=dict
    )
    commonAnnotations = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10000), default=dict
    )
    groupLabels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000), default=dict
    )


class AlertmanagerResultSerializer(serializers.Serializer):
    """What the webhook did."""

    outcome = serializers.CharField()
    ticket = serializers.CharField(allow_null=True)

"""Serializers of the service-desk API (validation and shape only; services write)."""

from __future__ import annotations

from rest_framework import serializers

from bimodal.core.api.serializers import RestrictedSlugRelatedField, TeamRefSerializer, user_field
from bimodal.core.models import Notification, Team
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import Level, TicketStatus, TicketType
from bimodal.servicedesk.models import CatalogueItem, Category, SlaInstance, Ticket, TicketComment


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


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as read."""

    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    assignment_group = TeamRefSerializer(read_only=True, allow_null=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    catalogue_item = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    sla = SlaInstanceSerializer(source="sla_instances", many=True, read_only=True)

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
            "sla",
        ]


class TicketWriteSerializer(serializers.Serializer):
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


class TransitionSerializer(serializers.Serializer):
    """Move a ticket to another status."""

    status = serializers.ChoiceField(choices=TicketStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    resolution = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    """Assign a ticket."""

    group = RestrictedSlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    assignee = user_field(required=False, allow_null=True)


class CommentSerializer(serializers.ModelSerializer):
    """A comment."""

    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TicketComment
        fields = ["body", "internal", "author", "created_at"]
        read_only_fields = ["author", "created_at"]


class CatalogueItemSerializer(serializers.ModelSerializer):
    """A catalogue item with its form schema."""

    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = CatalogueItem
        fields = ["slug", "name", "department", "description", "form_schema", "requires_approval", "service"]


class CatalogueRequestSerializer(serializers.Serializer):
    """Answers to a catalogue item's form (validated against its schema by the service)."""

    data = serializers.DictField(child=serializers.JSONField(), help_text="Field name → value.")
    title = serializers.CharField(required=False, allow_blank=True, default="")


class NotificationSerializer(serializers.ModelSerializer):
    """An in-app notification."""

    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "url", "created_at", "read_at"]


class AlertmanagerResultSerializer(serializers.Serializer):
    """What the webhook did."""

    outcome = serializers.CharField()
    ticket = serializers.CharField(allow_null=True)

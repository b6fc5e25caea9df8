"""API views of the service desk: tickets (with workflow actions), catalogue, notifications, Alertmanager."""

from __future__ import annotations

import hmac

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet, UpdateViaServiceMixin
from bimodal.core.selectors import notification_list, with_links
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.api import serializers as s
from bimodal.servicedesk.filtersets import CatalogueItemFilterSet, TicketFilterSet
from bimodal.servicedesk.models import CatalogueItem, PriorityRule, SupportSchedule


class TicketViewSet(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Tickets the caller may see, by number; workflow steps are actions."""

    serializer_class = s.TicketSerializer
    write_serializer_class = s.TicketWriteSerializer
    filterset_class = TicketFilterSet
    lookup_field = "number"
    ordering_fields = ["opened_at", "priority"]
    action_perms = {
        "transition": ["servicedesk.view_ticket"],
        # Agents route their tickets, desk leads any they see: the services decide (403 otherwise).
        "assign": ["servicedesk.view_ticket"],
        "set_service": ["servicedesk.view_ticket"],
        "comment": ["servicedesk.add_ticketcomment"],
        "link_change": ["servicedesk.work_tickets"],
        "unlink_change": ["servicedesk.work_tickets"],
        "rate": ["servicedesk.view_ticket"],
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.ticket_api_list(user=self.request.user)
        return selectors.ticket_list(user=self.request.user)

    def create_object(self, data):
        return services.ticket_create(actor=self.request.user, **data)

    @extend_schema(request=s.TicketTransitionSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, number=None):
        """Change the status along an allowed transition."""
        ticket = self.get_object()
        data = self._valid(s.TicketTransitionSerializer)
        return self.read_response(services.ticket_transition(actor=request.user, ticket=ticket, **data))

    @extend_schema(request=s.AssignSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, number=None):
        """Assign to a group (or supplier queue) and member."""
        ticket = self._routable()
        data = self._valid(s.AssignSerializer)
        return self.read_response(services.ticket_assign(actor=request.user, ticket=ticket, **data))

    @extend_schema(request=s.SetServiceSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="set-service")
    def set_service(self, request, number=None):
        """Move to another service; routing runs again unless a person chose the group."""
        ticket = self._routable()
        data = self._valid(s.SetServiceSerializer)
        return self.read_response(services.ticket_set_service(actor=request.user, ticket=ticket, **data))

    @extend_schema(request=s.CommentSerializer, responses=s.CommentSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, number=None):
        """Add a public comment or an internal note."""
        ticket = self.get_object()
        data = self._valid(s.CommentSerializer)
        comment = services.ticket_comment(actor=request.user, ticket=ticket, **data)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ChangeLinkSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="link-change")
    def link_change(self, request, number=None):
        """Link a change the caller may see (by reference, e.g. CHG-000123)."""
        ticket = self.get_object()
        data = self._valid(s.ChangeLinkSerializer)
        return self.read_response(services.ticket_link_change(actor=request.user, ticket=ticket, **data))

    @extend_schema(request=s.ChangeLinkSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="unlink-change")
    def unlink_change(self, request, number=None):
        """Remove a linked change."""
        ticket = self.get_object()
        data = self._valid(s.ChangeLinkSerializer)
        return self.read_response(services.ticket_unlink_change(actor=request.user, ticket=ticket, **data))

    def _routable(self):
        """The ticket, if the caller may route it (checked before the input, so a denial is a 403)."""
        ticket = self.get_object()
        if not selectors.may_route(ticket, user=self.request.user):
            raise PermissionDenied("You may not route this ticket.")
        return ticket

    @extend_schema(request=s.RateSerializer, responses={201: s.SatisfactionSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, number=None):
        """Answer the survey of a resolved ticket (its requester, once): a rating from 1 to 5 and a comment."""
        ticket = self.get_object()
        data = self._valid(s.RateSerializer)
        answer = services.ticket_rate(actor=request.user, ticket=ticket, **data)
        return Response(s.SatisfactionSerializer(answer).data, status=status.HTTP_201_CREATED)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CatalogueItemViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """The request catalogue; `request` submits a request for an item. Administrators create and change items."""

    serializer_class = s.CatalogueItemSerializer
    write_serializer_class = s.CatalogueItemWriteSerializer
    filterset_class = CatalogueItemFilterSet
    lookup_field = "slug"
    ordering_fields = ["department", "name"]
    action_perms = {"submit": ["servicedesk.view_catalogueitem", "servicedesk.add_ticket"]}

    def get_queryset(self):
        return CatalogueItem.objects.restrict(self.request.user, "view").select_related(
            "service", "category", "fulfilment_group"
        )

    def create_object(self, data):
        return services.catalogue_item_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.catalogue_item_update(actor=self.request.user, item=instance, **data)

    @extend_schema(request=s.CatalogueRequestSerializer, responses={201: s.TicketSerializer})
    @action(detail=True, methods=["post"], url_path="request")
    def submit(self, request, slug=None):
        """Request this item: answers are validated against its form (400 with field errors)."""
        item = self.get_object()
        serializer = s.CatalogueRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = services.request_submit(actor=request.user, item=item, **serializer.validated_data)
        ticket = selectors.ticket_list(user=request.user).get(pk=ticket.pk)
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's in-app notifications, newest first; `read` and `read-all` mark them read."""

    serializer_class = s.NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = {"read_at": ["isnull"]}

    def get_queryset(self):
        return notification_list(user=self.request.user)

    def get_serializer(self, *args, **kwargs):
        # Whether each one's object is still visible: one query per kind of object for the whole page.
        if args:
            rows = args[0]
            many = kwargs.get("many", False)
            marked = with_links(user=self.request.user, rows=rows if many else [rows])
            args = (marked if many else marked[0], *args[1:])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = services.notification_mark_read(actor=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=s.MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all of the caller's notifications read."""
        return Response({"marked": services.notification_mark_all_read(actor=request.user)})


class SupportScheduleViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Support schedules (administrators write; agents read)."""

    serializer_class = s.SupportScheduleSerializer
    write_serializer_class = s.SupportScheduleSerializer
    lookup_field = "slug"
    ordering_fields = ["name"]

    def get_queryset(self):
        return SupportSchedule.objects.restrict(self.request.user, "view")

    def create_object(self, data):
        return services.schedule_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.schedule_update(actor=self.request.user, schedule=instance, **data)


class SlaDefinitionViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """SLA definitions (administrators write; agents read)."""

    serializer_class = s.SlaDefinitionSerializer
    write_serializer_class = s.SlaDefinitionWriteSerializer
    ordering_fields = ["target", "name"]
    filterset_fields = ["target", "active"]

    def get_queryset(self):
        return selectors.admin_definitions(user=self.request.user)

    def create_object(self, data):
        return services.sla_definition_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.sla_definition_update(actor=self.request.user, definition=instance, **data)


class RoutingRuleViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Routing rules (administrators and governance leads write; agents read)."""

    serializer_class = s.RoutingRuleSerializer
    write_serializer_class = s.RoutingRuleWriteSerializer
    ordering_fields = ["order", "name"]
    filterset_fields = ["active"]

    def get_queryset(self):
        return selectors.admin_routing_rules(user=self.request.user)

    def create_object(self, data):
        return services.routing_rule_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.routing_rule_update(actor=self.request.user, rule=instance, **data)


def _cells() -> dict:
    matrix = services.priority_matrix()
    return {"cells": [{"impact": i, "urgency": u, "priority": p} for (i, u), p in sorted(matrix.items())]}


class PriorityMatrixView(APIView):
    """The impact × urgency → priority matrix: GET it; PUT any cells (administrators)."""

    queryset = PriorityRule.objects.all()  # for the role permission: view / change_priorityrule

    @extend_schema(responses=s.PriorityMatrixSerializer)
    def get(self, request):
        return Response(_cells())

    @extend_schema(request=s.PriorityMatrixSerializer, responses=s.PriorityMatrixSerializer)
    def put(self, request):
        serializer = s.PriorityMatrixSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        matrix = {(c["impact"], c["urgency"]): c["priority"] for c in serializer.validated_data["cells"]}
        services.priority_matrix_set(actor=request.user, matrix=matrix)
        return Response(_cells())


class AlertmanagerWebhookView(APIView):
    """Prometheus Alertmanager webhook: `Authorization: Bearer <secret>`; one incident per alert group."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.AlertmanagerPayloadSerializer,
        responses={
            200: s.AlertmanagerResultSerializer,
            201: s.AlertmanagerResultSerializer,
            503: OpenApiResponse(description="Not configured: BIMODAL_ALERTMANAGER_SECRET is empty."),
        },
        parameters=[
            OpenApiParameter(
                "Authorization", str, OpenApiParameter.HEADER, description="Bearer <shared secret>"
            )
        ],
    )
    def post(self, request):
        secret = services.alertmanager_secret()
        if not secret:
            return Response({"detail": "The Alertmanager webhook is not configured."}, status=503)
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        sent = sent or request.headers.get("X-Bimodal-Token", "")
        if not hmac.compare_digest(sent.encode(), secret.encode()):
            return Response({"detail": "Invalid or missing shared secret."}, status=401)
        # Checked before anything is read: labels and annotations are text without NUL characters,
        # timestamps real dates; a payload that is not one is a 400 naming the field.
        body = s.AlertmanagerPayloadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket, outcome = services.alertmanager_ingest(payload=dict(body.validated_data))
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response({"outcome": outcome, "ticket": ticket.number if ticket else None}, status=code)

"""API views of the service desk: tickets (with workflow actions), catalogue, notifications, Alertmanager."""

from __future__ import annotations

import hmac

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet
from bimodal.core.models import Notification
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.api import serializers as s
from bimodal.servicedesk.filtersets import CatalogueItemFilterSet, TicketFilterSet
from bimodal.servicedesk.models import CatalogueItem


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
        "assign": ["servicedesk.work_tickets"],
        "comment": ["servicedesk.add_ticketcomment"],
    }

    def get_queryset(self):
        return selectors.ticket_list(user=self.request.user)

    def create_object(self, data):
        return services.ticket_create(actor=self.request.user, **data)

    @extend_schema(request=s.TransitionSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, number=None):
        """Change the status along an allowed transition."""
        ticket = self.get_object()
        data = self._valid(s.TransitionSerializer)
        return self.read_response(services.ticket_transition(actor=request.user, ticket=ticket, **data))

    @extend_schema(request=s.AssignSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, number=None):
        """Assign to a group (or supplier queue) and member."""
        ticket = self.get_object()
        data = self._valid(s.AssignSerializer)
        return self.read_response(services.ticket_assign(actor=request.user, ticket=ticket, **data))

    @extend_schema(request=s.CommentSerializer, responses=s.CommentSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, number=None):
        """Add a public comment or an internal note."""
        ticket = self.get_object()
        data = self._valid(s.CommentSerializer)
        comment = services.ticket_comment(actor=request.user, ticket=ticket, **data)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CatalogueItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """The request catalogue; `request` submits a request for an item."""

    serializer_class = s.CatalogueItemSerializer
    filterset_class = CatalogueItemFilterSet
    lookup_field = "slug"
    ordering_fields = ["department", "name"]
    action_perms = {"submit": ["servicedesk.view_catalogueitem", "servicedesk.add_ticket"]}

    def get_queryset(self):
        return CatalogueItem.objects.restrict(self.request.user, "view").select_related("service")

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
    """The caller's in-app notifications, newest first."""

    serializer_class = s.NotificationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Notification.objects.restrict(self.request.user, "view")


class AlertmanagerWebhookView(APIView):
    """Prometheus Alertmanager webhook: `Authorization: Bearer <secret>`; one incident per alert group."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=dict,
        responses={200: s.AlertmanagerResultSerializer, 201: s.AlertmanagerResultSerializer},
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
        payload = request.data if isinstance(request.data, dict) else {}
        ticket, outcome = services.alertmanager_ingest(payload=payload)
        code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
        return Response({"outcome": outcome, "ticket": ticket.number if ticket else None}, status=code)

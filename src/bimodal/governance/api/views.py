"""API views of the governance app: forums, versioned policies and the policy try-out, decision types,
decision rights, decision requests (+ decide, withdraw, route preview), meetings (+ build-agenda,
attendance, minutes) and the minimum viable bureaucracy report."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bimodal.core.api.views import (
    CreateViaServiceMixin,
    DestroyViaServiceMixin,
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
)
from bimodal.governance import routing, selectors, services
from bimodal.governance.api import serializers as s
from bimodal.governance.filtersets import DecisionRequestFilterSet, DecisionRightFilterSet, MeetingFilterSet
from bimodal.governance.models import DecisionRequest, DecisionRight, DecisionType, Forum, Meeting, Policy


class ForumViewSet(viewsets.ReadOnlyModelViewSet):
    """Forums (CAB, boards) and their members."""

    serializer_class = s.ForumSerializer
    lookup_field = "slug"
    filterset_fields = ["kind"]

    def get_queryset(self):
        return (
            Forum.objects.restrict(self.request.user, "view")
            .select_related("chair")
            .prefetch_related("members")
        )


class PolicyViewSet(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Policies by key (current version); PATCH stores a new version; versions/ lists the history."""

    serializer_class = s.PolicySerializer
    write_serializer_class = s.PolicyWriteSerializer
    lookup_field = "key"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["effect", "policy_set", "enabled"]
    ordering_fields = ["priority", "key"]
    action_perms = {"try_policy": ["governance.view_policy"]}

    def get_queryset(self):
        return (
            Policy.objects.restrict(self.request.user, "view")
            .current()
            .select_related("approver_forum", "created_by")
        )

    def create_object(self, data):
        data.pop("reason", None)
        return services.policy_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("key", None)
        return services.policy_update(actor=self.request.user, policy=instance, **data)

    @extend_schema(
        responses=s.PolicySerializer(many=True),
        filters=False,
        parameters=[OpenApiParameter("key", str, "path")],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, key=None):
        """Every version of the policy, newest first."""
        policy = self.get_object()
        rows = (
            Policy.objects.restrict(request.user, "view")
            .filter(key=policy.key)
            .select_related("approver_forum", "created_by")
            .order_by("-version")
        )
        return Response(s.PolicySerializer(rows, many=True).data)

    @extend_schema(request=s.PolicyTrySerializer, responses=s.DecisionSerializer, filters=False)
    @action(detail=False, methods=["post"], url_path="try", pagination_class=None, filter_backends=[])
    def try_policy(self, request):
        """Evaluate a draft policy with the current ones against an example change; nothing is saved."""
        serializer = s.PolicyTrySerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data["policy"])
        fields.pop("reason", None)
        key = fields.pop("key", "") or "draft"
        draft = Policy(key=key, version=0, **fields)
        context = serializer.validated_data.get("context") or s.ContextSerializer(data={}).run_validation({})
        return Response(services.policy_try(draft=draft, context=context))


class DecisionTypeViewSet(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Decision types by key; governance leads add them and change their thresholds."""

    serializer_class = s.DecisionTypeSerializer
    write_serializer_class = s.DecisionTypeWriteSerializer
    lookup_field = "key"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["default_forum_kind"]

    def get_queryset(self):
        return DecisionType.objects.restrict(self.request.user, "view").order_by("order", "name")

    def create_object(self, data):
        return services.decision_type_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("key", None)
        return services.decision_type_update(actor=self.request.user, decision_type=instance, **data)


class DecisionRightViewSet(
    CreateViaServiceMixin,
    PartialUpdateViaServiceMixin,
    DestroyViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """RACI cells: POST sets a party's letter (creating or changing the right), PATCH changes the
    letter, DELETE removes the right. A decision type has at most one A per org unit."""

    serializer_class = s.DecisionRightSerializer
    filterset_class = DecisionRightFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "create":
            return s.DecisionRightWriteSerializer
        if self.action in {"update", "partial_update"}:
            return s.DecisionRightPatchSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return DecisionRight.objects.restrict(self.request.user, "view").select_related(
            "decision_type", "org_unit", "forum", "team"
        )

    def create_object(self, data):
        right = services.decision_right_set(actor=self.request.user, **data)
        return right

    def update_object(self, instance, data):
        if "raci" not in data:  # PATCH {}: nothing to change
            return instance
        return services.decision_right_set(
            actor=self.request.user,
            decision_type=instance.decision_type,
            org_unit=instance.org_unit,
            party=instance.party,
            raci=data["raci"],
        )

    def destroy_object(self, instance):
        services.decision_right_remove(actor=self.request.user, right=instance)


class DecisionRequestViewSet(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Decision requests: POST opens one (routed by the server); decide/ records the decision (only a
    holder of the decision right, never the requester); withdraw/; route/ previews a route."""

    serializer_class = s.DecisionRequestSerializer
    write_serializer_class = s.DecisionRequestWriteSerializer
    filterset_class = DecisionRequestFilterSet
    ordering_fields = ["requested_at", "decided_at", "amount"]
    action_perms = {
        "decide": ["governance.view_decisionrequest"],
        "withdraw": ["governance.view_decisionrequest"],
        "route": ["governance.view_decisionrequest"],
    }

    def get_queryset(self):
        return (
            DecisionRequest.objects.restrict(self.request.user, "view")
            .with_related()
            .select_related("content_type")
        )

    def create_object(self, data):
        data["decision_type"] = data["decision_type"].key
        return services.decision_request_open(actor=self.request.user, **data)

    @extend_schema(request=s.DecideSerializer, responses=s.DecisionRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve or reject the request."""
        decision = self.get_object()
        serializer = s.DecideSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        decision = services.decision_record(actor=request.user, request=decision, **serializer.validated_data)
        return self.read_response(decision)

    @extend_schema(request=s.WithdrawSerializer, responses=s.DecisionRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a pending request (its requester or a governance lead)."""
        decision = self.get_object()
        serializer = s.WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.decision_request_withdraw(
            actor=request.user, request=decision, reason=serializer.validated_data["reason"]
        )
        return self.read_response(decision)

    @extend_schema(request=s.RoutePreviewSerializer, responses=s.RouteSerializer, filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def route(self, request):
        """Where a decision would be routed (nothing is saved)."""
        serializer = s.RoutePreviewSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        computed = routing.route(
            decision_type=data["decision_type"], org_unit=data.get("org_unit"), amount=data.get("amount")
        )
        return Response(computed.to_dict())


class MeetingViewSet(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Forum meetings: POST plans one; build-agenda/ adds pending decisions and providers' items;
    attendance/ records who attends (quorum); minutes/ records the minutes (the meeting is then held)."""

    serializer_class = s.MeetingSerializer
    write_serializer_class = s.MeetingWriteSerializer
    filterset_class = MeetingFilterSet
    ordering_fields = ["scheduled_for"]
    action_perms = {
        "create": ["governance.view_meeting"],
        "build_agenda": ["governance.view_meeting"],
        "attendance": ["governance.view_meeting"],
        "minutes": ["governance.view_meeting"],
    }

    def get_queryset(self):
        return (
            Meeting.objects.restrict(self.request.user, "view")
            .with_related()
            .prefetch_related("attendees", "agenda_items")
        )

    def create_object(self, data):
        return services.meeting_create(actor=self.request.user, **data)

    @extend_schema(request=None, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="build-agenda")
    def build_agenda(self, request, pk=None):
        """Build the agenda from pending decisions and agenda providers."""
        meeting = self.get_object()
        services.meeting_build_agenda(actor=request.user, meeting=meeting)
        return self.read_response(meeting)

    @extend_schema(request=s.AttendanceSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        """Record who attends; quorum is recomputed."""
        meeting = self.get_object()
        serializer = s.AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.meeting_record_attendance(
            actor=request.user, meeting=meeting, **serializer.validated_data
        )
        return self.read_response(meeting)

    @extend_schema(request=s.MinutesSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        """Record the minutes (and the attendance, if given)."""
        meeting = self.get_object()
        serializer = s.MinutesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.meeting_record_minutes(
            actor=request.user, meeting=meeting, **serializer.validated_data
        )
        return self.read_response(meeting)


class CanViewDecisions(IsAuthenticated):
    """Signed in with the permission to see decision requests."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            "governance.view_decisionrequest"
        )


class BureaucracyReportView(APIView):
    """The minimum viable bureaucracy report: per decision type and mode, requests, approval steps (mean,
    median) and lead time from request to decision (median, 90th percentile, hours)."""

    permission_classes = [CanViewDecisions]

    @extend_schema(responses=s.ReportRowSerializer(many=True))
    def get(self, request):
        rows = selectors.bureaucracy_report(user=request.user)
        return Response(s.ReportRowSerializer(rows, many=True).data, status=status.HTTP_200_OK)

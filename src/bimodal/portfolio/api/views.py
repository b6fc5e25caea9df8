"""API views of the portfolio: services, dependencies, modes, capabilities and regulatory tags."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from bimodal.core.api.views import (
    CreateViaServiceMixin,
    DestroyViaServiceMixin,
    PartialUpdateViaServiceMixin,
    ServiceBackedViewSet,
    UpdateViaServiceMixin,
)
from bimodal.portfolio import bulk, selectors, services
from bimodal.portfolio.api import serializers as s
from bimodal.portfolio.filtersets import (
    AssessmentFilterSet,
    ModeFilterSet,
    PathwayFilterSet,
    ProposalFilterSet,
    ServiceDependencyFilterSet,
    ServiceFilterSet,
)
from bimodal.portfolio.models import (
    BusinessCapability,
    Questionnaire,
    RegulatoryTag,
    Service,
    ServiceDependency,
)


class ServiceViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """The service catalogue: the services the caller can see, by slug."""

    serializer_class = s.ServiceSerializer
    write_serializer_class = s.ServiceWriteSerializer
    filterset_class = ServiceFilterSet
    ordering_fields = ["name", "criticality", "updated_at"]
    lookup_field = "slug"
    action_perms = {"change_mode": ["portfolio.view_service", "portfolio.reclassify_service"]}

    def get_queryset(self):
        return Service.objects.restrict(self.request.user, "view").with_related()

    def create_object(self, data):
        return services.service_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.service_update(actor=self.request.user, service=instance, **data)

    @extend_schema(request=s.ChangeModeSerializer, responses=s.ServiceSerializer)
    @action(detail=True, methods=["post"])
    def change_mode(self, request, slug=None):
        """Move the service to another mode (governance leads and administrators), with a reason."""
        service = self.get_object()
        serializer = s.ChangeModeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        changed = services.service_change_mode(
            actor=request.user, service=service, **serializer.validated_data
        )
        return self.read_response(changed)

    @extend_schema(responses=s.BlastRadiusEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def blast_radius(self, request, slug=None):
        """Every visible service that depends on this one, directly or transitively, nearest first."""
        rows = selectors.blast_radius(self.get_object(), user=request.user)
        data = [{"slug": svc.slug, "name": svc.name, "mode": svc.mode, "distance": d} for svc, d in rows]
        return Response(s.BlastRadiusEntrySerializer(data, many=True).data)

    @extend_schema(responses=s.ServiceDependenciesSerializer, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def dependencies(self, request, slug=None):
        """What this service depends on and what depends on it (visible edges only)."""
        depends_on, used_by = selectors.service_dependencies(self.get_object(), user=request.user)
        return Response(s.ServiceDependenciesSerializer({"depends_on": depends_on, "used_by": used_by}).data)


class ServiceDependencyViewSet(
    CreateViaServiceMixin,
    DestroyViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Dependency edges between services; a cycle or a duplicate edge is refused."""

    serializer_class = s.ServiceDependencySerializer
    write_serializer_class = s.ServiceDependencyWriteSerializer
    filterset_class = ServiceDependencyFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return ServiceDependency.objects.restrict(self.request.user, "view").select_related(
            "source__mode", "target__mode"
        )

    def create_object(self, data):
        return services.dependency_add(actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.dependency_remove(actor=self.request.user, dependency=instance)


class ModeViewSet(
    PartialUpdateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """The operating modes and their governance profiles, by key."""

    serializer_class = s.ModeSerializer
    filterset_class = ModeFilterSet
    lookup_field = "key"
    ordering_fields = ["order", "name"]

    def get_queryset(self):
        return selectors.mode_list(user=self.request.user)

    def update_object(self, instance, data):
        return services.mode_update(actor=self.request.user, mode=instance, **data)


class BusinessCapabilityViewSet(viewsets.ReadOnlyModelViewSet):
    """Business capabilities (read-only)."""

    serializer_class = s.BusinessCapabilitySerializer
    filterset_fields = ["name"]

    def get_queryset(self):
        return BusinessCapability.objects.restrict(self.request.user, "view").select_related("parent")


class RegulatoryTagViewSet(viewsets.ReadOnlyModelViewSet):
    """Regulations and standards services can be in scope of (read-only)."""

    serializer_class = s.RegulatoryTagSerializer
    filterset_fields = ["name"]

    def get_queryset(self):
        return RegulatoryTag.objects.restrict(self.request.user, "view")


# --- assessment, proposals, pathways -------------------------------------------------------------------


class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaire versions with their criteria, by version number."""

    serializer_class = s.QuestionnaireSerializer
    lookup_field = "version"
    filterset_fields = ["status"]

    def get_queryset(self):
        return Questionnaire.objects.restrict(self.request.user, "view").prefetch_related("criteria")


class AssessmentViewSet(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Assessments of services; POST scores answers with the published questionnaire and records them."""

    serializer_class = s.AssessmentSerializer
    write_serializer_class = s.AssessmentWriteSerializer
    filterset_class = AssessmentFilterSet
    ordering_fields = ["assessed_at", "confidence"]
    action_perms = {"classify": ["portfolio.view_questionnaire"]}

    def get_queryset(self):
        return selectors.assessment_list(user=self.request.user)

    def create_object(self, data):
        return services.assessment_record(actor=self.request.user, **data)

    @extend_schema(request=s.ClassifySerializer, responses=s.AssessmentSerializer(many=True), filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def classify(self, request):
        """Bulk classification: answers and/or attributes in, recommendation and rationale out (nothing stored).

        A row's explicit answers win over those derived from its attributes. Bad rows are reported by index
        with a 400 and no results."""
        serializer = s.ClassifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(bulk.classify_rows(serializer.validated_data["rows"]))


class ProposalViewSet(
    CreateViaServiceMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet
):
    """Reclassification proposals; whoever holds the `reclassify_service` decision right on the
    proposal's governance route accepts or rejects them (403 with the reason otherwise)."""

    serializer_class = s.ProposalSerializer
    write_serializer_class = s.ProposalWriteSerializer
    filterset_class = ProposalFilterSet
    ordering_fields = ["created_at"]
    # Deciding follows the decision rights on the proposal's governance route (services check them).
    decide = ["portfolio.view_reclassificationproposal"]
    action_perms = {"accept": decide, "reject": decide}

    def get_queryset(self):
        return selectors.proposal_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        """Open a proposal (the reason is the proposal's own, not an audit note)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = services.proposal_create(actor=request.user, **serializer.validated_data)
        return self.read_response(proposal, status.HTTP_201_CREATED)

    @extend_schema(request=s.DecisionSerializer, responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept: the service moves to the proposed mode, with the proposal's reason."""
        serializer = s.DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = services.proposal_accept(
            actor=request.user, proposal=self.get_object(), note=serializer.validated_data["note"]
        )
        return self.read_response(proposal)

    @extend_schema(request=s.DecisionSerializer, responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject, with a note saying why."""
        serializer = s.DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = services.proposal_reject(
            actor=request.user, proposal=self.get_object(), note=serializer.validated_data["note"]
        )
        return self.read_response(proposal)


class PathwayViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Migration pathways with steps, readiness criteria, progress and blockers.

    Owners of the service (its team, its service owner), the pathway's owner and governance leads plan
    and change pathways; the workflow steps are actions."""

    serializer_class = s.PathwaySerializer
    write_serializer_class = s.PathwayWriteSerializer
    filterset_class = PathwayFilterSet
    ordering_fields = ["target_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_perms = {
        "add_step": ["portfolio.view_migrationpathway", "portfolio.add_pathwaystep"],
        "update_step": ["portfolio.view_migrationpathway", "portfolio.change_pathwaystep"],
        "add_criterion": ["portfolio.view_migrationpathway", "portfolio.add_readinesscriterion"],
        "meet_criterion": ["portfolio.view_migrationpathway", "portfolio.change_readinesscriterion"],
        "set_status": ["portfolio.view_migrationpathway", "portfolio.change_migrationpathway"],
    }

    def get_queryset(self):
        return selectors.pathway_list(user=self.request.user).prefetch_related("steps__owner", "readiness")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.PathwayUpdateSerializer
        return super().get_serializer_class()

    def create_object(self, data):
        return services.pathway_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.pathway_update(actor=self.request.user, pathway=instance, **data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.PathwayStepWriteSerializer, responses={201: s.PathwaySerializer})
    @action(detail=True, methods=["post"])
    def add_step(self, request, pk=None):
        """Add a step (title, owner, due date, status, blocker) at the end of the pathway."""
        pathway = self.get_object()
        data = self._valid(s.PathwayStepWriteSerializer)
        services.pathway_step_add(actor=request.user, pathway=pathway, **data)
        return self.read_response(pathway, status.HTTP_201_CREATED)

    @extend_schema(request=s.PathwayStepUpdateSerializer, responses=s.PathwaySerializer)
    @action(detail=True, methods=["post"])
    def update_step(self, request, pk=None):
        """Change one step: its status (done, blocked …), blocker, owner, due date or title."""
        pathway = self.get_object()
        data = self._valid(s.PathwayStepUpdateSerializer)
        step = pathway.steps.filter(pk=data.pop("step")).first()
        if step is None:
            raise ValidationError({"step": ["Not a step of this pathway."]})
        services.pathway_step_update(actor=request.user, step=step, **data)
        return self.read_response(pathway)

    @extend_schema(request=s.ReadinessWriteSerializer, responses={201: s.PathwaySerializer})
    @action(detail=True, methods=["post"])
    def add_criterion(self, request, pk=None):
        """Add a readiness criterion (e.g. "deployment automation in place")."""
        pathway = self.get_object()
        data = self._valid(s.ReadinessWriteSerializer)
        services.readiness_add(actor=request.user, pathway=pathway, **data)
        return self.read_response(pathway, status.HTTP_201_CREATED)

    @extend_schema(request=s.ReadinessMeetSerializer, responses=s.PathwaySerializer)
    @action(detail=True, methods=["post"])
    def meet_criterion(self, request, pk=None):
        """Mark a readiness criterion met (with evidence), or met=false to reopen it."""
        pathway = self.get_object()
        data = self._valid(s.ReadinessMeetSerializer)
        criterion = pathway.readiness.filter(pk=data.pop("criterion")).first()
        if criterion is None:
            raise ValidationError({"criterion": ["Not a readiness criterion of this pathway."]})
        services.readiness_update(actor=request.user, criterion=criterion, **data)
        return self.read_response(pathway)

    @extend_schema(request=s.PathwayStatusSerializer, responses=s.PathwaySerializer)
    @action(detail=True, methods=["post"])
    def set_status(self, request, pk=None):
        """Move the pathway along planned → in progress ⇄ blocked → completed (or cancel it)."""
        pathway = self.get_object()
        data = self._valid(s.PathwayStatusSerializer)
        services.pathway_set_status(actor=request.user, pathway=pathway, **data)
        return self.read_response(pathway)

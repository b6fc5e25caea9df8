"""API views of the suppliers app: suppliers (with scorecards), contracts, hand-offs and MSP evaluations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet, UpdateViaServiceMixin
from bimodal.servicedesk.models import TicketHandoff
from bimodal.suppliers import scorecards, selectors, services
from bimodal.suppliers.api import serializers as s
from bimodal.suppliers.filtersets import ContractFilterSet, EvaluationFilterSet, SupplierFilterSet
from bimodal.suppliers.models import MspCandidate, MspEvaluation, MspRequirement, Supplier

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The row's id.")
_REASON = OpenApiParameter("reason", str, description="Why it is removed (kept in the audit log).")
_SUPPLIER = OpenApiParameter("supplier", str, OpenApiParameter.PATH, description="The candidate's supplier.")
_SKILL = OpenApiParameter("skill", str, OpenApiParameter.PATH, description="The required skill.")


def _reason(request) -> str:
    reason = request.query_params.get("reason", "")
    if len(reason) > 200:
        raise ValidationError({"reason": "Keep the reason under 200 characters."})
    return reason


def _row(queryset, id: str):
    """The row of `queryset` with this id (from the URL): 404 when there is none, or the id is no number."""
    if not (id.isascii() and id.isdigit()):
        raise NotFound
    return get_object_or_404(queryset, pk=int(id))


class SupplierViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Suppliers the caller can see (a supplier agent sees only their own), by slug; `scorecard` per period."""

    serializer_class = s.SupplierSerializer
    write_serializer_class = s.SupplierWriteSerializer
    filterset_class = SupplierFilterSet
    lookup_field = "slug"
    ordering_fields = ["name", "tier"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    action_perms = {
        "contacts": ["suppliers.view_suppliercontact"],
        "contact_add": ["suppliers.add_suppliercontact"],
        "contact_remove": ["suppliers.delete_suppliercontact"],
        "certifications": ["suppliers.view_suppliercertification"],
        "certification_add": ["suppliers.add_suppliercertification"],
        "certification_remove": ["suppliers.delete_suppliercertification"],
    }

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user, "view").prefetch_related("categories", "skills")

    def create_object(self, data):
        return services.supplier_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.supplier_update(actor=self.request.user, supplier=instance, **data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(responses=s.ContactSerializer(many=True))
    @action(detail=True, methods=["get"])
    def contacts(self, request, slug=None):
        """The supplier's contacts, first escalation level first."""
        supplier = self.get_object()
        rows = supplier.contacts.restrict(request.user, "view")
        return Response(s.ContactSerializer(rows, many=True).data)

    @extend_schema(request=s.ContactWriteSerializer, responses={201: s.ContactSerializer})
    @contacts.mapping.post
    def contact_add(self, request, slug=None):
        """Add a contact: name, role, email, phone and escalation level (1 is called first)."""
        supplier = self.get_object()
        contact = services.contact_add(
            actor=request.user, supplier=supplier, **self._valid(s.ContactWriteSerializer)
        )
        return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[_ID, _REASON], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"contacts/(?P<id>[^/.]+)")
    def contact_remove(self, request, slug=None, id=None):
        """Remove a contact (`reason`, optional, goes to the audit log)."""
        supplier = self.get_object()
        contact = _row(supplier.contacts.restrict(request.user, "view"), id)
        services.contact_remove(actor=request.user, contact=contact, reason=_reason(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=s.CertificationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def certifications(self, request, slug=None):
        """The supplier's certifications, with whether each has expired or expires within 90 days."""
        supplier = self.get_object()
        rows = supplier.certifications.restrict(request.user, "view")
        return Response(s.CertificationSerializer(rows, many=True).data)

    @extend_schema(request=s.CertificationWriteSerializer, responses={201: s.CertificationSerializer})
    @certifications.mapping.post
    def certification_add(self, request, slug=None):
        """Record a certification: standard, issuer, reference, validity and a link to the evidence."""
        supplier = self.get_object()
        certification = services.certification_add(
            actor=request.user, supplier=supplier, **self._valid(s.CertificationWriteSerializer)
        )
        return Response(s.CertificationSerializer(certification).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[_ID, _REASON], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"certifications/(?P<id>[^/.]+)")
    def certification_remove(self, request, slug=None, id=None):
        """Remove a certification (`reason`, optional, goes to the audit log)."""
        supplier = self.get_object()
        certification = _row(supplier.certifications.restrict(request.user, "view"), id)
        services.certification_remove(
            actor=request.user, certification=certification, reason=_reason(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("start", str), OpenApiParameter("end", str)],
        responses=s.ScorecardSerializer,
    )
    @action(detail=True, methods=["get"])
    def scorecard(self, request, slug=None):
        """The scorecard for [start, end] (ISO dates, inclusive; default: last month)."""
        if not request.user.has_perm("suppliers.view_scorecard"):
            raise PermissionDenied
        supplier = self.get_object()
        period = s.PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        start, end = scorecards.default_period()
        start = period.validated_data.get("start", start)
        end = period.validated_data.get("end", end)
        if end < start:
            raise ValidationError({"end": "The period ends before it starts."})
        return Response(s.ScorecardSerializer(scorecards.compute(supplier, start, end)).data)


class ContractViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """Contracts by reference; status changes, renewals and targets are actions."""

    serializer_class = s.ContractSerializer
    write_serializer_class = s.ContractWriteSerializer
    filterset_class = ContractFilterSet
    lookup_field = "reference"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["end_date", "reference"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_perms = {
        "transition": ["suppliers.change_contract"],
        "renew": ["suppliers.change_contract"],
        "set_target": ["suppliers.change_contract"],
    }

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user).prefetch_related(
            "services", "catalogue_items", "targets__definition"
        )

    def create_object(self, data):
        return services.contract_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.contract_update(actor=self.request.user, contract=instance, **data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.ContractTransitionSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, reference=None):
        """Activate, expire or terminate."""
        contract = self.get_object()
        data = self._valid(s.ContractTransitionSerializer)
        return self.read_response(services.contract_transition(actor=request.user, contract=contract, **data))

    @extend_schema(request=s.RenewSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request, reference=None):
        """Extend to a new end date (and value)."""
        contract = self.get_object()
        data = self._valid(s.RenewSerializer)
        return self.read_response(services.contract_renew(actor=request.user, contract=contract, **data))

    @extend_schema(request=s.TargetWriteSerializer, responses=s.ContractSerializer)
    @action(detail=True, methods=["post"], url_path="targets")
    def set_target(self, request, reference=None):
        """Set a contracted target (business minutes) and its credit per breach for a priority."""
        contract = self.get_object()
        data = self._valid(s.TargetWriteSerializer)
        services.contract_set_target(actor=request.user, contract=contract, **data)
        return self.read_response(contract)


class HandoffViewSet(viewsets.ReadOnlyModelViewSet):
    """Hand-offs of the tickets the caller may see (filter by ticket number or supplier slug)."""

    serializer_class = s.HandoffSerializer
    filterset_fields = {"ticket__number": ["exact"], "to_supplier__slug": ["exact"]}
    ordering_fields = ["at"]

    def get_queryset(self):

        return TicketHandoff.objects.restrict(self.request.user, "view").select_related(
            "ticket", "actor", "from_team", "to_team", "from_supplier", "to_supplier"
        )


class EvaluationViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """MSP evaluations with weighted scores; candidates and the decision are actions."""

    serializer_class = s.EvaluationSerializer
    write_serializer_class = s.EvaluationWriteSerializer
    filterset_class = EvaluationFilterSet
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_perms = {
        "candidates": ["suppliers.change_mspevaluation"],
        "candidate_update": ["suppliers.change_mspevaluation"],
        "candidate_remove": ["suppliers.change_mspevaluation"],
        "requirements": ["suppliers.change_mspevaluation"],
        "requirement_remove": ["suppliers.change_mspevaluation"],
        "decide": ["suppliers.decide_mspevaluation"],
        "cancel": ["suppliers.change_mspevaluation"],
    }

    def get_queryset(self):
        from django.db.models import Prefetch

        return MspEvaluation.objects.restrict(self.request.user, "view").prefetch_related(
            "services",
            Prefetch("requirements", queryset=MspRequirement.objects.select_related("skill")),
            Prefetch(
                "candidates",
                queryset=MspCandidate.objects.select_related("supplier").prefetch_related("supplier__skills"),
            ),
            "chosen__supplier",
        )

    def create_object(self, data):
        return services.evaluation_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.evaluation_update(actor=self.request.user, evaluation=instance, **data)

    @extend_schema(request=s.CandidateWriteSerializer, responses={201: s.EvaluationSerializer})
    @action(detail=True, methods=["post"])
    def candidates(self, request, slug=None):
        """Add a candidate provider."""
        evaluation = self.get_object()
        serializer = s.CandidateWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.candidate_add(actor=request.user, evaluation=evaluation, **serializer.validated_data)
        return self.read_response(evaluation, status.HTTP_201_CREATED)

    @extend_schema(request=s.MspDecisionSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, slug=None):
        """Record the decision: the chosen candidate (by supplier slug) and why."""
        evaluation = self.get_object()
        serializer = s.MspDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        candidate = get_object_or_404(
            evaluation.candidates.all(), supplier__slug=serializer.validated_data["supplier"]
        )
        services.evaluation_decide(
            actor=request.user,
            evaluation=evaluation,
            candidate=candidate,
            rationale=serializer.validated_data["rationale"],
        )
        return self.read_response(evaluation)

    @extend_schema(
        parameters=[_SUPPLIER], request=s.CandidateUpdateSerializer, responses=s.EvaluationSerializer
    )
    @action(detail=True, methods=["patch"], url_path=r"candidates/(?P<supplier>[-\w]+)")
    def candidate_update(self, request, slug=None, supplier=None):
        """Change a candidate's response times, customisation, cost or notes (open evaluations)."""
        evaluation = self.get_object()
        candidate = get_object_or_404(evaluation.candidates.all(), supplier__slug=supplier)
        serializer = s.CandidateUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.candidate_update(actor=request.user, candidate=candidate, **serializer.validated_data)
        return self.read_response(evaluation)

    @extend_schema(parameters=[_SUPPLIER, _REASON], request=None, responses={204: None})
    @candidate_update.mapping.delete
    def candidate_remove(self, request, slug=None, supplier=None):
        """Withdraw a candidate from an open evaluation."""
        evaluation = self.get_object()
        candidate = get_object_or_404(evaluation.candidates.all(), supplier__slug=supplier)
        services.candidate_remove(actor=request.user, candidate=candidate, reason=_reason(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.RequirementWriteSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def requirements(self, request, slug=None):
        """Require a skill or technology (now or planned) with a weight 1–5."""
        evaluation = self.get_object()
        serializer = s.RequirementWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.requirement_set(actor=request.user, evaluation=evaluation, **serializer.validated_data)
        return self.read_response(evaluation)

    @extend_schema(parameters=[_SKILL, _REASON], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"requirements/(?P<skill>[-\w]+)")
    def requirement_remove(self, request, slug=None, skill=None):
        """Stop requiring a skill."""
        evaluation = self.get_object()
        requirement = get_object_or_404(evaluation.requirements.all(), skill__slug=skill)
        services.requirement_remove(actor=request.user, requirement=requirement, reason=_reason(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.CancelSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, slug=None):
        """Close an open evaluation without a decision, saying why."""
        evaluation = self.get_object()
        serializer = s.CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.evaluation_cancel(
            actor=request.user, evaluation=evaluation, reason=serializer.validated_data["reason"]
        )
        return self.read_response(evaluation)

"""API views of the people app: skills, proficiency, skill profiles and the gap analysis."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from bimodal.core.api.views import CreateViaServiceMixin, ServiceBackedViewSet, UpdateViaServiceMixin
from bimodal.core.models import Team
from bimodal.core.permissions import get_restricted_object
from bimodal.people import selectors, services
from bimodal.people.api import serializers as s
from bimodal.people.filtersets import ProficiencyFilterSet, SkillFilterSet, SkillRequirementFilterSet
from bimodal.portfolio.models import Mode


class SkillViewSet(
    CreateViaServiceMixin,
    UpdateViaServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceBackedViewSet,
):
    """The skills catalogue, by slug."""

    serializer_class = s.SkillSerializer
    filterset_class = SkillFilterSet
    lookup_field = "slug"
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.skill_list(user=self.request.user)

    def create_object(self, data):
        return services.skill_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.skill_update(actor=self.request.user, skill=instance, **data)


class ProficiencyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """Proficiency ratings; POST records or changes one (team leads for their members)."""

    serializer_class = s.ProficiencySerializer
    filterset_class = ProficiencyFilterSet
    ordering_fields = ["proficiency_level", "assessed_on"]

    def get_queryset(self):
        return selectors.proficiency_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = services.proficiency_record(actor=request.user, **serializer.validated_data)
        return self.read_response(rating, status.HTTP_201_CREATED)


class SkillRequirementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceBackedViewSet):
    """Skill profiles of modes and services; POST sets one entry. `gaps` runs the gap analysis."""

    serializer_class = s.SkillRequirementSerializer
    filterset_class = SkillRequirementFilterSet
    action_perms = {"gaps": ["people.view_skillrequirement", "people.view_proficiency"]}

    def get_queryset(self):
        return selectors.requirement_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requirement = services.requirement_set(actor=request.user, **serializer.validated_data)
        return self.read_response(requirement, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, required=True),
            OpenApiParameter("mode", str, required=True),
        ],
        responses=s.GapRowSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def gaps(self, request):
        """Gap analysis of a team for a mode: per skill, who has it and train / recruit / contract."""
        query = s.GapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        team = get_restricted_object(Team.objects, request.user, slug=query.validated_data["team"])
        mode = get_restricted_object(Mode.objects, request.user, key=query.validated_data["mode"])
        if team is None or mode is None:
            raise PermissionDenied
        rows = selectors.gap_analysis(user=request.user, team=team, mode=mode)
        data = [
            {
                "skill": r["skill"].name,
                "sources": r["sources"],
                **{
                    k: getattr(r["gap"], k)
                    for k in ("required_level", "needed", "have", "gap", "train", "recruit", "contract")
                },
                "recommendation": r["gap"].recommendation,
            }
            for r in rows
        ]
        return Response(s.GapRowSerializer(data, many=True).data)

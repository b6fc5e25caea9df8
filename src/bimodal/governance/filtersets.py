"""FilterSets of the governance app, shared by the list pages and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet
from bimodal.core.models import OrgUnit
from bimodal.governance.choices import DecisionStatus, MeetingStatus, PartyKind, Raci
from bimodal.governance.models import DecisionRequest, DecisionRight, DecisionType, Forum, Meeting
from bimodal.portfolio.models import Mode


class DecisionRequestFilterSet(FilterSet):
    """Filters of decision requests: search, status, type, org unit, mode, forum."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=DecisionStatus.choices)
    decision_type = django_filters.ModelMultipleChoiceFilter(
        field_name="decision_type__key", to_field_name="key", queryset=DecisionType.objects.all()
    )
    org_unit = django_filters.ModelMultipleChoiceFilter(
        field_name="org_unit__slug", to_field_name="slug", queryset=OrgUnit.objects.all(), label="Org unit"
    )
    mode = django_filters.ModelMultipleChoiceFilter(
        field_name="mode__key", to_field_name="key", queryset=Mode.objects.all()
    )
    forum = django_filters.ModelMultipleChoiceFilter(
        field_name="forum__slug", to_field_name="slug", queryset=Forum.objects.all()
    )

    class Meta:
        model = DecisionRequest
        fields = ["q", "status", "decision_type", "org_unit", "mode", "forum"]

    def search(self, queryset, name, value):
        """Match title or description."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class DecisionRightFilterSet(FilterSet):
    """Filters of decision rights: decision type, org unit (or organisation-wide), RACI letter, party kind."""

    decision_type = django_filters.ModelMultipleChoiceFilter(
        field_name="decision_type__key", to_field_name="key", queryset=DecisionType.objects.all()
    )
    org_unit = django_filters.ModelMultipleChoiceFilter(
        field_name="org_unit__slug", to_field_name="slug", queryset=OrgUnit.objects.all(), label="Org unit"
    )
    organisation_wide = django_filters.BooleanFilter(field_name="org_unit", lookup_expr="isnull")
    raci = django_filters.MultipleChoiceFilter(choices=Raci.choices)
    party_kind = django_filters.MultipleChoiceFilter(choices=PartyKind.choices)

    class Meta:
        model = DecisionRight
        fields = ["decision_type", "org_unit", "organisation_wide", "raci", "party_kind"]


class MeetingFilterSet(FilterSet):
    """Filters of meetings: forum and status."""

    forum = django_filters.ModelMultipleChoiceFilter(
        field_name="forum__slug", to_field_name="slug", queryset=Forum.objects.all()
    )
    status = django_filters.MultipleChoiceFilter(choices=MeetingStatus.choices)

    class Meta:
        model = Meeting
        fields = ["forum", "status"]

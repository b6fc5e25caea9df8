"""FilterSets of the delivery app, shared by the pages and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet
from bimodal.core.models import OrgUnit
from bimodal.delivery.choices import (
    Approach,
    DemandStatus,
    InitiativeStatus,
    InvestmentClass,
    SprintStatus,
    StoryStatus,
)
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Demand,
    Initiative,
    Sprint,
    Story,
    TeamCapacity,
)
from bimodal.portfolio.models import Mode


def _mode_filter():
    return django_filters.ModelMultipleChoiceFilter(
        field_name="mode__key", to_field_name="key", queryset=Mode.objects.all(), label="Mode"
    )


def _org_unit_filter():
    return django_filters.ModelMultipleChoiceFilter(
        field_name="org_unit__slug", to_field_name="slug", queryset=OrgUnit.objects.all(), label="Org unit"
    )


class DemandFilterSet(FilterSet):
    """Demand: search, status, mode, org unit, investment class, minimum score."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=DemandStatus.choices)
    mode = _mode_filter()
    org_unit = _org_unit_filter()
    investment_class = django_filters.MultipleChoiceFilter(choices=InvestmentClass.choices)
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label="Score at least")

    class Meta:
        model = Demand
        fields = ["q", "status", "mode", "org_unit", "investment_class", "min_score"]

    def search(self, queryset, name, value):
        """Match reference, title or description."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )


class InitiativeFilterSet(FilterSet):
    """The portfolio: search, mode, approach, org unit, status, investment class."""

    q = django_filters.CharFilter(method="search", label="Search")
    mode = _mode_filter()
    approach = django_filters.MultipleChoiceFilter(choices=Approach.choices)
    org_unit = _org_unit_filter()
    status = django_filters.MultipleChoiceFilter(choices=InitiativeStatus.choices)
    investment_class = django_filters.MultipleChoiceFilter(choices=InvestmentClass.choices)

    class Meta:
        model = Initiative
        fields = ["q", "mode", "approach", "org_unit", "status", "investment_class"]

    def search(self, queryset, name, value):
        """Match reference, name or description."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
        )


class StoryFilterSet(FilterSet):
    """Stories: by initiative, status, sprint, epic."""

    initiative = django_filters.CharFilter(field_name="initiative__reference", label="Initiative reference")
    status = django_filters.MultipleChoiceFilter(choices=StoryStatus.choices)
    sprint = django_filters.NumberFilter(field_name="sprint_id")
    epic = django_filters.NumberFilter(field_name="epic_id")

    class Meta:
        model = Story
        fields = ["initiative", "status", "sprint", "epic"]


class SprintFilterSet(FilterSet):
    """Sprints: by initiative and status."""

    initiative = django_filters.CharFilter(field_name="initiative__reference", label="Initiative reference")
    status = django_filters.MultipleChoiceFilter(choices=SprintStatus.choices)

    class Meta:
        model = Sprint
        fields = ["initiative", "status"]


class MoneyFilterSet(FilterSet):
    """Budgets and actuals: year, mode, investment class, initiative."""

    fiscal_year = django_filters.NumberFilter()
    mode = _mode_filter()
    investment_class = django_filters.MultipleChoiceFilter(choices=InvestmentClass.choices)
    initiative = django_filters.CharFilter(field_name="initiative__reference", label="Initiative reference")


class BudgetFilterSet(MoneyFilterSet):
    class Meta:
        model = Budget
        fields = ["fiscal_year", "mode", "investment_class", "initiative"]


class ActualFilterSet(MoneyFilterSet):
    class Meta:
        model = Actual
        fields = ["fiscal_year", "mode", "investment_class", "initiative"]


class CapacityFilterSet(FilterSet):
    """Capacity and allocations: year, team, mode."""

    fiscal_year = django_filters.NumberFilter()
    team = django_filters.CharFilter(field_name="team__slug")
    mode = _mode_filter()


class TeamCapacityFilterSet(CapacityFilterSet):
    class Meta:
        model = TeamCapacity
        fields = ["fiscal_year", "team", "mode"]


class AllocationFilterSet(CapacityFilterSet):
    initiative = django_filters.CharFilter(field_name="initiative__reference", label="Initiative reference")

    class Meta:
        model = CapacityAllocation
        fields = ["fiscal_year", "team", "mode", "initiative"]

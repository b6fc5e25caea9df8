"""FilterSets of the registers, shared by list pages and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet, visible
from bimodal.core.models import OrgUnit, Team
from bimodal.portfolio.choices import DataClassification
from bimodal.registers.choices import (
    AiRiskTier,
    CloudProvider,
    DpiaStatus,
    EthicsDecision,
    Platform,
    RegisterKind,
    RegisterStage,
    ReviewState,
    RiskLevel,
)
from bimodal.registers.models import AIUseCase, CloudAccount, CloudCost, LowCodeApp, ReviewTask


class _RegisterFilterSet(FilterSet):
    """Filters every register has: search, stage, owner team, overdue review."""

    q = django_filters.CharFilter(method="search", label="Search")
    stage = django_filters.MultipleChoiceFilter(choices=RegisterStage.choices)
    owner_team = django_filters.ModelMultipleChoiceFilter(
        field_name="owner_team__slug", to_field_name="slug", queryset=visible(Team), label="Owner team"
    )
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    review_overdue = django_filters.BooleanFilter(method="filter_overdue", label="Review overdue")

    def search(self, queryset, name, value):
        """Match name, slug or description."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        """Items whose next review date has passed (or not)."""
        from django.utils import timezone

        if value is None:
            return queryset
        overdue = Q(next_review_due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class LowCodeAppFilterSet(_RegisterFilterSet):
    """Filters of the low-code register."""

    platform = django_filters.MultipleChoiceFilter(choices=Platform.choices)
    risk_level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    data_classification = django_filters.MultipleChoiceFilter(choices=DataClassification.choices)
    business_unit = django_filters.ModelMultipleChoiceFilter(
        field_name="business_unit__slug",
        to_field_name="slug",
        # django-filter accepts a callable of the request here; the stubs allow only a queryset.
        queryset=visible(OrgUnit),
    )

    class Meta:
        model = LowCodeApp
        fields = [
            "q",
            "stage",
            "platform",
            "risk_level",
            "data_classification",
            "business_unit",
            "owner_team",
            "owner",
            "review_overdue",
        ]


class AIUseCaseFilterSet(_RegisterFilterSet):
    """Filters of the AI register; `shadow=true` shows what is in use without review."""

    risk_tier = django_filters.MultipleChoiceFilter(choices=AiRiskTier.choices)
    dpia_status = django_filters.MultipleChoiceFilter(choices=DpiaStatus.choices)
    ethics_decision = django_filters.MultipleChoiceFilter(choices=EthicsDecision.choices)
    personal_data = django_filters.BooleanFilter()
    shadow = django_filters.BooleanFilter(method="filter_shadow", label="Shadow AI (in use without review)")

    class Meta:
        model = AIUseCase
        fields = [
            "q",
            "stage",
            "risk_tier",
            "dpia_status",
            "ethics_decision",
            "personal_data",
            "shadow",
            "owner_team",
            "owner",
            "review_overdue",
        ]

    def filter_shadow(self, queryset, name, value):
        """Only (or all but) the shadow AI use cases."""
        if value is None:
            return queryset
        shadow = queryset.model.objects.shadow().values("pk")
        return queryset.filter(pk__in=shadow) if value else queryset.exclude(pk__in=shadow)


class CloudAccountFilterSet(_RegisterFilterSet):
    """Filters of the cloud register."""

    provider = django_filters.MultipleChoiceFilter(choices=CloudProvider.choices)
    no_owner = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label="Without owner")

    class Meta:
        model = CloudAccount
        fields = ["q", "stage", "provider", "owner_team", "owner", "no_owner", "review_overdue"]


class CloudCostFilterSet(FilterSet):
    """Filters of monthly costs."""

    account = django_filters.CharFilter(field_name="account__slug")
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = CloudCost
        fields = ["account", "month_from", "month_to"]


class ReviewTaskFilterSet(FilterSet):
    """Filters of review tasks."""

    register = django_filters.ChoiceFilter(choices=RegisterKind.choices)
    review_state = django_filters.ChoiceFilter(choices=ReviewState.choices)
    assignee = django_filters.CharFilter(field_name="assignee__username")

    class Meta:
        model = ReviewTask
        fields = ["register", "review_state", "assignee"]

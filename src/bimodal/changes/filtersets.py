"""FilterSets of the changes app, shared by the list pages and the API."""

import django_filters
from django.db.models import Q

from bimodal.changes.choices import (
    ChangeSource,
    ChangeStatus,
    ChangeType,
    DeploymentStatus,
    Environment,
    ReleaseStatus,
    TemplateStatus,
)
from bimodal.changes.models import Change, Deployment, Release, StandardChangeTemplate
from bimodal.core.filtersets import FilterSet, visible
from bimodal.portfolio.models import Mode, Service


class ChangeFilterSet(FilterSet):
    """Filters of the change list: search, status, type, source, service, mode, risk."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    change_type = django_filters.MultipleChoiceFilter(choices=ChangeType.choices, label="Type")
    source = django_filters.MultipleChoiceFilter(choices=ChangeSource.choices)
    environment = django_filters.MultipleChoiceFilter(choices=Environment.choices)
    service = django_filters.ModelMultipleChoiceFilter(
        field_name="services__slug", to_field_name="slug", queryset=visible(Service), label="Service"
    )
    mode = django_filters.ModelMultipleChoiceFilter(
        field_name="services__mode__key", to_field_name="key", queryset=Mode.objects.all(), label="Mode"
    )
    min_risk = django_filters.NumberFilter(field_name="risk_score", lookup_expr="gte", label="Risk at least")

    class Meta:
        model = Change
        fields = ["q", "status", "change_type", "source", "environment", "service", "mode", "min_risk"]

    def search(self, queryset, name, value):
        """Match reference, title or description."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )

    @property
    def qs(self):
        # Service and mode filters join through the services table: keep one row per change.
        data = getattr(self.form, "cleaned_data", {})
        queryset = super().qs
        return queryset.distinct() if data.get("service") or data.get("mode") else queryset


class DeploymentFilterSet(FilterSet):
    """Filters of deployments."""

    service = django_filters.CharFilter(field_name="service__slug")
    status = django_filters.MultipleChoiceFilter(choices=DeploymentStatus.choices)
    environment = django_filters.MultipleChoiceFilter(choices=Environment.choices)

    class Meta:
        model = Deployment
        fields = ["service", "status", "environment"]


class ReleaseFilterSet(FilterSet):
    """Filters of the release calendar: mode, status, dates."""

    mode = django_filters.ModelMultipleChoiceFilter(
        field_name="mode__key", to_field_name="key", queryset=Mode.objects.all(), label="Mode"
    )
    status = django_filters.MultipleChoiceFilter(choices=ReleaseStatus.choices)
    after = django_filters.DateFilter(field_name="planned_date", lookup_expr="gte", label="On or after")
    before = django_filters.DateFilter(field_name="planned_date", lookup_expr="lte", label="On or before")

    class Meta:
        model = Release
        fields = ["mode", "status", "after", "before"]


class TemplateFilterSet(FilterSet):
    """Filters of the standard-change catalogue: search, status, mode, service, owner."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=TemplateStatus.choices)
    mode = django_filters.ModelMultipleChoiceFilter(
        field_name="modes__key", to_field_name="key", queryset=Mode.objects.all(), label="Mode"
    )
    service = django_filters.ModelMultipleChoiceFilter(
        field_name="services__slug", to_field_name="slug", queryset=visible(Service), label="Service"
    )
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")

    class Meta:
        model = StandardChangeTemplate
        fields = ["q", "status", "mode", "service", "owner"]

    def search(self, queryset, name, value):
        """Match key, name or description."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(key__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
        )

    @property
    def qs(self):
        data = getattr(self.form, "cleaned_data", {})
        queryset = super().qs
        return queryset.distinct() if data.get("service") or data.get("mode") else queryset

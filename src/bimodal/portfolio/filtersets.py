"""FilterSets of the portfolio, shared by list pages and the API."""

import django_filters
from django.db.models import F, Q

from bimodal.core.filtersets import FilterSet, visible
from bimodal.core.models import Team
from bimodal.portfolio.choices import (
    Criticality,
    DataClassification,
    DependencyKind,
    Hosting,
    Lifecycle,
    PathwayStatus,
    ProposalSource,
    ProposalStatus,
    SupportCoverage,
)
from bimodal.portfolio.models import (
    Assessment,
    BusinessCapability,
    MigrationPathway,
    Mode,
    ReclassificationProposal,
    RegulatoryTag,
    Service,
    ServiceDependency,
)


class ServiceFilterSet(FilterSet):
    """Filters of the service catalogue: free-text search and every classifying attribute."""

    q = django_filters.CharFilter(method="search", label="Search")
    mode = django_filters.ModelMultipleChoiceFilter(
        field_name="mode__key", to_field_name="key", queryset=Mode.objects.all(), label="Mode"
    )
    lifecycle = django_filters.MultipleChoiceFilter(choices=Lifecycle.choices)
    criticality = django_filters.MultipleChoiceFilter(choices=Criticality.choices)
    owner_team = django_filters.ModelMultipleChoiceFilter(
        field_name="owner_team__slug", to_field_name="slug", queryset=visible(Team), label="Owner team"
    )
    capability = django_filters.ModelMultipleChoiceFilter(queryset=BusinessCapability.objects.all())
    regulatory_tag = django_filters.ModelMultipleChoiceFilter(
        field_name="regulatory_tags__name",
        to_field_name="name",
        queryset=RegulatoryTag.objects.all(),
        label="Regulatory scope",
    )
    data_classification = django_filters.MultipleChoiceFilter(choices=DataClassification.choices)
    hosting = django_filters.MultipleChoiceFilter(choices=Hosting.choices)
    support_coverage = django_filters.MultipleChoiceFilter(choices=SupportCoverage.choices)
    supplier = django_filters.ModelMultipleChoiceFilter(
        field_name="supplier__slug",
        to_field_name="slug",
        queryset=visible(Service.supplier.field.related_model),
    )

    class Meta:
        model = Service
        fields = [
            "q",
            "mode",
            "lifecycle",
            "criticality",
            "owner_team",
            "capability",
            "regulatory_tag",
            "data_classification",
            "hosting",
            "support_coverage",
            "supplier",
        ]

    def search(self, queryset, name, value):
        """Match name, slug or description, case-insensitively."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value)
        )

    @property
    def qs(self):
        # A multi-valued tag filter joins through the tag table: keep one row per service.
        queryset = super().qs
        return (
            queryset.distinct() if getattr(self.form, "cleaned_data", {}).get("regulatory_tag") else queryset
        )


class ServiceDependencyFilterSet(FilterSet):
    """Filters of dependency edges."""

    source = django_filters.CharFilter(field_name="source__slug")
    target = django_filters.CharFilter(field_name="target__slug")
    kind = django_filters.MultipleChoiceFilter(choices=DependencyKind.choices)

    class Meta:
        model = ServiceDependency
        fields = ["source", "target", "kind"]


class ModeFilterSet(FilterSet):
    """Filters of modes."""

    class Meta:
        model = Mode
        fields = ["key", "change_approval", "release_cadence", "kpi_set", "deployment_gate"]


class AssessmentFilterSet(FilterSet):
    """Filters of assessments: service, recommended or current mode, and whether they differ."""

    service = django_filters.CharFilter(field_name="service__slug")
    recommended_mode = django_filters.CharFilter(field_name="recommended_mode__key")
    current_mode = django_filters.CharFilter(field_name="service__mode__key")
    differs = django_filters.BooleanFilter(method="filter_differs", label="Recommendation differs")
    latest = django_filters.BooleanFilter(field_name="is_latest")

    class Meta:
        model = Assessment
        fields = ["service", "recommended_mode", "current_mode", "differs", "latest", "time_rating"]

    def filter_differs(self, queryset, name, value):
        """Assessments whose recommendation is (or is not) the service's current mode."""
        if value is None:
            return queryset
        same = Q(recommended_mode=F("service__mode"))
        return queryset.exclude(same) if value else queryset.filter(same)


class ProposalFilterSet(FilterSet):
    """Filters of reclassification proposals."""

    service = django_filters.CharFilter(field_name="service__slug")
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices)
    source = django_filters.ChoiceFilter(choices=ProposalSource.choices)

    class Meta:
        model = ReclassificationProposal
        fields = ["service", "status", "source"]


class PathwayFilterSet(FilterSet):
    """Filters of migration pathways."""

    service = django_filters.CharFilter(field_name="service__slug")
    status = django_filters.MultipleChoiceFilter(choices=PathwayStatus.choices)

    class Meta:
        model = MigrationPathway
        fields = ["service", "status"]

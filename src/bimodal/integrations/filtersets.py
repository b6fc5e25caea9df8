"""FilterSets of the integrations app, shared by list pages and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet, visible
from bimodal.integrations.choices import DeliveryOutcome, Provider
from bimodal.integrations.models import Commit, PullRequest, Repository, WebhookDelivery
from bimodal.portfolio.models import Service


class RepositoryFilterSet(FilterSet):
    """Repositories by name, provider, service and whether they are active."""

    q = django_filters.CharFilter(method="search", label="Search")
    provider = django_filters.ChoiceFilter(choices=Provider.choices)
    service = django_filters.ModelChoiceFilter(
        field_name="service__slug", to_field_name="slug", queryset=visible(Service), label="Service"
    )
    active = django_filters.BooleanFilter()

    class Meta:
        model = Repository
        fields = ["q", "provider", "service", "active"]

    def search(self, queryset, name, value):
        """Match the repository's full name or its service's name."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(service__name__icontains=value))


class WebhookDeliveryFilterSet(FilterSet):
    """Deliveries by provider, outcome, event and repository."""

    provider = django_filters.ChoiceFilter(choices=Provider.choices)
    outcome = django_filters.MultipleChoiceFilter(choices=DeliveryOutcome.choices)
    event = django_filters.CharFilter(lookup_expr="iexact")
    repository = django_filters.NumberFilter(field_name="repository_id", label="Repository id")

    class Meta:
        model = WebhookDelivery
        fields = ["provider", "outcome", "event", "repository"]


class CommitFilterSet(FilterSet):
    """Commits by repository, sha prefix and authoring time."""

    repository = django_filters.NumberFilter(field_name="repository_id", label="Repository id")
    service = django_filters.CharFilter(field_name="repository__service__slug", label="Service (slug)")
    sha = django_filters.CharFilter(lookup_expr="startswith")
    authored_after = django_filters.IsoDateTimeFilter(field_name="authored_at", lookup_expr="gte")
    authored_before = django_filters.IsoDateTimeFilter(field_name="authored_at", lookup_expr="lt")

    class Meta:
        model = Commit
        fields = ["repository", "service", "sha", "authored_after", "authored_before"]


class PullRequestFilterSet(FilterSet):
    """Merged pull requests by repository, service and merge time."""

    repository = django_filters.NumberFilter(field_name="repository_id", label="Repository id")
    service = django_filters.CharFilter(field_name="repository__service__slug", label="Service (slug)")
    merged_after = django_filters.IsoDateTimeFilter(field_name="merged_at", lookup_expr="gte")
    merged_before = django_filters.IsoDateTimeFilter(field_name="merged_at", lookup_expr="lt")

    class Meta:
        model = PullRequest
        fields = ["repository", "service", "merged_after", "merged_before"]

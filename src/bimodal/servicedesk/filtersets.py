"""FilterSets of the service desk, shared by the queue page and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet, visible
from bimodal.core.models import Team
from bimodal.servicedesk.choices import Priority, TicketStatus, TicketType
from bimodal.servicedesk.models import CatalogueItem, Ticket

OPEN = [s for s in TicketStatus.values if s not in {"resolved", "closed", "cancelled"}]


class TicketFilterSet(FilterSet):
    """Filters of the ticket queue."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    open = django_filters.BooleanFilter(method="only_open", label="Open only")
    ticket_type = django_filters.MultipleChoiceFilter(choices=TicketType.choices, label="Type")
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    assignment_group = django_filters.ModelMultipleChoiceFilter(
        field_name="assignment_group__slug", to_field_name="slug", queryset=visible(Team), label="Group"
    )
    service = django_filters.CharFilter(field_name="service__slug", label="Service (slug)")
    major_incident = django_filters.BooleanFilter()

    class Meta:
        model = Ticket
        fields = [
            "q",
            "status",
            "open",
            "ticket_type",
            "priority",
            "assignment_group",
            "service",
            "major_incident",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(number__iexact=value) | Q(description__icontains=value)
        )

    def only_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN) if value else queryset


class CatalogueItemFilterSet(FilterSet):
    """Filters of the request catalogue."""

    class Meta:
        model = CatalogueItem
        fields = ["department"]

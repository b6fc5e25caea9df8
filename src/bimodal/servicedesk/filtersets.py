"""FilterSets of the service desk, shared by the queue page and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet, visible
from bimodal.core.models import Team
from bimodal.servicedesk.choices import Priority, TicketStatus, TicketType
from bimodal.servicedesk.models import CatalogueItem, Ticket

VIEWS = [
    ("triage", "Triage: unassigned"),
    ("mine", "Assigned to me"),
    ("suppliers", "With suppliers"),
]
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
    view = django_filters.ChoiceFilter(choices=VIEWS, method="only_view", label="View", empty_label="All")

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
            "view",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(number__iexact=value) | Q(description__icontains=value)
        )

    def only_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN) if value else queryset

    def only_view(self, queryset, name, value):
        """Triage: no one has it yet (in an internal group); mine: assigned to the user; with suppliers:
        held by a supplier's queue (for a desk, the ones it handed over: it sees no others)."""
        if value == "triage":
            return queryset.filter(assignee__isnull=True, assignment_group__supplier__isnull=True)
        if value == "mine":
            user = getattr(self.request, "user", None)
            return queryset.filter(assignee=user) if user and user.is_authenticated else queryset.none()
        if value == "suppliers":
            return queryset.filter(assignment_group__supplier__isnull=False)
        return queryset


class CatalogueItemFilterSet(FilterSet):
    """Filters of the request catalogue."""

    class Meta:
        model = CatalogueItem
        fields = ["department"]

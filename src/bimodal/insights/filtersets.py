"""FilterSets of the insights app (shared by pages and the API)."""

import django_filters

from bimodal.core.filtersets import FilterSet
from bimodal.insights.choices import Stream
from bimodal.insights.models import Transition


class TransitionFilterSet(FilterSet):
    """Transitions by stream, object, service, state and time."""

    stream = django_filters.ChoiceFilter(choices=Stream.choices)
    service = django_filters.CharFilter(field_name="service__slug")
    after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = Transition
        fields = ["stream", "object_id", "reference", "to_state", "service", "after", "before"]

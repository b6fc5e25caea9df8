"""FilterSets of the suppliers app, shared by the list pages and the API."""

import django_filters
from django.db.models import Q

from bimodal.core.filtersets import FilterSet
from bimodal.suppliers.choices import ContractStatus, SupplierStatus, SupplierTier
from bimodal.suppliers.models import Contract, MspEvaluation, Supplier, SupplierCategory


class SupplierFilterSet(FilterSet):
    """Filters of the supplier list."""

    q = django_filters.CharFilter(method="search", label="Search")
    tier = django_filters.MultipleChoiceFilter(choices=SupplierTier.choices)
    status = django_filters.MultipleChoiceFilter(choices=SupplierStatus.choices)
    category = django_filters.ModelMultipleChoiceFilter(
        field_name="categories__slug", to_field_name="slug", queryset=SupplierCategory.objects.all()
    )
    skill = django_filters.CharFilter(field_name="skills__slug", label="Skill (slug)", distinct=True)
    covers_24x7 = django_filters.BooleanFilter()
    on_site_support = django_filters.BooleanFilter()

    class Meta:
        model = Supplier
        fields = ["q", "tier", "status", "category", "skill", "covers_24x7", "on_site_support"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class ContractFilterSet(FilterSet):
    """Filters of the contract list."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices)
    supplier = django_filters.CharFilter(field_name="supplier__slug", label="Supplier (slug)")
    ends_before = django_filters.DateFilter(field_name="end_date", lookup_expr="lte")
    service = django_filters.CharFilter(field_name="services__slug", label="Service (slug)", distinct=True)

    class Meta:
        model = Contract
        fields = ["q", "status", "supplier", "ends_before", "service"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))


class EvaluationFilterSet(FilterSet):
    """Filters of the MSP evaluation list."""

    class Meta:
        model = MspEvaluation
        fields = ["status"]

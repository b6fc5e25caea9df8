"""FilterSets of the core app, shared by list pages and the API."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from bimodal.core.choices import AuditAction, TeamKind
from bimodal.core.models import AuditEntry, OrgUnit, Team
from bimodal.core.querysets import restricted_manager
from bimodal.core.validation import NUL_MESSAGE, has_nul, validate_int64, validate_utc_offset
from bimodal.core.verbs import verb_label


def _object_type_choices() -> list[tuple[str, str]]:
    """The object types that occur in the audit log, as ("app_label.model", "Verbose name")."""
    types = ContentType.objects.filter(pk__in=AuditEntry.objects.values("content_type")).order_by(
        "app_label", "model"
    )
    return [(f"{ct.app_label}.{ct.model}", ct.name.capitalize()) for ct in types]


def _verb_choices() -> list[tuple[str, str]]:
    """The service-level verbs that occur in the audit log."""
    verbs = AuditEntry.objects.exclude(verb="").order_by("verb").values_list("verb", flat=True).distinct()
    return sorted(((verb, verb_label(verb)) for verb in verbs), key=lambda choice: choice[1])


def visible(model: type[Model]) -> QuerySet[Any]:
    """A filter's choices as django-filter takes them (a callable of the request): the rows of `model` the
    requesting user may see, so a filter never lists names the user's pages hide (all rows outside a
    request, e.g. in scripts)."""

    def choices(request: HttpRequest | None) -> QuerySet[Any]:
        manager = restricted_manager(model)
        return manager.all() if request is None else manager.restrict(request.user, "view")

    # django-filter takes a callable of the request as a filter's queryset; its stubs allow only a queryset.
    return cast("QuerySet[Any]", choices)


class GuardedFilterForm(forms.Form):
    """A filter form that refuses, as field errors, what the database could not compare: the values the
    filter set screened out (NUL characters), integers beyond 64 bits and UTC offsets no zone has."""

    refused: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField | forms.DecimalField):
                field.validators.append(validate_int64)
            if isinstance(field, forms.DateTimeField):
                field.validators.append(validate_utc_offset)

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        for name, message in self.refused.items():
            self.add_error(name if name in self.fields else None, message)


def _owner(key: str, names: list[str]) -> str | None:
    """The filter a query key belongs to: itself, or a range's `<name>_min`, `<name>_after` …"""
    if key in names:
        return key
    return next((name for name in names if key.startswith(f"{name}_")), None)


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet: values the database would refuse are field errors (a 400 in the API,
    a message on the list page), never a server error.

    A value holding a NUL character is taken out of the data before any filter sees it (a model-choice
    filter would otherwise query with it); the form then reports it on its field."""

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        self.refused: dict[str, str] = {}
        if data is not None:
            data = self._screen(data)
        super().__init__(data, *args, **kwargs)

    def _screen(self, data: Any) -> Any:
        names = list(self.base_filters)
        bad = [
            key
            for key in list(data.keys())
            if _owner(key, names) is not None
            and any(
                has_nul(value) for value in (data.getlist(key) if hasattr(data, "getlist") else [data[key]])
            )
        ]
        if not bad:
            return data
        data = data.copy()
        for key in bad:
            self.refused[cast(str, _owner(key, names))] = NUL_MESSAGE
            del data[key]
        return data

    def get_form_class(self) -> type[forms.Form]:
        form_class = super().get_form_class()
        return type(form_class.__name__, (GuardedFilterForm, form_class), {})

    @property
    def form(self) -> forms.Form:
        form = super().form
        cast(GuardedFilterForm, form).refused = self.refused
        return form


class BootstrapFilterSet(FilterSet):
    """A FilterSet whose form widgets carry Bootstrap's small control classes."""

    @property
    def form(self) -> forms.Form:
        form = super().form
        for field in form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
        return form


class TeamFilterSet(BootstrapFilterSet):
    """Filters of the team list: free text, org unit and kind."""

    q = django_filters.CharFilter(method="search", label="Search")
    org_unit = django_filters.ModelChoiceFilter(
        field_name="org_unit",
        to_field_name="slug",
        # django-filter accepts a callable of the request here; the stubs allow only a queryset.
        queryset=visible(OrgUnit),
        label="Org unit",
        empty_label="All org units",
    )
    kind = django_filters.ChoiceFilter(choices=TeamKind.choices, empty_label="All kinds")

    class Meta:
        model = Team
        fields = ["q", "org_unit", "kind"]

    def search(self, queryset: QuerySet[Team], name: str, value: str) -> QuerySet[Team]:
        """Match the team's name, slug, description or lead, case-insensitively."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(slug__icontains=value)
            | Q(description__icontains=value)
            | Q(lead__username__icontains=value)
            | Q(lead__last_name__icontains=value)
        )


class AuditEntryFilterSet(BootstrapFilterSet):
    """Filters of the audit log: actor, action, verb, object, free text and a date range."""

    q = django_filters.CharFilter(method="search", label="Search")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="iexact", label="Actor")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, empty_label="Any action")
    verb = django_filters.ChoiceFilter(choices=_verb_choices, empty_label="Any verb")
    object_type = django_filters.ChoiceFilter(
        choices=_object_type_choices, method="filter_object_type", label="Object type", empty_label="Any type"
    )
    object_id = django_filters.CharFilter(field_name="object_id", label="Object id")
    request_id = django_filters.CharFilter(field_name="request_id", label="Request id")
    date_from = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="timestamp",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = [
            "q",
            "actor",
            "action",
            "verb",
            "object_type",
            "object_id",
            "request_id",
            "date_from",
            "date_to",
        ]

    def search(self, queryset: QuerySet[AuditEntry], name: str, value: str) -> QuerySet[AuditEntry]:
        """Match the object's text or the reason, case-insensitively."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(reason__icontains=value))

    def filter_object_type(
        self, queryset: QuerySet[AuditEntry], name: str, value: str
    ) -> QuerySet[AuditEntry]:
        """Entries about objects of one model, given as "app_label.model"."""
        app_label, _, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)

"""Generic pages: list, detail, create/edit and action, so that an app's typical page is a few declarative
lines (in the manner of NetBox's `netbox/views/generic/`).

Every generic view keeps the house rules by construction:
- reads start from the restricted queryset (`Model.objects.restrict(user, "view")`); an object the user
  may not see is a 404, one they may see but not change a 403 (`core.permissions.get_restricted_object`);
- writes go through a service function (`<entity>_create(*, actor, **fields)`,
  `<entity>_update(*, actor, <entity>, **fields)`), which validates, saves and audits in one transaction;
- a refused or invalid write is shown on the form as typed, with the reason, and writes nothing: HTTP 400
  (a service's ValidationError) or 403 (its PermissionDenied);
- a list page answers an htmx swap with its results fragment only, and `?export=csv` with the filtered
  rows as CSV.

Example (core's teams)::

    class TeamList(ObjectListView):
        model = Team
        filterset_class = TeamFilterSet
        table_class = TeamTable
        template_name = "core/team_list.html"
        partial_template_name = "core/_team_results.html"
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.forms import BaseForm, ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.html import strip_tags
from django.views import View
from django_filters import FilterSet
from django_tables2 import RequestConfig

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.permissions import get_restricted_object
from bimodal.core.querysets import RestrictedQuerySet, perm_name, restricted_manager

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl


def _absolute(obj: Model) -> SupportsGetAbsoluteUrl:
    """`obj` as redirect() takes it: a model of ours with its get_absolute_url()."""
    return cast("SupportsGetAbsoluteUrl", obj)


class _ModelView(LoginRequiredMixin, View):
    """What every generic view shares: the model, the page's area in the navigation and extra context."""

    model: ClassVar[type[Model]]
    #: The navigation area the page belongs to (`active_area` in the templates).
    area: ClassVar[str] = ""
    template_name: ClassVar[str]

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Any]:
        """The rows this page starts from; restriction is applied by the caller."""
        return restricted_manager(self.model).all()

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        """More context for the template (override)."""
        return {}

    def render(
        self, request: HttpRequest, context: dict[str, Any], *, template: str = "", status: int = 200
    ) -> HttpResponse:
        context = {"active_area": self.area, **context}
        return render(request, template or self.template_name, context, status=status)


class ObjectListView(_ModelView):
    """A filtered, sorted, paged list of the objects the user may see, with CSV export.

    Needs the model's view permission (403 without). With `table_class` the rows are a django-tables2
    table (sorting by `?sort=`, paging by `?page=`); without it the template gets `page` (a Paginator
    page) and `query` (the filters, to keep in links)."""

    filterset_class: ClassVar[type[FilterSet] | None] = None
    table_class: ClassVar[type[Any] | None] = None  # a django-tables2 Table
    partial_template_name: ClassVar[str] = ""
    #: Rows a page holds; 0 gives the template every row as `object_list` (a tree, a short list).
    per_page: ClassVar[int] = 50
    #: Name of the CSV file `?export=csv` answers with (no export when empty).
    export_filename: ClassVar[str] = ""
    #: Order of an unordered list (default: the model's Meta ordering, else by id), so pages are stable.
    ordering: ClassVar[tuple[str, ...]] = ()

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Any]:
        """The rows the user may see (an override starts from the app's selector, which restricts)."""
        return restricted_manager(self.model).restrict(request.user, "view")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(perm_name(self.model, "view")):
            raise PermissionDenied
        queryset: QuerySet[Any] = self.get_queryset(request)
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=queryset, request=request)
            queryset = filterset.qs
        if not queryset.ordered:
            queryset = queryset.order_by(*(self.ordering or self.model._meta.ordering or ("pk",)))
        context: dict[str, Any] = {
            "filterset": filterset,
            "filter": filterset,
            "query": request.GET.urlencode(),
        }
        if self.export_filename and request.GET.get("export") == "csv":
            return self.export(queryset)
        if self.table_class is not None:
            table = self.table_class(queryset)
            RequestConfig(request, paginate={"per_page": self.per_page}).configure(table)
            context["table"] = table
        elif self.per_page:
            context["page"] = Paginator(queryset, self.per_page).get_page(request.GET.get("page"))
        else:
            context["object_list"] = queryset
        context["can_add"] = request.user.has_perm(perm_name(self.model, "add"))
        context.update(self.extra_context(request, **kwargs))
        partial = self.partial_template_name and wants_partial(request)
        response = self.render(request, context, template=self.partial_template_name if partial else "")
        patch_vary_headers(response, ("HX-Request",))
        return response

    def export_columns(self) -> list[tuple[str, str]]:
        """(header, lookup) of each CSV column without a table: the model's fields, a reference to another
        row by that row's name (or slug) rather than its id."""
        columns = []
        for field in self.model._meta.concrete_fields:
            lookup = field.name
            if field.is_relation and field.related_model is not None:
                names = {f.name for f in field.related_model._meta.concrete_fields}
                label = next((n for n in ("name", "slug", "username", "reference") if n in names), "pk")
                lookup = f"{field.name}__{label}"
            columns.append((str(field.verbose_name), lookup))
        return columns

    def export(self, queryset: QuerySet[Any]) -> HttpResponse:
        """Every filtered row (not only one page) as CSV: the table's columns, or the model's fields."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.export_filename}"'
        writer = csv.writer(response)
        if self.table_class is not None:
            for row in self.table_class(queryset).as_values():  # unpaged: every row
                # A column without a value_<name>() gives its rendered cell: keep the text, not the HTML.
                writer.writerow(
                    [csv_cell(strip_tags(cell) if isinstance(cell, str) else cell) for cell in row]
                )
        else:
            columns = self.export_columns()
            writer.writerow([header for header, _ in columns])
            for values in queryset.values_list(*(lookup for _, lookup in columns)):
                writer.writerow([csv_cell(value) for value in values])
        return response


def csv_cell(value: Any) -> Any:
    """A value as CSV exports write it, for machines rather than people: datetimes and dates in ISO 8601,
    amounts as plain decimals (no thousands separator); anything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


class ObjectDetailView(_ModelView):
    """One object the user may see (404 otherwise), found by `lookup_field` in the URL."""

    lookup_field: ClassVar[str] = "slug"
    #: The template's name for the object (default: the model's name, e.g. "team").
    context_object_name: ClassVar[str] = ""

    def get_object(self, request: HttpRequest, action: str = "view", **kwargs: Any) -> Model:
        value = kwargs[self.lookup_field]
        obj: Model = get_restricted_object(
            self.get_queryset(request), request.user, action, **{self.lookup_field: value}
        )
        return obj

    def object_name(self) -> str:
        return self.context_object_name or str(self.model._meta.model_name)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object(request, **kwargs)
        context = {self.object_name(): obj, "object": obj}
        context.update(self.extra_context(request, obj=obj, **kwargs))
        return self.render(request, context)


class ObjectEditView(ObjectDetailView):
    """Create (no lookup value in the URL) or change an object through its service functions.

    `create_service(*, actor, **fields)` and `update_service(*, actor, <name>=obj, **fields)` do the
    writing; the form's `service_fields()` (or its cleaned data) gives the fields. Creating needs the
    model's add permission, changing the object's change right (a bare 403). Invalid input or a service's
    refusal is shown on the form as typed: 400 for a ValidationError, 403 for a PermissionDenied."""

    form_class: ClassVar[type[BaseForm]]
    create_service: ClassVar[Callable[..., Model] | None] = None
    update_service: ClassVar[Callable[..., Model] | None] = None
    #: Message shown after a successful save; `{object}` is the saved object.
    success_message: ClassVar[str] = "Saved {object}."
    #: Where to go after saving (a URL name); by default the saved object's page.
    success_url: ClassVar[str] = ""

    def form_kwargs(self, request: HttpRequest, obj: Model | None) -> dict[str, Any]:
        """Extra keyword arguments of the form (e.g. `user` for forms whose choices are restricted)."""
        return {}

    def make_form(self, request: HttpRequest, obj: Model | None, data: Any = None) -> BaseForm:
        """The form, bound to `data` when given: a ModelForm edits a copy of the object (the service diffs
        against the saved row), any other form starts from `initial()`."""
        kwargs = self.form_kwargs(request, obj)
        if issubclass(self.form_class, ModelForm):
            copy = type(obj)._default_manager.get(pk=obj.pk) if obj is not None else None
            return self.form_class(data, instance=copy, **kwargs)
        return self.form_class(data, initial=self.initial(obj), **kwargs)

    def initial(self, obj: Model | None) -> dict[str, Any]:
        """The form's initial values for an existing object (`form_class.initial_for(obj)`)."""
        if obj is None:
            return {}
        initial_for = getattr(self.form_class, "initial_for", None)
        if initial_for is None:
            raise ImproperlyConfigured(f"{self.form_class.__name__} needs initial_for() to edit objects.")
        initial: dict[str, Any] = initial_for(obj)
        return initial

    def service_fields(self, form: BaseForm) -> dict[str, Any]:
        fields = getattr(form, "service_fields", None)
        return fields() if fields is not None else dict(form.cleaned_data)

    def save(self, request: HttpRequest, obj: Model | None, form: BaseForm) -> Model:
        """Call the service: create when `obj` is None, else update. An update also gets the form's
        `reason` (recorded in the audit log) when the form has one and its service fields do not."""
        fields = self.service_fields(form)
        create_service, update_service = type(self).create_service, type(self).update_service
        if obj is None:
            assert create_service is not None, f"{type(self).__name__} creates nothing"
            return create_service(actor=request.user, **fields)
        if "reason" in form.cleaned_data and "reason" not in fields:
            fields["reason"] = form.cleaned_data["reason"]
        assert update_service is not None, f"{type(self).__name__} changes nothing"
        return update_service(actor=request.user, **{self.object_name(): obj}, **fields)

    def success_text(self, obj: Model) -> str:
        """The message shown after a save: `success_message` (override for one that needs more than
        the object's name)."""
        return self.success_message.format(object=obj)

    def _object_or_none(self, request: HttpRequest, kwargs: dict[str, Any]) -> Model | None:
        if kwargs.get(self.lookup_field) is None:
            if not request.user.has_perm(perm_name(self.model, "add")):
                raise PermissionDenied
            return None
        return self.get_object(request, "change", **kwargs)

    def page(
        self,
        request: HttpRequest,
        obj: Model | None,
        form: BaseForm | None,
        *,
        status: int = 200,
        **kwargs: Any,
    ) -> HttpResponse:
        context = {self.object_name(): obj, "object": obj, "form": form}
        context.update(self.extra_context(request, obj=obj, **kwargs))
        return self.render(request, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self._object_or_none(request, kwargs)
        return self.page(request, obj, self.make_form(request, obj), **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self._object_or_none(request, kwargs)  # no right to the page at all: a bare 403
        form = self.make_form(request, obj, request.POST)
        status = 400
        if form.is_valid():
            try:
                saved = self.save(request, obj, form)
            except (ValidationError, PermissionDenied) as exc:
                # The service refused what the page offered: the form again, as typed, with the reason.
                status = apply_validation_error(form, exc)
            else:
                messages.success(request, self.success_text(saved))
                return redirect(self.success_url or _absolute(saved))
        return self.page(request, obj, form, status=status, **kwargs)


class ObjectActionView(ObjectEditView):
    """A workflow step on one object (POST only): `action_service(*, actor, <name>=obj, **fields)` with the
    fields of `form_class` (if any). Needs the object's `action` right (403); invalid input or a
    service's refusal re-renders `template_name` (the step's form, or the refusal as a message when the
    step has no form) with a 400."""

    http_method_names = ["post"]
    action: ClassVar[str] = "change"
    # An action may take no input: no form (the edit view always has one).
    form_class: ClassVar[type[BaseForm] | None] = None  # type: ignore[assignment]
    action_service: ClassVar[Callable[..., Model | None]]
    success_message: ClassVar[str] = "Done."

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object(request, self.action, **kwargs)
        form = self.form_class(request.POST, **self.form_kwargs(request, obj)) if self.form_class else None
        status = 400
        if form is None or form.is_valid():
            fields = self.service_fields(form) if form is not None else {}
            try:
                result = type(self).action_service(actor=request.user, **{self.object_name(): obj}, **fields)
            except (ValidationError, PermissionDenied) as exc:
                status = 403 if isinstance(exc, PermissionDenied) else 400
                if form is None:  # a button without input that the service refuses: say why
                    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    messages.error(request, text or "You may not do that.", fail_silently=True)
                else:
                    apply_validation_error(form, exc)
            else:
                messages.success(request, self.success_message.format(object=result or obj))
                return redirect(_absolute(result or obj))
        return self.page(request, obj, form, status=status, **kwargs)

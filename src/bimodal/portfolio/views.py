"""Pages of the portfolio app: the service catalogue, service pages, CSV import/export and modes.

Reads start from the user's restricted querysets (or the selectors); writes go through `services` or
`csvio`. A refused write is a 403; an invalid one is shown on the form and writes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from bimodal.core.models import AuditEntry
from bimodal.core.permissions import can, get_restricted_object
from bimodal.portfolio import csvio, selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.filtersets import ServiceFilterSet
from bimodal.portfolio.forms import (
    ChangeModeForm,
    DependencyForm,
    ModeForm,
    ServiceForm,
    ServiceImportForm,
    apply_validation_error,
    prepare_filter_form,
)
from bimodal.portfolio.models import Mode, Service, ServiceDependency
from bimodal.portfolio.tables import ServiceTable

PER_PAGE = 25
HISTORY_LENGTH = 20


def _wants_partial(request) -> bool:
    """An htmx swap (not a boosted navigation or a history restore) gets only the fragment."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _render(request, full: str, partial: str, context: dict) -> HttpResponse:
    """Render the full page or, for an htmx swap, just its fragment; caches keep the two apart."""
    if _wants_partial(request):
        response = render(request, partial, {**context, "oob": True})
    else:
        response = render(request, full, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _filtered_services(request) -> ServiceFilterSet:
    """The user's services narrowed by the filters in the query string."""
    filterset = ServiceFilterSet(
        request.GET, queryset=selectors.service_list(user=request.user), request=request
    )
    filterset.bar_fields = prepare_filter_form(filterset.form, request.user)
    return filterset


def _service_table(request, queryset, **kwargs) -> ServiceTable:
    table = ServiceTable(queryset, **kwargs)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return table


# --- the catalogue --------------------------------------------------------------------------------


@login_required
def service_list(request):
    """The service catalogue with its filter bar; htmx swaps only the results."""
    filterset = _filtered_services(request)
    # The table shows no tags: skip the selector's prefetch of them.
    table = _service_table(request, filterset.qs.prefetch_related(None))
    # Empty filters ("Any …") stay out of the URL that htmx pushes and of the export link.
    shown = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if any(values):
            shown.setlist(key, [value for value in values if value])
    query = shown.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context = {
        "active_area": "portfolio",
        "list_page": True,
        "filter": filterset,
        "table": table,
        "export_query": query.urlencode(),
        "filtered": bool(query),
    }
    response = _render(request, "portfolio/service_list.html", "portfolio/_service_results.html", context)
    if _wants_partial(request):
        response["HX-Push-Url"] = f"{request.path}?{shown.urlencode()}" if shown else request.path
    return response


@login_required
def service_export(request):
    """The filtered services as CSV in the import format."""
    filterset = _filtered_services(request)
    response = HttpResponse(csvio.export_services(filterset.qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="services.csv"'
    return response


@login_required
@permission_required("portfolio.import_services", raise_exception=True)
def service_import_template(request):
    """An empty CSV with the import columns."""
    response = HttpResponse(",".join(csvio.COLUMNS) + "\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="services-template.csv"'
    return response


@login_required
@permission_required("portfolio.import_services", raise_exception=True)
def service_import(request):
    """Upload a CSV of services; all rows are written, or none."""
    result = None
    dry_run = False
    if request.method == "POST":
        form = ServiceImportForm(request.POST, request.FILES)
        if form.is_valid():
            dry_run = form.cleaned_data["dry_run"]
            result = csvio.import_services(
                actor=request.user, text=form.cleaned_data["text"], dry_run=dry_run
            )
            if result.ok and not dry_run:
                messages.success(
                    request,
                    f"Imported: {len(result.created)} created, {len(result.updated)} updated, "
                    f"{len(result.unchanged)} unchanged.",
                )
    else:
        form = ServiceImportForm()
    return render(
        request,
        "portfolio/service_import.html",
        {
            "active_area": "portfolio",
            "form": form,
            "result": result,
            "dry_run": dry_run,
            "columns": csvio.COLUMNS,
            "required_columns": csvio.REQUIRED,
        },
    )


@login_required
@permission_required("portfolio.add_service", raise_exception=True)
def service_create(request):
    """Add a service to the portfolio."""
    form = ServiceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        try:
            service = portfolio_services.service_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Service “{service}” added.")
            return redirect(service)
    return render(
        request,
        "portfolio/service_form.html",
        {"active_area": "portfolio", "form": form, "service": None},
    )


# --- one service ----------------------------------------------------------------------------------


def _graph_context(request, service: Service, dependency_form: DependencyForm | None = None) -> dict:
    """Dependencies both ways, the blast radius and what the user may do to them."""
    user = request.user
    # Without the right to see dependency edges, the blast radius (walked over them) stays hidden too.
    can_see_graph = user.has_perm("portfolio.view_servicedependency")
    depends_on, used_by = selectors.service_dependencies(service, user=user)
    depends_on, used_by = list(depends_on), list(used_by)
    edge_ids = [edge.pk for edge in depends_on + used_by]
    removable = set()
    if edge_ids and user.has_perm("portfolio.delete_servicedependency"):
        removable = set(
            ServiceDependency.objects.restrict(user, "delete")
            .filter(pk__in=edge_ids)
            .values_list("pk", flat=True)
        )
    can_change = can(user, "change", service)
    can_add_dependency = can_change and user.has_perm("portfolio.add_servicedependency")
    if can_add_dependency and dependency_form is None:
        dependency_form = DependencyForm(service=service, user=user)
    return {
        "service": service,
        "depends_on": depends_on,
        "used_by": used_by,
        "removable": removable,
        "can_see_graph": can_see_graph,
        "blast": selectors.blast_radius(service, user=user) if can_see_graph else [],
        "can_change": can_change,
        "dependency_form": dependency_form if can_add_dependency else None,
    }


@login_required
def service_detail(request, slug: str):
    """One service: attributes, dependencies both ways, blast radius and history."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    history = None
    if request.user.has_perm("core.view_auditentry"):
        history = (
            AuditEntry.objects.restrict(request.user)
            .filter(content_type=ContentType.objects.get_for_model(Service), object_id=str(service.pk))
            .select_related("actor")
            .order_by("-seq")[:HISTORY_LENGTH]
        )
    context = {
        **_graph_context(request, service),
        "active_area": "portfolio",
        "history": history,
        "can_reclassify": request.user.has_perm("portfolio.reclassify_service"),
    }
    return render(request, "portfolio/service_detail.html", context)


def _graph_response(request, service: Service, dependency_form=None):
    """After a dependency edit: the graph fragment for htmx, else back to the service page."""
    if _wants_partial(request):
        context = _graph_context(request, service, dependency_form)
        return render(request, "portfolio/_service_graph.html", {**context, "oob": True})
    if dependency_form is not None and dependency_form.errors:
        for error in dependency_form.errors.values():
            messages.error(request, " ".join(error))
    return redirect(service)


@login_required
@require_POST
def dependency_add(request, slug: str):
    """Record that this service depends on another (htmx post from the service page)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, "change", slug=slug)
    if not request.user.has_perm("portfolio.add_servicedependency"):
        raise PermissionDenied("You may not add dependencies.")
    form = DependencyForm(request.POST, service=service, user=request.user)
    if form.is_valid():
        try:
            edge = portfolio_services.dependency_add(
                actor=request.user,
                source=service,
                target=form.cleaned_data["target"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if not _wants_partial(request):
                messages.success(request, f"Added: {edge}.")
            form = None
    return _graph_response(request, service, form)


@login_required
@require_POST
def dependency_remove(request, slug: str, pk: int):
    """Remove one dependency edge of this service (either direction)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    edge = get_object_or_404(
        ServiceDependency.objects.restrict(request.user).filter(Q(source=service) | Q(target=service)), pk=pk
    )
    portfolio_services.dependency_remove(
        actor=request.user, dependency=edge, reason=request.POST.get("reason", "")
    )
    if not _wants_partial(request):
        messages.success(request, f"Removed: {edge}.")
    return _graph_response(request, service)


@login_required
def service_edit(request, slug: str):
    """Change a service's attributes (not its mode)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, "change", slug=slug)
    # The form validates a copy: the service function must see the unchanged row to audit before/after.
    draft = Service.objects.with_related().get(pk=service.pk)
    form = ServiceForm(request.POST or None, instance=draft, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        try:
            portfolio_services.service_update(
                actor=request.user, service=service, reason=form.cleaned_data.get("reason", ""), **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Service “{service}” saved.")
            return redirect(service)
    return render(
        request,
        "portfolio/service_form.html",
        {"active_area": "portfolio", "form": form, "service": service},
    )


@login_required
@permission_required("portfolio.reclassify_service", raise_exception=True)
def service_change_mode(request, slug: str):
    """Move a service to another mode, with a reason."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    form = ChangeModeForm(request.POST or None, service=service, user=request.user)
    if request.method == "POST" and form.is_valid():
        old_mode = service.mode
        try:
            portfolio_services.service_change_mode(
                actor=request.user,
                service=service,
                mode=form.cleaned_data["mode"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{service}” moved from {old_mode} to {service.mode}.")
            return redirect(service)
    return render(
        request,
        "portfolio/service_change_mode.html",
        {"active_area": "portfolio", "form": form, "service": service},
    )


# --- modes ----------------------------------------------------------------------------------------


@login_required
def mode_list(request):
    """The modes with their governance profiles and service counts."""
    return render(
        request,
        "portfolio/mode_list.html",
        {"active_area": "modes", "modes": selectors.mode_list(user=request.user)},
    )


@login_required
def mode_detail(request, key: str):
    """One mode: its governance profile, its services and (for governance) an edit form."""
    mode = get_restricted_object(Mode.objects.all(), request.user, key=key)
    can_edit = can(request.user, "change", mode)
    form = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("You may not change modes.")
        form = ModeForm(request.POST, instance=Mode.objects.get(pk=mode.pk))
        if form.is_valid():
            try:
                portfolio_services.mode_update(
                    actor=request.user, mode=mode, reason=form.cleaned_data["reason"], **form.mode_fields()
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"{mode} saved.")
                return redirect(mode)
    elif can_edit:
        form = ModeForm(instance=Mode.objects.get(pk=mode.pk))
    services = selectors.service_list(user=request.user).filter(mode=mode)
    table = _service_table(request, services, exclude=("mode",))
    context = {"active_area": "modes", "mode": mode, "table": table, "form": form, "can_edit": can_edit}
    return _render(request, "portfolio/mode_detail.html", "portfolio/_service_results.html", context)

"""The service catalogue (list, CSV export and import, create) and the modes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import autocomplete_options, wants_partial
from bimodal.core.permissions import can, get_restricted_object
from bimodal.portfolio import csvio, hooks, selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.forms import (
    ModeForm,
    ModeTryForm,
    ServiceForm,
    ServiceImportForm,
)
from bimodal.portfolio.models import (
    Mode,
    Service,
)
from bimodal.portfolio.views.base import (
    _filtered_services,
    _render,
    _service_table,
)

# --- the catalogue --------------------------------------------------------------------------------


@require_GET
@login_required
def service_options(request):
    """Suggestions for a service picker (`core.forms.AutocompleteSelect`): up to 20 services the person may
    see whose name or slug contains the typed text, as <option>s keyed by slug."""
    return autocomplete_options(request, Service.objects.restrict(request.user, "view"))


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
    if wants_partial(request):
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


class ServiceCreate(generic.ObjectEditView):
    """Add a service to the portfolio (403 without the add permission); bad input is a 400 that writes
    nothing."""

    model = Service
    area = "portfolio"
    form_class = ServiceForm
    template_name = "portfolio/service_form.html"
    create_service = portfolio_services.service_create
    update_service = portfolio_services.service_update
    success_message = "Service “{object}” added."

    def get_queryset(self, request):
        return Service.objects.with_related()

    def form_kwargs(self, request, obj):
        return {"user": request.user}


service_create = ServiceCreate.as_view()


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
    preview = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("You may not change modes.")
        form = ModeForm(request.POST, instance=Mode.objects.get(pk=mode.pk))
        if form.is_valid() and "preview" in request.POST:
            # What saving would do to the mode's generated policies, before anything is written.
            preview = hooks.mode_profile_preview(mode=form.instance)
        elif form.is_valid():
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
    # The engine's reasons name the policies: only for those who may read them.
    may_try = request.user.has_perm("governance.view_policy")
    try_form = ModeTryForm(request.GET if "try" in request.GET and may_try else None)
    tried = hooks.mode_try(mode=mode, **try_form.cleaned_data) if try_form.is_valid() else None
    services = selectors.service_list(user=request.user).filter(mode=mode)
    table = _service_table(request, services, exclude=("mode",))
    context = {
        "active_area": "modes",
        "mode": mode,
        "table": table,
        "form": form,
        "can_edit": can_edit,
        "preview": preview,
        "try_form": try_form if may_try else None,
        "tried": tried,
        "rules": [] if wants_partial(request) else hooks.mode_governance(user=request.user, mode=mode),
        "sla_definitions": []
        if wants_partial(request)
        else hooks.mode_sla_definitions(user=request.user, mode=mode),
    }
    response = _render(request, "portfolio/mode_detail.html", "portfolio/_service_results.html", context)
    # A refused edit or a sample that does not parse: bad input is a 400 naming the fields.
    if (form is not None and form.is_bound and form.errors) or (try_form.is_bound and try_form.errors):
        response.status_code = 400
    return response

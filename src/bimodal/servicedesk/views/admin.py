"""In-app administration of the catalogue, schedules, SLA definitions and the priority matrix (every write goes
through the audited services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from bimodal.core.calendars import WEEKDAYS
from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.choices import Level
from bimodal.servicedesk.forms import (
    CatalogueItemForm,
    FieldSpecForm,
    FieldSpecFormSet,
    PriorityMatrixForm,
    ScheduleForm,
    SlaDefinitionForm,
    TaskSpecFormSet,
    specs_of,
)
from bimodal.servicedesk.models import (
    CatalogueItem,
    SlaDefinition,
    SupportSchedule,
)

# --- administration (in-app: every write goes through the audited services) ------------------------

ADMIN_PERMS = (
    "servicedesk.change_catalogueitem",
    "servicedesk.change_sladefinition",
    "servicedesk.change_supportschedule",
    "servicedesk.change_priorityrule",
)


def _require(request, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise PermissionDenied


def _admin_render(request, template: str, context: dict, *, status: int = 200):
    context = {"active_area": "servicedesk", **context}
    return render(request, template, context, status=status)


@login_required
def admin_index(request):
    """Service-desk administration: catalogue items, SLA definitions, schedules and the priority matrix."""
    if not any(request.user.has_perm(p) for p in ADMIN_PERMS):
        raise PermissionDenied
    context = {
        "items": selectors.admin_catalogue(user=request.user),
        "definitions": selectors.admin_definitions(user=request.user),
        "schedules": SupportSchedule.objects.restrict(request.user, "view"),
        "matrix": services.priority_matrix(),
        "levels": Level.values,
    }
    return _admin_render(request, "servicedesk/admin/index.html", context)


def _formset_data(formset_class, prefix: str, rows: list[dict], initial_for=None):
    return formset_class(prefix=prefix, initial=[initial_for(r) if initial_for else r for r in rows])


@login_required
def admin_item(request, slug: str | None = None):
    """Create or edit a catalogue item with its form-schema editor and fulfilment tasks."""
    item = None
    if slug is not None:
        item = get_restricted_object(CatalogueItem.objects.all(), request.user, "change", slug=slug)
        _require(request, "servicedesk.change_catalogueitem")
    else:
        _require(request, "servicedesk.add_catalogueitem")
    if request.method == "POST":
        form = CatalogueItemForm(request.POST, user=request.user)
        fields = FieldSpecFormSet(request.POST, prefix="field")
        tasks = TaskSpecFormSet(request.POST, prefix="task")
        if form.is_valid() and fields.is_valid() and tasks.is_valid():
            values = {**form.cleaned_data, "form_schema": specs_of(fields), "task_templates": specs_of(tasks)}
            values["approver_role"] = values["approver_role"] if values["approver"] == "role" else ""
            values["slug"] = values["slug"] or (item.slug if item else "")
            try:
                if item is None:
                    item = services.catalogue_item_create(actor=request.user, **values)
                else:
                    item = services.catalogue_item_update(actor=request.user, item=item, **values)
                messages.success(request, f"Saved {item.name}.")
                return redirect("servicedesk:admin_item", slug=item.slug)
            except ValidationError as exc:
                apply_validation_error(form, exc)
        status = 400
    else:
        initial = {}
        if item is not None:
            initial = {
                f: getattr(item, f)
                for f in ("department", "name", "slug", "description", "requires_approval", "approver")
            }
            initial.update(
                service=item.service_id,
                category=item.category_id,
                fulfilment_group=item.fulfilment_group_id,
                approver_role=item.approver_role,
                active=item.active,
            )
        form = CatalogueItemForm(initial=initial or None, user=request.user)
        fields = _formset_data(
            FieldSpecFormSet, "field", item.form_schema if item else [], FieldSpecForm.initial_for
        )
        tasks = _formset_data(TaskSpecFormSet, "task", item.task_templates if item else [])
        status = 200
    context = {"item": item, "form": form, "fields": fields, "tasks": tasks}
    return _admin_render(request, "servicedesk/admin/item_form.html", context, status=status)


@login_required
def admin_schedule(request, slug: str | None = None):
    """Create or edit a support schedule."""
    schedule = None
    if slug is not None:
        schedule = get_restricted_object(SupportSchedule.objects.all(), request.user, "change", slug=slug)
        _require(request, "servicedesk.change_supportschedule")
    else:
        _require(request, "servicedesk.add_supportschedule")
    form = ScheduleForm(
        request.POST or None,
        initial=ScheduleForm.initial_for(schedule) if schedule else {"time_zone": "Europe/London"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if schedule is None:
                schedule = services.schedule_create(
                    actor=request.user, slug=form.cleaned_data["slug"], **values
                )
            else:
                schedule = services.schedule_update(actor=request.user, schedule=schedule, **values)
            messages.success(request, f"Saved {schedule.name}.")
            return redirect("servicedesk:admin_schedule", slug=schedule.slug)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    context = {"schedule": schedule, "form": form, "weekdays": [form[d] for d in WEEKDAYS]}
    return _admin_render(request, "servicedesk/admin/schedule_form.html", context, status=status)


@login_required
def admin_definition(request, pk: int | None = None):
    """Create or edit an SLA definition."""
    definition = None
    if pk is not None:
        definition = get_restricted_object(SlaDefinition.objects.all(), request.user, "change", pk=pk)
        _require(request, "servicedesk.change_sladefinition")
    else:
        _require(request, "servicedesk.add_sladefinition")
    initial = (
        SlaDefinitionForm.initial_for(definition) if definition else {"warning_thresholds": "50, 75, 90"}
    )
    form = SlaDefinitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if definition is None:
                definition = services.sla_definition_create(actor=request.user, **values)
            else:
                definition = services.sla_definition_update(
                    actor=request.user, definition=definition, **values
                )
            messages.success(request, f"Saved {definition.name}.")
            return redirect("servicedesk:admin_definition", pk=definition.pk)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    context = {"definition": definition, "form": form}
    return _admin_render(request, "servicedesk/admin/definition_form.html", context, status=status)


@login_required
def admin_matrix(request):
    """The impact × urgency priority matrix as an editable grid."""
    _require(request, "servicedesk.change_priorityrule", "servicedesk.add_priorityrule")
    form = PriorityMatrixForm(request.POST or None, matrix=services.priority_matrix())
    if request.method == "POST" and form.is_valid():
        try:
            services.priority_matrix_set(
                actor=request.user, matrix=form.matrix(), reason=request.POST.get("reason", "")
            )
            messages.success(request, "Priority matrix saved.")
            return redirect("servicedesk:admin_matrix")
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "levels": [Level(v).label for v in Level.values]}
    return _admin_render(request, "servicedesk/admin/matrix.html", context, status=status)

"""In-app administration of the catalogue, schedules, SLA definitions, the priority matrix and routing rules (every write goes
through the audited services)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from bimodal.core.forms import apply_validation_error
from bimodal.core.generic import ObjectEditView
from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.choices import Level
from bimodal.servicedesk.forms import (
    CatalogueItemForm,
    FieldSpecForm,
    FieldSpecFormSet,
    PriorityMatrixForm,
    RoutingRuleForm,
    ScheduleForm,
    SlaDefinitionForm,
    TaskSpecFormSet,
    specs_of,
)
from bimodal.servicedesk.models import (
    CatalogueItem,
    RoutingRule,
    SlaDefinition,
    SupportSchedule,
)

# --- administration (in-app: every write goes through the audited services) ------------------------

ADMIN_PERMS = (
    "servicedesk.change_catalogueitem",
    "servicedesk.change_sladefinition",
    "servicedesk.change_supportschedule",
    "servicedesk.change_priorityrule",
    "servicedesk.change_routingrule",
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
        "rules": selectors.admin_routing_rules(user=request.user),
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


class ScheduleEdit(ObjectEditView):
    """Create or edit a support schedule (schedule_create / schedule_update)."""

    model = SupportSchedule
    area = "servicedesk"
    lookup_field = "slug"
    context_object_name = "schedule"
    form_class = ScheduleForm
    template_name = "servicedesk/admin/schedule_form.html"
    create_service = services.schedule_create
    update_service = services.schedule_update

    def initial(self, obj: Any) -> dict[str, Any]:
        return ScheduleForm.initial_for(obj) if obj is not None else {"time_zone": "Europe/London"}


admin_schedule = ScheduleEdit.as_view()


class DefinitionEdit(ObjectEditView):
    """Create or edit an SLA definition (sla_definition_create / sla_definition_update)."""

    model = SlaDefinition
    area = "servicedesk"
    lookup_field = "pk"
    context_object_name = "definition"
    form_class = SlaDefinitionForm
    template_name = "servicedesk/admin/definition_form.html"
    create_service = services.sla_definition_create
    update_service = services.sla_definition_update

    def initial(self, obj: Any) -> dict[str, Any]:
        return SlaDefinitionForm.initial_for(obj) if obj is not None else {"warning_thresholds": "50, 75, 90"}


admin_definition = DefinitionEdit.as_view()


class RoutingRuleEdit(ObjectEditView):
    """Create or edit a routing rule (routing_rule_create / routing_rule_update)."""

    model = RoutingRule
    area = "servicedesk"
    lookup_field = "pk"
    context_object_name = "rule"
    form_class = RoutingRuleForm
    template_name = "servicedesk/admin/routing_rule_form.html"
    create_service = services.routing_rule_create
    update_service = services.routing_rule_update

    def form_kwargs(self, request, obj):
        return {"user": request.user}

    def initial(self, obj: Any) -> dict[str, Any]:
        return RoutingRuleForm.initial_for(obj) if obj is not None else {"order": 100, "active": True}


admin_routing_rule = RoutingRuleEdit.as_view()


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

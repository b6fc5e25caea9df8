"""Pages of the standard-change catalogue: the list, a template with its versions and usage, proposing
and revising, approving, suspending and retiring, and raising a standard change from a template.

Reads start from the restricted querysets; each action calls one service function. A refused action is a
403 (PermissionDenied) or the form again with a 400 and nothing written (ValidationError)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.changes import services
from bimodal.changes.choices import TemplateStatus as T
from bimodal.changes.filtersets import TemplateFilterSet
from bimodal.changes.forms import RaiseFromTemplateForm, TemplateActionForm, TemplateForm
from bimodal.changes.models import Change, StandardChangeTemplate
from bimodal.core.forms import apply_validation_error
from bimodal.core.generic import ObjectEditView, ObjectListView
from bimodal.core.models import AuditEntry
from bimodal.core.permissions import can, get_restricted_object
from bimodal.core.querysets import RestrictedQuerySet


def _templates(user: Any) -> RestrictedQuerySet[StandardChangeTemplate]:
    return (
        StandardChangeTemplate.objects.restrict(user, "view")
        .select_related("owner", "approved_by")
        .prefetch_related("services", "modes")
        .with_usage()
    )


class TemplateList(ObjectListView):
    """The standard-change catalogue: every template version the user may see, with its usage."""

    model = StandardChangeTemplate
    area = "changes"
    template_name = "changes/template_list.html"
    partial_template_name = "changes/_template_results.html"
    filterset_class = TemplateFilterSet
    per_page = 50
    export_filename = "standard-changes.csv"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[StandardChangeTemplate]:
        return _templates(request.user).order_by("name", "-version")


template_list = TemplateList.as_view()


def _actions(user: Any, template: StandardChangeTemplate) -> list[tuple[str, str, str]]:
    """(action, label, button style) the user may try on this template now."""
    found = []
    decidable = template.status in {T.PROPOSED, T.SUSPENDED} and user.pk != template.owner_id
    if decidable and services.may_approve_template(user):
        label = "Approve" if template.status == T.PROPOSED else "Reinstate"
        found.append(("approve", label, "success"))
    if template.status == T.APPROVED and user.has_perm("changes.manage_change"):
        found.append(("suspend", "Suspend", "warning"))
    if template.status in {T.PROPOSED, T.APPROVED, T.SUSPENDED} and can(user, "change", template):
        found.append(("retire", "Retire", "outline-danger"))
    return found


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One template version: what it covers, its fixed plans, every version, usage and the actions."""
    return _detail_page(request, get_restricted_object(_templates(request.user), request.user, pk=pk))


def _detail_page(
    request: HttpRequest,
    template: StandardChangeTemplate,
    *,
    refused: str = "",
    action_form: TemplateActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The template's page; `action_form` is the refused action `refused`'s form, kept as typed."""
    versions = list(_templates(request.user).filter(key=template.key).order_by("-version"))
    history = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(StandardChangeTemplate),
        object_id__in=[str(v.pk) for v in versions],
    ).order_by("seq")
    context = {
        "active_area": "changes",
        "template": template,
        "versions": versions,
        "changes": Change.objects.restrict(request.user, "view")
        .filter(template__key=template.key)
        .order_by("-created_at")[:20],
        "actions": _actions(request.user, template),
        "action_form": action_form or TemplateActionForm(),
        "refused_action": refused,
        "may_raise": template.usable and request.user.has_perm("changes.add_change"),
        "may_revise": template.status in {T.APPROVED, T.SUSPENDED} and can(request.user, "change", template),
        "history": history,
    }
    return render(request, "changes/template_detail.html", context, status=status)


class TemplatePropose(ObjectEditView):
    """Propose a new standard-change template."""

    model = StandardChangeTemplate
    area = "changes"
    lookup_field = "pk"
    context_object_name = "template"
    template_name = "changes/template_form.html"
    form_class = TemplateForm
    create_service = services.template_propose
    success_message = "“{object}” proposed: a change manager or CAB member approves it."

    def form_kwargs(self, request: HttpRequest, obj: Model | None) -> dict[str, Any]:
        return {"user": request.user}


class TemplateRevise(TemplatePropose):
    """Propose the next version of a template (a copy to edit)."""

    success_message = "Version {object.version} of “{object.name}” proposed."

    def save(self, request: HttpRequest, obj: Model | None, form: Any) -> Model:
        return services.template_revise(actor=request.user, template=obj, **self.service_fields(form))


template_propose = TemplatePropose.as_view()
template_revise = TemplateRevise.as_view()


_ACTIONS = {
    "approve": services.template_approve,
    "suspend": services.template_suspend,
    "retire": services.template_retire,
}


@login_required
@require_POST
def template_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve (or reinstate), suspend or retire a template, with a reason. Refused, the template's page
    says why with the reason as typed (400 for a rule, 403 when the person may not)."""
    template = get_restricted_object(_templates(request.user), request.user, pk=pk)
    if action not in _ACTIONS:
        raise Http404("No such action.")
    form = TemplateActionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            template = _ACTIONS[action](
                actor=request.user, template=template, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{template}”: {template.get_status_display().lower()}.")
            return redirect(template)
    template = get_restricted_object(_templates(request.user), request.user, pk=pk)
    return _detail_page(request, template, refused=action, action_form=form, status=status)


@login_required
def template_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Raise a standard change from a template: its plans, the user's choice of the services it covers.
    Refused, the form comes back as typed with why (400 for a rule, 403 when the service refuses the person)."""
    template = get_restricted_object(_templates(request.user), request.user, pk=pk)
    if not request.user.has_perm("changes.add_change"):
        raise PermissionDenied("You may not raise changes.")
    form = RaiseFromTemplateForm(request.POST or None, user=request.user, template=template)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                change = services.change_create_from_template(
                    actor=request.user, template=template, **form.service_fields()
                )
            except (ValidationError, PermissionDenied) as exc:
                status = apply_validation_error(form, exc)
            else:
                messages.success(request, f"{change.reference} saved as a draft standard change.")
                return redirect(change)
    context = {"active_area": "changes", "template": template, "form": form}
    return render(request, "changes/template_raise.html", context, status=status)

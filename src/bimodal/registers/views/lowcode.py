"""Low-code apps: the register, forms, the detail page with its risk factors, promotion to a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import can, get_restricted_object
from bimodal.registers import risk, selectors, services
from bimodal.registers.choices import RegisterStage
from bimodal.registers.filtersets import LowCodeAppFilterSet
from bimodal.registers.forms import (
    LowCodeAppForm,
    PromoteForm,
)
from bimodal.registers.models import LowCodeApp
from bimodal.registers.views.base import AREA, RegisterItemEdit, _list, _next_stages


@login_required
def lowcode_list(request):
    """The low-code register."""
    return _list(
        request,
        filterset_class=LowCodeAppFilterSet,
        queryset=selectors.lowcode_list(user=request.user),
        template="registers/lowcode_list.html",
        partial="registers/_lowcode_results.html",
    )


class LowCodeAppCreate(RegisterItemEdit):
    """Register a low-code app (403 without the add permission); its risk follows from its attributes."""

    model = LowCodeApp
    form_class = LowCodeAppForm
    template_name = "registers/item_form.html"
    context_object_name = "app"  # the update service's keyword
    create_service = services.lowcode_create
    update_service = services.lowcode_update
    verb = "registered"

    def success_text(self, obj):
        return f"“{obj}” {self.verb}: risk {obj.get_risk_level_display()} ({obj.risk_score})."

    def extra_context(self, request, obj=None, **kwargs):
        if obj is None:
            return {"title": "Register a low-code app", "cancel": "registers:lowcode_list"}
        return {
            "item": obj,
            "title": f"Edit {obj.name}",
            "cancel": "registers:lowcode_list",
            "list_label": "Low-code apps",
        }


class LowCodeAppEdit(LowCodeAppCreate):
    """Change a low-code app; its risk score and controls are recomputed by the service (404 when it cannot
    be seen, 403 when it cannot be changed)."""

    verb = "saved"


lowcode_create = LowCodeAppCreate.as_view()
lowcode_edit = LowCodeAppEdit.as_view()


@login_required
def lowcode_detail(request, slug):
    """One low-code app: risk factors, required controls, review and promotion."""
    return _lowcode_page(request, _app(request, slug))


def _app(request, slug: str) -> LowCodeApp:
    return get_restricted_object(
        selectors.lowcode_list(user=request.user).prefetch_related("integrations__mode"),
        request.user,
        slug=slug,
    )


def _lowcode_page(request, app: LowCodeApp, *, promote_form: PromoteForm | None = None, status: int = 200):
    """The app's page; `promote_form` is a refused promotion's form, kept as chosen."""
    factors = risk.low_code_risk(
        users=app.user_count,
        data_classification=app.data_classification,
        integrations=len(app.integrations.all()),
        critical_integrations=sum(1 for s in app.integrations.all() if s.criticality <= 1),
        support=app.support_wrapper,
    ).factors
    context = {
        **AREA,
        "item": app,
        "kind": "low-code",
        "factors": factors,
        "can_change": can(request.user, "change", app),
        "promote_form": promote_form
        or (
            PromoteForm(user=request.user)
            if request.user.has_perm("registers.promote_lowcodeapp") and app.stage == RegisterStage.IN_USE
            else None
        ),
        "next_stages": _next_stages(app),
    }
    return render(request, "registers/lowcode_detail.html", context, status=status)


@login_required
@require_POST
@permission_required("registers.promote_lowcodeapp", raise_exception=True)
def lowcode_promote(request, slug):
    """Promote an app into the service catalogue. Refused, the app's page says why with the mode and team
    as chosen (400 for a rule, 403 when the service refuses the person)."""
    app = get_restricted_object(LowCodeApp.objects, request.user, slug=slug)
    form = PromoteForm(request.POST, user=request.user)
    status = 400
    if form.is_valid():
        try:
            app = services.lowcode_promote(actor=request.user, app=app, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{app}” is now a service in the catalogue.")
            return redirect(app)
    return _lowcode_page(request, _app(request, slug), promote_form=form, status=status)

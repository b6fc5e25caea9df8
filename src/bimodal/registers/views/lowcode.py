"""Low-code apps: the register, forms, the detail page with its risk factors, promotion to a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
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
from bimodal.registers.views.base import AREA, _edit_page, _list, _next_stages


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


@login_required
@permission_required("registers.add_lowcodeapp", raise_exception=True)
def lowcode_create(request):
    """Register a low-code app."""
    form = LowCodeAppForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.lowcode_create(actor=request.user, **form.data_for_service())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"“{app}” registered: risk {app.get_risk_level_display()} ({app.risk_score})."
            )
            return redirect(app)
    return render(
        request,
        "registers/item_form.html",
        {**AREA, "form": form, "title": "Register a low-code app", "cancel": "registers:lowcode_list"},
    )


@login_required
def lowcode_edit(request, slug):
    """Change a low-code app; its risk score and controls are recomputed by the service."""
    app = get_restricted_object(LowCodeApp.objects, request.user, "change", slug=slug)
    form = LowCodeAppForm(request.POST or None, instance=app, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        app.refresh_from_db()  # the form wrote its values on the instance; the service diffs from the saved row
        try:
            app = services.lowcode_update(actor=request.user, app=app, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"“{app}” saved: risk {app.get_risk_level_display()} ({app.risk_score})."
            )
            return redirect(app)
    return _edit_page(request, form, app, "registers:lowcode_list", "Low-code apps")


@login_required
def lowcode_detail(request, slug):
    """One low-code app: risk factors, required controls, review and promotion."""
    app = get_restricted_object(
        selectors.lowcode_list(user=request.user).prefetch_related("integrations__mode"),
        request.user,
        slug=slug,
    )
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
        "promote_form": PromoteForm(user=request.user)
        if request.user.has_perm("registers.promote_lowcodeapp") and app.stage == RegisterStage.IN_USE
        else None,
        "next_stages": _next_stages(app),
    }
    return render(request, "registers/lowcode_detail.html", context)


@login_required
@require_POST
@permission_required("registers.promote_lowcodeapp", raise_exception=True)
def lowcode_promote(request, slug):
    """Promote an app into the service catalogue."""
    app = get_restricted_object(LowCodeApp.objects, request.user, slug=slug)
    form = PromoteForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            app = services.lowcode_promote(actor=request.user, app=app, **form.cleaned_data)
            messages.success(request, f"“{app}” is now a service in the catalogue.")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    else:
        messages.error(request, "Choose a mode.")
    return redirect(app)

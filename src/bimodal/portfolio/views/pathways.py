"""Migration pathways: list, page, create and edit, steps and readiness criteria."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import can, get_restricted_object
from bimodal.portfolio import selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.choices import PATHWAY_TRANSITIONS, PATHWAYS_IN_FLIGHT
from bimodal.portfolio.filtersets import (
    PathwayFilterSet,
)
from bimodal.portfolio.forms import (
    PathwayForm,
    ReadinessForm,
    ReadinessFormSet,
    StepForm,
    StepFormSet,
)
from bimodal.portfolio.models import (
    MigrationPathway,
    Service,
)
from bimodal.portfolio.views.assessment import (
    _need,
)
from bimodal.portfolio.views.base import (
    _render,
)


@login_required
def pathway_list(request):
    """Migration pathways (in flight by default) with progress and blockers."""
    _need(request.user, "portfolio.view_migrationpathway")
    data = request.GET.copy()
    if "status" not in data:
        data.setlist("status", ["planned", "in_progress", "blocked"])
    filterset = PathwayFilterSet(data, queryset=selectors.pathway_list(user=request.user))
    pathways = list(filterset.qs[:500])
    for pathway in pathways:
        pathway.progress = selectors.progress(pathway)
    context = {"active_area": "portfolio", "tab": "pathways", "filter": filterset, "pathways": pathways}
    return _render(request, "portfolio/pathway_list.html", "portfolio/_pathway_rows.html", context)


@login_required
def pathway_detail(request, pk: int):
    """A pathway: steps with owners and dates, readiness criteria, progress, blockers; owners tick them off.
    Ticking a step or criterion and moving the status are plain buttons with nothing typed: a refusal is a
    message on the page they return to."""
    pathway = get_restricted_object(selectors.pathway_list(user=request.user), request.user, pk=pk)
    can_change = can(request.user, "change", pathway)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("You may not change this pathway.")
        kind, item_pk = request.POST.get("kind"), request.POST.get("pk")
        try:
            if kind == "step":
                step = get_object_or_404(pathway.steps.all(), pk=item_pk)
                portfolio_services.pathway_step_update(
                    actor=request.user, step=step, done=request.POST.get("done") == "1"
                )
            elif kind == "readiness":
                item = get_object_or_404(pathway.readiness.all(), pk=item_pk)
                portfolio_services.readiness_update(
                    actor=request.user,
                    criterion=item,
                    met=request.POST.get("met") == "1",
                    evidence=request.POST.get("evidence", item.evidence),
                )
            elif kind == "status":
                portfolio_services.pathway_set_status(
                    actor=request.user, pathway=pathway, status=request.POST.get("status", "")
                )
            else:
                return HttpResponse("Unknown change.", status=400)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(pathway)
    return render(request, "portfolio/pathway_detail.html", _pathway_context(request, pathway, can_change))


def _pathway_context(request, pathway: MigrationPathway, can_change: bool, **forms) -> dict:
    pathway.progress = selectors.progress(pathway)
    open_pathway = pathway.status in PATHWAYS_IN_FLIGHT
    return {
        "active_area": "portfolio",
        "tab": "pathways",
        "pathway": pathway,
        "steps": pathway.steps.select_related("owner"),
        "readiness": pathway.readiness.all(),
        "can_change": can_change,
        "open_pathway": open_pathway,
        "next_statuses": sorted(PATHWAY_TRANSITIONS.get(pathway.status, ())),
        "step_form": forms.get("step_form")
        or (StepForm(prefix="step") if can_change and open_pathway else None),
        "readiness_form": forms.get("readiness_form")
        or (ReadinessForm(prefix="readiness") if can_change and open_pathway else None),
    }


def _changeable_pathway(request, pk: int) -> MigrationPathway:
    """The pathway if the user may see it (else 404) and change it (else 403)."""
    pathway = get_restricted_object(selectors.pathway_list(user=request.user), request.user, pk=pk)
    if not can(request.user, "change", pathway):
        raise PermissionDenied("You may not change this pathway.")
    return pathway


def _may_plan(user, service: Service) -> bool:
    return user.has_perm("portfolio.add_migrationpathway") and (
        user.has_perm("portfolio.manage_all_services") or can(user, "change", service)
    )


def _cleaned_rows(formset, *, skip: str) -> list[dict]:
    """The filled-in rows of a formset (rows without `skip` are left out)."""
    return [f.cleaned_data for f in formset if f.cleaned_data and f.cleaned_data.get(skip)]


@login_required
def pathway_create(request, slug: str):
    """Plan a migration pathway for a service: target mode, owner, dates, steps and readiness criteria.
    Refused, the form comes back as typed with why (400 for a rule, 403 when the service refuses the person)."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    if not _may_plan(request.user, service):
        raise PermissionDenied("Only the service's owners and governance leads plan its pathways.")
    data = request.POST if request.method == "POST" else None
    initial = {"owner": request.user, "title": f"Move {service.name}"}
    form = PathwayForm(data, from_mode=service.mode, user=request.user, initial=initial)
    steps = StepFormSet(data, prefix="steps")
    readiness = ReadinessFormSet(data, prefix="readiness")
    refused_by = 400
    if data is not None and form.is_valid() and steps.is_valid() and readiness.is_valid():
        try:
            pathway = portfolio_services.pathway_create(
                actor=request.user,
                service=service,
                steps=_cleaned_rows(steps, skip="title"),
                readiness=_cleaned_rows(readiness, skip="label"),
                **form.cleaned_data,
            )
        except (ValidationError, PermissionDenied) as exc:
            refused_by = apply_validation_error(form, exc)
        else:
            messages.success(request, f"Pathway “{pathway}” planned.")
            return redirect(pathway)
    invalid = form.errors or steps.total_error_count() or readiness.total_error_count()
    context = {
        "active_area": "portfolio",
        "tab": "pathways",
        "service": service,
        "form": form,
        "steps": steps,
        "readiness": readiness,
    }
    return render(
        request, "portfolio/pathway_form.html", context, status=refused_by if data and invalid else 200
    )


@login_required
def pathway_edit(request, pk: int):
    """Change a pathway's plan: title, target mode, owner, target date and description. Refused, the form
    comes back as typed with why (400 for a rule, 403 when the service refuses the person)."""
    pathway = _changeable_pathway(request, pk)
    initial = {
        "to_mode": pathway.to_mode,
        "title": pathway.title,
        "owner": pathway.owner,
        "target_date": pathway.target_date,
        "description": pathway.description,
    }
    form = PathwayForm(request.POST or None, from_mode=pathway.from_mode, user=request.user, initial=initial)
    status = 400
    if request.method == "POST" and form.is_valid():
        try:
            portfolio_services.pathway_update(actor=request.user, pathway=pathway, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, "Pathway saved.")
            return redirect(pathway)
    context = {"active_area": "portfolio", "tab": "pathways", "pathway": pathway, "form": form}
    return render(request, "portfolio/pathway_form.html", context, status=status if form.errors else 200)


def _pathway_inline_add(request, pk: int, *, form_class, prefix: str, add, done: str):
    """Add a step or criterion from the pathway page with `add(actor, pathway, **data)`. Refused, the pathway's
    page comes back with the form as typed and why (400 for a rule, 403 when the service refuses the person)."""
    pathway = _changeable_pathway(request, pk)
    form = form_class(request.POST, prefix=prefix)
    status = 400
    if form.is_valid():
        try:
            add(actor=request.user, pathway=pathway, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(pathway)
    context = _pathway_context(request, pathway, True, **{f"{prefix}_form": form})
    return render(request, "portfolio/pathway_detail.html", context, status=status)


@login_required
@require_POST
def pathway_step_add(request, pk: int):
    """Add a step from the pathway page."""
    return _pathway_inline_add(
        request,
        pk,
        form_class=StepForm,
        prefix="step",
        add=portfolio_services.pathway_step_add,
        done="Step added.",
    )


@login_required
def pathway_step_edit(request, pk: int, step_pk: int):
    """Change one step: title, owner, due date, status and blocker. Refused, the form comes back as typed
    with why (400 for a rule, 403 when the service refuses the person)."""
    pathway = _changeable_pathway(request, pk)
    step = get_object_or_404(pathway.steps.select_related("owner"), pk=step_pk)
    initial = {f: getattr(step, f) for f in ("title", "owner", "due_date", "status", "blocker")}
    form = StepForm(request.POST or None, initial=initial)
    status = 400
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            portfolio_services.pathway_step_update(actor=request.user, step=step, **changed)
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, f"Step “{step.title}” saved.")
            return redirect(pathway)
    context = {"active_area": "portfolio", "tab": "pathways", "pathway": pathway, "step": step, "form": form}
    return render(request, "portfolio/pathway_step_form.html", context, status=status if form.errors else 200)


@login_required
@require_POST
def pathway_readiness_add(request, pk: int):
    """Add a readiness criterion from the pathway page."""
    return _pathway_inline_add(
        request,
        pk,
        form_class=ReadinessForm,
        prefix="readiness",
        add=portfolio_services.readiness_add,
        done="Readiness criterion added.",
    )

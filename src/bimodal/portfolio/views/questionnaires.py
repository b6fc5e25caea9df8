"""Readiness questionnaires: a version's page and editing its criteria."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.portfolio import selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.forms import (
    CriterionForm,
    NewCriterionForm,
)
from bimodal.portfolio.models import (
    Criterion,
    Questionnaire,
)
from bimodal.portfolio.views.assessment import (
    _need,
)


@login_required
def questionnaire_detail(request, version: int | None = None):
    """A questionnaire version and its criteria; governance leads copy, edit and publish versions. Copying
    and publishing are plain buttons with nothing typed: a refusal is a message on the page they return to."""
    _need(request.user, "portfolio.view_questionnaire")
    queryset = Questionnaire.objects.restrict(request.user).prefetch_related("criteria")
    if version is None:
        questionnaire = selectors.current_questionnaire()
        if questionnaire is None:
            raise Http404("No questionnaire is published.")
    else:
        questionnaire = get_object_or_404(queryset, version=version)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "new_version":
                _need(request.user, "portfolio.add_questionnaire")
                draft = portfolio_services.questionnaire_new_version(actor=request.user, source=questionnaire)
                messages.success(request, f"Draft v{draft.version} created: edit its criteria, then publish.")
                return redirect(draft)
            if action == "publish":
                portfolio_services.questionnaire_publish(actor=request.user, questionnaire=questionnaire)
                messages.success(request, f"v{questionnaire.version} is now the questionnaire in use.")
            else:
                return HttpResponse("Unknown action.", status=400)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(questionnaire)
    context = {
        "active_area": "portfolio",
        "tab": "questionnaire",
        "questionnaire": questionnaire,
        "criteria": questionnaire.criteria.all(),
        "versions": Questionnaire.objects.restrict(request.user).only("version", "status", "name"),
        "can_edit": request.user.has_perm("portfolio.change_criterion") and questionnaire.status == "draft",
        "can_add": request.user.has_perm("portfolio.add_criterion") and questionnaire.status == "draft",
        "can_remove": request.user.has_perm("portfolio.delete_criterion") and questionnaire.status == "draft",
        "can_copy": request.user.has_perm("portfolio.add_questionnaire"),
    }
    return render(request, "portfolio/questionnaire_detail.html", context)


@login_required
def criterion_edit(request, version: int, key: str):
    """Edit one criterion of a draft questionnaire. Refused, the form comes back as typed with why (400 for
    a rule, 403 when the service refuses the person)."""
    criterion = get_restricted_object(
        Criterion.objects.select_related("questionnaire"),
        request.user,
        "change",
        questionnaire__version=version,
        key=key,
    )
    form = CriterionForm(request.POST or None, instance=Criterion.objects.get(pk=criterion.pk))
    status = 400
    if request.method == "POST" and form.is_valid():
        try:
            portfolio_services.criterion_update(actor=request.user, criterion=criterion, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{criterion.label}” saved.")
            return redirect(criterion.questionnaire)
    context = {"active_area": "portfolio", "tab": "questionnaire", "criterion": criterion, "form": form}
    return render(request, "portfolio/criterion_form.html", context, status=status if form.errors else 200)


@login_required
def criterion_add(request, version: int):
    """Add a criterion to a draft questionnaire (published versions are frozen: 403). Refused, the form
    comes back as typed with why (400 for a rule, 403 when the service refuses the person)."""
    _need(request.user, "portfolio.add_criterion")
    questionnaire = get_restricted_object(
        Questionnaire.objects.all(), request.user, "change", version=version
    )
    form = NewCriterionForm(request.POST or None, initial={"weight": 1, "mode_weights": {}, "options": []})
    status = 400
    if request.method == "POST" and form.is_valid():
        try:
            criterion = portfolio_services.criterion_add(
                actor=request.user, questionnaire=questionnaire, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            status = apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{criterion.label}” added to v{questionnaire.version}.")
            return redirect(questionnaire)
    context = {
        "active_area": "portfolio",
        "tab": "questionnaire",
        "questionnaire": questionnaire,
        "criterion": None,
        "form": form,
    }
    return render(request, "portfolio/criterion_form.html", context, status=status if form.errors else 200)


@login_required
@require_POST
def criterion_remove(request, version: int, key: str):
    """Remove a criterion from a draft questionnaire."""
    _need(request.user, "portfolio.delete_criterion")
    criterion = get_restricted_object(
        Criterion.objects.select_related("questionnaire"),
        request.user,
        "delete",
        questionnaire__version=version,
        key=key,
    )
    portfolio_services.criterion_remove(actor=request.user, criterion=criterion)
    messages.success(request, f"“{criterion.label}” removed from v{version}.")
    return redirect(criterion.questionnaire)

"""MSP evaluations: requirements, candidates, the comparison and the decision."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.suppliers import selectors, services
from bimodal.suppliers.choices import DEFAULT_WEIGHTS
from bimodal.suppliers.evaluation import score
from bimodal.suppliers.forms import (
    CancelForm,
    CandidateEditForm,
    CandidateForm,
    DecisionForm,
    EvaluationForm,
    RemoveForm,
    RequirementForm,
)
from bimodal.suppliers.models import (
    MspCandidate,
    MspEvaluation,
    MspRequirement,
)
from bimodal.suppliers.views.base import AREA, _render, _require
from bimodal.suppliers.views.contracts import _form_post

# --- MSP evaluation ----------------------------------------------------------------------------------------


@login_required
def evaluation_list(request):
    _require(request, "suppliers.view_mspevaluation")
    return _render(
        request, "evaluation_list.html", {"evaluations": selectors.evaluation_list(user=request.user)}
    )


@login_required
def evaluation_detail(request, slug: str):
    """The side-by-side comparison of candidates with their weighted scores, and the decision."""
    evaluation = selectors.evaluation_full(user=request.user, slug=slug)
    can_edit = request.user.has_perm("suppliers.change_mspevaluation") and evaluation.status == "open"
    context = {
        "evaluation": evaluation,
        "scores": score(evaluation),
        "can_edit": can_edit,
        "cancel_form": CancelForm() if can_edit else None,
        "requirement_form": RequirementForm() if can_edit else None,
        "candidate_form": CandidateForm() if can_edit else None,
        "decision_form": DecisionForm(evaluation=evaluation)
        if can_edit and request.user.has_perm("suppliers.decide_mspevaluation")
        else None,
    }
    return _render(request, "evaluation_detail.html", context)


@login_required
def evaluation_form(request, slug: str | None = None):
    """Start or edit an evaluation."""
    evaluation = None
    if slug:
        evaluation = get_restricted_object(MspEvaluation.objects.all(), request.user, "change", slug=slug)
        _require(request, "suppliers.change_mspevaluation")
    else:
        _require(request, "suppliers.add_mspevaluation")

    weights = evaluation.weights if evaluation else {str(k): v for k, v in DEFAULT_WEIGHTS.items()}
    initial = {f"w_{k}": v for k, v in weights.items()}
    if evaluation is not None:
        initial.update(
            name=evaluation.name,
            description=evaluation.description,
            services=list(evaluation.services.all()),
            required_response=evaluation.required_response,
            needs_remote=evaluation.needs_remote,
            needs_on_site=evaluation.needs_on_site,
            regions=", ".join(evaluation.regions),
        )
    form = EvaluationForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if evaluation is None:
                evaluation = services.evaluation_create(actor=request.user, **form.values())
            else:
                evaluation = services.evaluation_update(
                    actor=request.user, evaluation=evaluation, **form.values()
                )
            return redirect(evaluation.get_absolute_url())
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    return _render(request, "evaluation_form.html", {"evaluation": evaluation, "form": form}, status)


def _evaluation_post(request, slug: str, form_class, call, **form_kwargs):
    evaluation = get_restricted_object(MspEvaluation.objects.all(), request.user, "change", slug=slug)
    form = form_class(
        request.POST, **{k: (evaluation if v == "evaluation" else v) for k, v in form_kwargs.items()}
    )
    return _form_post(request, evaluation, form, call, lambda: evaluation_detail(request, slug))


@login_required
@require_POST
def evaluation_requirement(request, slug: str):
    return _evaluation_post(
        request,
        slug,
        RequirementForm,
        lambda e, d: services.requirement_set(actor=request.user, evaluation=e, **d),
    )


@login_required
@require_POST
def evaluation_candidate(request, slug: str):
    return _evaluation_post(
        request,
        slug,
        CandidateForm,
        lambda e, d: services.candidate_add(actor=request.user, evaluation=e, **d),
    )


@login_required
@require_POST
def evaluation_decide(request, slug: str):
    return _evaluation_post(
        request,
        slug,
        DecisionForm,
        lambda e, d: services.evaluation_decide(actor=request.user, evaluation=e, **d),
        evaluation="evaluation",
    )


def _evaluation_context(title: str, evaluation: MspEvaluation) -> dict:
    return {
        "title": title,
        "back": evaluation.get_absolute_url(),
        "back_label": evaluation.name,
        "tab": "evaluations",
    }


class _EvaluationRowStep(generic.ObjectActionView):
    """A step on a candidate or requirement of the evaluation named in the URL: 404 when it cannot be
    seen (supplier agents never see evaluations), 403 when the role may not change it."""

    area = AREA["active_area"]
    template_name = "suppliers/action_form.html"
    lookup_field = "pk"
    action = "delete"
    form_class = RemoveForm
    title: ClassVar[str] = "Remove {object}"
    success_message = "Removed {object}."

    def get_queryset(self, request):
        return self.model.objects.select_related("evaluation").filter(evaluation__slug=self.kwargs["slug"])

    def extra_context(self, request, obj=None, **kwargs):
        return _evaluation_context(self.title.format(object=obj), obj.evaluation)


class CandidateRemove(_EvaluationRowStep):
    """Withdraw a candidate from an open evaluation (suppliers.candidate_remove)."""

    model = MspCandidate
    context_object_name = "candidate"
    action_service = services.candidate_remove


class RequirementRemove(_EvaluationRowStep):
    """Stop requiring a skill (suppliers.requirement_remove)."""

    model = MspRequirement
    context_object_name = "requirement"
    action_service = services.requirement_remove


class CandidateEdit(generic.ObjectEditView):
    """Change a candidate's response times, customisation, cost or notes (suppliers.candidate_update)."""

    model = MspCandidate
    area = AREA["active_area"]
    lookup_field = "pk"
    context_object_name = "candidate"
    form_class = CandidateEditForm
    template_name = "suppliers/action_form.html"
    update_service = services.candidate_update
    success_message = "Saved {object}."

    def get_queryset(self, request):
        return MspCandidate.objects.select_related("evaluation", "supplier").filter(
            evaluation__slug=self.kwargs["slug"]
        )

    def extra_context(self, request, obj=None, **kwargs):
        return {**_evaluation_context(f"Edit candidate {obj.supplier}", obj.evaluation), "edit": True}


class EvaluationCancel(generic.ObjectActionView):
    """Close an open evaluation without a decision, with the reason (suppliers.evaluation_cancel)."""

    model = MspEvaluation
    area = AREA["active_area"]
    context_object_name = "evaluation"
    form_class = CancelForm
    template_name = "suppliers/action_form.html"
    action_service = services.evaluation_cancel
    success_message = "Cancelled {object}."

    def extra_context(self, request, obj=None, **kwargs):
        return _evaluation_context(f"Cancel {obj}", obj)


candidate_edit = CandidateEdit.as_view()
candidate_remove = CandidateRemove.as_view()
requirement_remove = RequirementRemove.as_view()
evaluation_cancel = EvaluationCancel.as_view()

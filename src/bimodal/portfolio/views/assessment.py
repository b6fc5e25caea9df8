"""Assessment: the portfolio map, assessments of services, and reclassification proposals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, When
from django.shortcuts import redirect, render

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import can, get_restricted_object
from bimodal.core.services import permission_refusal
from bimodal.portfolio import charts, selectors
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.filtersets import (
    AssessmentFilterSet,
    ProposalFilterSet,
)
from bimodal.portfolio.forms import (
    AssessmentForm,
    DecisionForm,
    ProposalForm,
)
from bimodal.portfolio.models import (
    Mode,
    Service,
)
from bimodal.portfolio.views.base import (
    _render,
)

# --- assessment, map, proposals, pathways, questionnaires ------------------------------------------


def _need(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(permission_refusal(perm))


@login_required
def portfolio_map(request):
    """Cost of change × demand for change of every assessed service, and the TIME view."""
    _need(request.user, "portfolio.view_assessment")
    latest = selectors.latest_assessments(user=request.user).exclude(cost_of_change=None)
    points, time_points = [], []
    for a in latest:
        service = a.service
        point = {
            "name": service.name,
            "slug": service.slug,
            "mode": service.mode.short_name,
            "colour": service.mode.colour,
            "x": a.cost_of_change,
            "y": a.demand_for_change if a.demand_for_change is not None else 0,
            "recommended": a.recommended_mode.short_name if a.recommended_mode else "—",
            "differs": a.recommended_mode_id is not None and a.recommended_mode_id != service.mode_id,
            "functional_fit": a.functional_fit,
            "technical_fit": a.technical_fit,
        }
        points.append(point)
        if a.functional_fit is not None and a.technical_fit is not None:
            time_points.append(point)
    context = {
        "active_area": "portfolio",
        "tab": "map",
        "points": points,
        "differing": [p for p in points if p["differs"]],
        "map_chart": charts.portfolio_map(points) if points else "",
        "time_chart": charts.time_map(time_points) if time_points else "",
    }
    return render(request, "portfolio/map.html", context)


@login_required
def assessment_list(request):
    """The latest assessment of every visible service (all assessments with ?latest=false)."""
    _need(request.user, "portfolio.view_assessment")
    data = request.GET.copy()
    data.setdefault("latest", "true")
    filterset = AssessmentFilterSet(data, queryset=selectors.assessment_list(user=request.user))
    context = {
        "active_area": "portfolio",
        "tab": "assessments",
        "filter": filterset,
        "assessments": filterset.qs[:500],
    }
    return _render(request, "portfolio/assessment_list.html", "portfolio/_assessment_rows.html", context)


@login_required
def assessment_detail(request, pk: int):
    """One assessment: scores, recommendation, confidence, rationale and the answers given."""
    assessment = get_restricted_object(selectors.assessment_list(user=request.user), request.user, pk=pk)
    labels = {}
    for criterion in assessment.questionnaire.criteria.all():
        options = {o["value"]: f"{o['label']} ({o['score']}/4)" for o in criterion.options}
        labels[criterion.key] = (criterion.label, options)
    answers = [
        (labels.get(k, (k, {}))[0], labels.get(k, (k, {}))[1].get(v, v))
        for k, v in assessment.answers.items()
    ]
    modes = {m.key: m for m in Mode.objects.all()}
    scores = sorted(((modes.get(k), v) for k, v in assessment.scores.items()), key=lambda row: -row[1])
    context = {
        "active_area": "portfolio",
        "assessment": assessment,
        "service": assessment.service,
        "answers": answers,
        "scores": scores,
        "can_propose": assessment.differs and request.user.has_perm("portfolio.add_reclassificationproposal"),
    }
    return render(request, "portfolio/assessment_detail.html", context)


@login_required
def service_assess(request, slug: str):
    """Complete the questionnaire for a service; shows its assessment history."""
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    _need(request.user, "portfolio.view_assessment")
    questionnaire = selectors.current_questionnaire()
    may_assess = request.user.has_perm("portfolio.add_assessment") and (
        request.user.has_perm("portfolio.manage_all_services") or can(request.user, "change", service)
    )
    form = None
    if questionnaire is not None and may_assess:
        latest = service.assessments.filter(is_latest=True).first()
        initial = latest.answers if latest else {}
        form = AssessmentForm(request.POST or None, criteria=questionnaire.criteria.all(), initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                assessment = portfolio_services.assessment_record(
                    actor=request.user,
                    service=service,
                    answers=form.answers(),
                    notes=form.cleaned_data["notes"],
                    questionnaire=questionnaire,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"Assessment of “{service}” recorded.")
                return redirect(assessment)
    elif request.method == "POST":
        raise PermissionDenied("You may not assess this service.")
    history = selectors.assessment_list(user=request.user).filter(service=service)[:50]
    context = {
        "active_area": "portfolio",
        "service": service,
        "questionnaire": questionnaire,
        "form": form,
        "history": history,
    }
    return render(
        request, "portfolio/service_assess.html", context, status=400 if form and form.errors else 200
    )


@login_required
def proposal_list(request):
    """Reclassification proposals, open ones first."""
    _need(request.user, "portfolio.view_reclassificationproposal")
    filterset = ProposalFilterSet(request.GET, queryset=selectors.proposal_list(user=request.user))
    proposals = filterset.qs.order_by(Case(When(status="open", then=0), default=1), "-created_at")[:500]
    context = {"active_area": "portfolio", "tab": "proposals", "filter": filterset, "proposals": proposals}
    return _render(request, "portfolio/proposal_list.html", "portfolio/_proposal_rows.html", context)


@login_required
def proposal_detail(request, pk: int):
    """One proposal with its evidence and its governance decision; whoever holds the decision right
    accepts or rejects it here (a forum decides it at its meeting)."""
    proposal = get_restricted_object(selectors.proposal_list(user=request.user), request.user, pk=pk)
    may_decide, why_not = portfolio_services.may_decide_proposal(request.user, proposal)
    form = DecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(why_not or "You may not decide this proposal.")
        if form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if form.cleaned_data["decision"] == "accept":
                    portfolio_services.proposal_accept(actor=request.user, proposal=proposal, note=note)
                    messages.success(request, f"Accepted: {proposal.service} moved to {proposal.to_mode}.")
                else:
                    portfolio_services.proposal_reject(actor=request.user, proposal=proposal, note=note)
                    messages.success(request, "Proposal rejected.")
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect(proposal)
    context = {
        "active_area": "portfolio",
        "proposal": proposal,
        "form": form,
        "decision": portfolio_services.proposal_decision(proposal),
        "why_not": why_not,
    }
    return render(
        request, "portfolio/proposal_detail.html", context, status=400 if form and form.errors else 200
    )


@login_required
def proposal_create(request, slug: str):
    """Propose moving a service to another mode."""
    _need(request.user, "portfolio.add_reclassificationproposal")
    service = get_restricted_object(Service.objects.with_related(), request.user, slug=slug)
    latest = service.assessments.filter(is_latest=True).select_related("recommended_mode").first()
    initial = {}
    if latest and latest.differs:
        initial = {"to_mode": latest.recommended_mode, "reason": " ".join(latest.rationale[:4])}
    form = ProposalForm(request.POST or None, service=service, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = portfolio_services.proposal_create(
                actor=request.user,
                service=service,
                assessment=latest,
                evidence={"assessment": latest.pk, "scores": latest.scores} if latest else {},
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Proposal opened for the governance leads.")
            return redirect(proposal)
    context = {"active_area": "portfolio", "service": service, "form": form}
    return render(request, "portfolio/proposal_form.html", context, status=400 if form.errors else 200)

"""Initiatives: starting one, its page and steps, waterfall phases, milestones and gates, sprints, and the
kanban board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core import generic
from bimodal.core.htmx import wants_partial
from bimodal.core.permissions import can, get_restricted_object
from bimodal.delivery import charts, forms, selectors, services
from bimodal.delivery.choices import (
    BOARD_COLUMNS,
    INITIATIVE_TRANSITIONS,
    Approach,
    GateStatus,
    InitiativeStatus,
    StoryStatus,
)
from bimodal.delivery.models import (
    GateCriterion,
    Initiative,
    Milestone,
    Phase,
    Sprint,
    StageGate,
    Story,
)
from bimodal.delivery.views.base import (
    AREA,
    _checked,
    _refusal,
)

# --- initiatives ----------------------------------------------------------------------------------


class InitiativeCreate(generic.ObjectEditView):
    """Start an initiative directly (demand approved by the board creates one too)."""

    model = Initiative
    area = AREA
    lookup_field = "reference"
    template_name = "delivery/initiative_form.html"
    form_class = forms.InitiativeForm
    create_service = services.initiative_create
    success_message = "{object.reference} started."

    def form_kwargs(self, request, obj):
        return {"user": request.user}


def _initiative(request, reference: str, action: str = "view") -> Initiative:
    return get_restricted_object(
        Initiative.objects.select_related("mode", "org_unit", "owner", "team", "demand"),
        request.user,
        action,
        reference=reference,
    )


class InitiativeDetail(generic.ObjectDetailView):
    """One initiative: health, dates, money, risks, dependencies, and its waterfall plan or agile work."""

    model = Initiative
    area = AREA
    lookup_field = "reference"
    template_name = "delivery/initiative_detail.html"

    def get_queryset(self, request):
        return Initiative.objects.select_related("mode", "org_unit", "owner", "team", "demand")

    def extra_context(self, request, obj=None, **kwargs):
        initiative = obj
        may_change = can(request.user, "change", initiative)
        may_work = services.may_work(request.user, initiative)
        context = {
            "health": selectors.initiative_health(initiative),
            "may_change": may_change,
            "risks": initiative.risks.select_related("owner"),
            "dependencies": initiative.dependencies.select_related("depends_on"),
            "dependents": initiative.dependents.select_related("initiative"),
            "services": initiative.services.select_related("mode"),
            "may_work": may_work,
            "risk_form": forms.RiskForm(prefix="risk")
            if may_work and request.user.has_perm("delivery.add_initiativerisk")
            else None,
            "dependency_form": forms.DependencyForm(prefix="dep", initiative=initiative, user=request.user)
            if may_change
            else None,
            "edit_form": forms.InitiativeEditForm(
                initial=forms.InitiativeEditForm.initial_for(initiative), user=request.user
            )
            if may_change
            else None,
            "transitions": [
                (s, InitiativeStatus(s).label)
                for s in sorted(INITIATIVE_TRANSITIONS.get(initiative.status, ()))
            ]
            if may_change
            else [],
        }
        if initiative.approach == Approach.WATERFALL:
            phases = list(
                initiative.phases.select_related("gate")
                .prefetch_related("gate__criteria__met_by")
                .order_by("order")
            )
            for phase in phases:
                phase.gate.latest_decision = (
                    selectors.latest_decision_for(phase.gate, services.APPROVE_STAGE_GATE)
                    if phase.gate.status != GateStatus.OPEN
                    else None
                )
            context |= {
                "phases": phases,
                "milestones": initiative.milestones.select_related("phase"),
                "milestone_form": forms.MilestoneForm(prefix="ms") if may_change else None,
            }
        else:
            stats = selectors.sprint_stats(initiative)
            context |= {
                "stats": stats,
                "velocity_chart": charts.velocity(stats["sprints"]),
                "epics": initiative.epics.all(),
                "backlog": initiative.stories.select_related("epic", "sprint", "assignee").order_by(
                    "rank", "pk"
                ),
                "story_form": forms.StoryForm(prefix="story", initiative=initiative) if may_work else None,
                "epic_form": forms.EpicForm(prefix="epic") if may_work else None,
                "sprint_form": forms.SprintForm(prefix="sprint") if may_work else None,
            }
        return context


@login_required
@require_POST
def initiative_step(request, reference: str, step: str):
    """The forms of the initiative page: edit, status, risk, dependency, milestone, epic, story, sprint."""
    initiative = _initiative(request, reference)
    user, post = request.user, request.POST
    try:
        if step == "edit":
            form = forms.InitiativeEditForm(post, user=user)
            _checked(form)
            services.initiative_update(actor=user, initiative=initiative, **form.service_fields())
        elif step == "status":
            services.initiative_transition(
                actor=user,
                initiative=initiative,
                status=post.get("status", ""),
                reason=post.get("reason", ""),
            )
        elif step == "risk":
            form = forms.RiskForm(post, prefix="risk")
            _checked(form)
            services.risk_create(actor=user, initiative=initiative, **form.cleaned_data)
        elif step == "dependency":
            form = forms.DependencyForm(post, prefix="dep", initiative=initiative, user=user)
            _checked(form)
            services.dependency_create(actor=user, initiative=initiative, **form.cleaned_data)
        elif step == "milestone":
            form = forms.MilestoneForm(post, prefix="ms")
            _checked(form)
            services.milestone_create(actor=user, initiative=initiative, **form.cleaned_data)
        elif step == "epic":
            form = forms.EpicForm(post, prefix="epic")
            _checked(form)
            services.epic_create(actor=user, initiative=initiative, **form.cleaned_data)
        elif step == "story":
            form = forms.StoryForm(post, prefix="story", initiative=initiative)
            _checked(form)
            services.story_create(actor=user, initiative=initiative, **form.cleaned_data)
        elif step == "sprint":
            form = forms.SprintForm(post, prefix="sprint")
            _checked(form)
            services.sprint_create(actor=user, initiative=initiative, **form.cleaned_data)
        else:
            raise Http404("No such step.")
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, "Saved.")
    return redirect(initiative)


@login_required
@require_POST
def phase_forecast(request, pk: int):
    """Re-forecast a phase."""
    phase = get_restricted_object(Phase.objects.select_related("initiative"), request.user, "change", pk=pk)
    form = forms.PhaseForecastForm(request.POST)
    try:
        _checked(form)
        services.phase_update(actor=request.user, phase=phase, **form.cleaned_data)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{phase} re-forecast.")
    return redirect(phase.initiative)


@login_required
@require_POST
def milestone_update(request, pk: int):
    """Re-forecast a milestone or record it reached."""
    milestone = get_restricted_object(
        Milestone.objects.select_related("initiative"), request.user, "change", pk=pk
    )
    form = forms.MilestoneUpdateForm(request.POST)
    try:
        _checked(form)
        services.milestone_update(actor=request.user, milestone=milestone, **form.cleaned_data)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"Milestone “{milestone.name}” saved.")
    return redirect(milestone.initiative)


@login_required
@require_POST
def criterion_update(request, pk: int):
    """Mark a gate criterion met (with evidence) or not met."""
    criterion = get_restricted_object(
        GateCriterion.objects.select_related("gate__phase__initiative"), request.user, "change", pk=pk
    )
    form = forms.CriterionForm(request.POST)
    form.is_valid()
    try:
        services.criterion_set(
            actor=request.user,
            criterion=criterion,
            met=bool(form.cleaned_data.get("met")),
            evidence=form.cleaned_data.get("evidence", ""),
        )
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"“{criterion.name}” updated.")
    return redirect(criterion.gate.phase.initiative)


@login_required
@require_POST
def gate_step(request, pk: int, step: str):
    """Add a criterion, ask for approval, or pass a stage gate."""
    gate = get_restricted_object(
        StageGate.objects.select_related("phase__initiative"), request.user, "change", pk=pk
    )
    try:
        if step == "criterion":
            form = forms.NewCriterionForm(request.POST)
            _checked(form)
            services.criterion_add(actor=request.user, gate=gate, name=form.cleaned_data["name"])
        elif step == "submit":
            services.gate_submit(actor=request.user, gate=gate)
        elif step == "pass":
            services.gate_pass(actor=request.user, gate=gate, note=request.POST.get("note", ""))
        else:
            raise Http404("No such step.")
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{gate.name}: {StageGate.objects.get(pk=gate.pk).get_status_display()}.")
    return redirect(gate.phase.initiative)


@login_required
@require_POST
def sprint_step(request, pk: int, step: str):
    """Start or close a sprint."""
    sprint = get_restricted_object(Sprint.objects.select_related("initiative"), request.user, pk=pk)
    try:
        if step == "start":
            services.sprint_start(actor=request.user, sprint=sprint)
        elif step == "close":
            services.sprint_close(actor=request.user, sprint=sprint)
        else:
            raise Http404("No such step.")
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{sprint.name}: {Sprint.objects.get(pk=sprint.pk).get_status_display()}.")
    return redirect(sprint.initiative)


# --- kanban ---------------------------------------------------------------------------------------


def _board_context(request, initiative: Initiative, error: str = "") -> dict:
    data = selectors.board(initiative)
    return {
        "active_area": AREA,
        "initiative": initiative,
        "board": data,
        "columns": BOARD_COLUMNS,
        "may_move": services.may_work(request.user, initiative)
        and request.user.has_perm("delivery.change_story"),
        "error": error,
    }


@login_required
def board(request, reference: str):
    """The kanban board with WIP limits and cycle time."""
    initiative = _initiative(request, reference)
    if initiative.approach != Approach.AGILE:
        raise Http404("Waterfall initiatives have no board.")
    template = "delivery/_board.html" if wants_partial(request) else "delivery/board.html"
    return render(request, template, _board_context(request, initiative))


@login_required
@require_POST
def story_move(request, pk: int):
    """Move a story to a column; htmx gets the board back (with the refusal, if the WIP limit says no)."""
    story = get_restricted_object(Story.objects.select_related("initiative"), request.user, "change", pk=pk)
    if not request.user.has_perm("delivery.change_story"):
        raise PermissionDenied("You may not move stories.")
    error = ""
    target = request.POST.get("status", "")
    try:
        services.story_move(actor=request.user, story=story, status=target)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    initiative = Initiative.objects.get(pk=story.initiative_id)
    if wants_partial(request):
        response = render(request, "delivery/_board.html", _board_context(request, initiative, error))
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"“{story.title}” moved to {StoryStatus(target).label}.")
    return redirect("delivery:board", reference=initiative.reference)

"""Pages of the delivery app: the portfolio across both approaches (with CSV export), the demand backlog
and scoring model, initiatives (waterfall phases and gates, agile backlog, sprints and kanban board),
budgets and capacity with contention and what-if reallocation.

Reads start from the restricted querysets (selectors); each step calls one service function. A refused
step is a 403 (PermissionDenied) or a message with nothing written (ValidationError)."""

from __future__ import annotations

import csv
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.permissions import can, get_restricted_object
from bimodal.delivery import charts, forms, scoring, selectors, services, whatif
from bimodal.delivery.choices import (
    BOARD_COLUMNS,
    INITIATIVE_TRANSITIONS,
    Approach,
    DemandStatus,
    GateStatus,
    InitiativeStatus,
    Rag,
    StoryStatus,
)
from bimodal.delivery.filtersets import DemandFilterSet, InitiativeFilterSet
from bimodal.delivery.models import (
    Demand,
    GateCriterion,
    Initiative,
    Milestone,
    Phase,
    Sprint,
    StageGate,
    Story,
)

PER_PAGE = 50
AREA = "delivery"


def _year(request) -> int:
    try:
        return int(
            request.GET.get("fiscal_year") or request.POST.get("fiscal_year") or timezone.localdate().year
        )
    except ValueError:
        return timezone.localdate().year


def _checked(form):
    """The form, once valid; its errors as a refusal (a ValidationError) otherwise."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    return form


def _refusal(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- portfolio ------------------------------------------------------------------------------------


def _portfolio_rows(request):
    filterset = InitiativeFilterSet(request.GET, queryset=selectors.portfolio(user=request.user))
    rows = selectors.portfolio_rows(filterset.qs.order_by("mode__order", "reference"))
    rag = request.GET.get("rag", "")
    if rag in Rag.values:
        rows = [r for r in rows if r.rag == rag]
    return filterset, rows


@login_required
def portfolio(request):
    """One view of every initiative, waterfall and agile: RAG, baseline vs forecast, budget vs actual,
    risks and dependencies; filtered by mode, approach, org unit, status and RAG. Those who only raise
    demand land on their demand instead."""
    if not request.user.has_perm("delivery.view_initiative"):
        if request.user.has_perm("delivery.view_demand"):
            return redirect("delivery:demand_list")
        raise PermissionDenied("You may not see the delivery portfolio.")
    filterset, rows = _portfolio_rows(request)
    context = {
        "active_area": AREA,
        "tab": "portfolio",
        "filter": filterset,
        "rows": rows,
        "totals": selectors.portfolio_totals(rows),
        "rag_choices": Rag.choices,
        "rag": request.GET.get("rag", ""),
        "query": request.GET.urlencode(),
    }
    if wants_partial(request):
        response = render(request, "delivery/_portfolio_results.html", context)
    else:
        context["timeline"] = charts.timeline(rows)
        response = render(request, "delivery/portfolio.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


CSV_COLUMNS = [
    "reference",
    "name",
    "approach",
    "mode",
    "org_unit",
    "status",
    "rag",
    "baseline_start",
    "baseline_end",
    "forecast_end",
    "slip_days",
    "budget",
    "actual",
    "spend_percent",
    "open_risks",
    "high_risks",
    "dependencies",
    "dependencies_at_risk",
]


@login_required
@permission_required("delivery.view_initiative", raise_exception=True)
def portfolio_csv(request):
    """The portfolio as shown (same filters), as CSV."""
    _, rows = _portfolio_rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        i = r.initiative
        writer.writerow(
            [
                i.reference,
                i.name,
                i.approach,
                i.mode.key,
                i.org_unit.slug,
                i.status,
                r.rag,
                i.baseline_start or "",
                i.baseline_end or "",
                i.forecast_end or "",
                "" if r.slip is None else r.slip,
                f"{Decimal(i.budget_total):.2f}",
                f"{Decimal(i.actual_total):.2f}",
                "" if r.spend_percent is None else r.spend_percent,
                i.open_risks,
                i.high_risks,
                i.dependency_count,
                i.dependencies_at_risk,
            ]
        )
    return response


# --- demand ---------------------------------------------------------------------------------------


@login_required
@permission_required("delivery.view_demand", raise_exception=True)
def demand_list(request):
    """The prioritised backlog of open demand, and all demand below it (filtered)."""
    filterset = DemandFilterSet(request.GET, queryset=selectors.demand_list(user=request.user))
    page = Paginator(filterset.qs.order_by("-created_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "active_area": AREA,
        "tab": "demand",
        "backlog": list(selectors.demand_backlog(user=request.user)[:PER_PAGE]),
        "filter": filterset,
        "page": page,
    }
    return render(request, "delivery/demand_list.html", context)


@login_required
@permission_required("delivery.add_demand", raise_exception=True)
def demand_create(request):
    """Raise a demand (a scored draft)."""
    form = forms.DemandForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.demand_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{demand.reference} saved as a draft, scored {demand.score}.")
            return redirect(demand)
    return render(request, "delivery/demand_form.html", {"active_area": AREA, "form": form, "demand": None})


@login_required
def demand_edit(request, reference: str):
    """Edit a draft or rejected demand."""
    demand = get_restricted_object(Demand.objects.all(), request.user, "change", reference=reference)
    form = forms.DemandForm(
        request.POST or None, instance=Demand.objects.get(pk=demand.pk), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.demand_update(actor=request.user, demand=demand, **form.service_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{demand.reference} saved.")
            return redirect(demand)
    return render(request, "delivery/demand_form.html", {"active_area": AREA, "form": form, "demand": demand})


@login_required
def demand_detail(request, reference: str):
    """One demand: its factors and how they make its score, the board's route and decision, its initiative."""
    demand = get_restricted_object(Demand.objects.with_related(), request.user, reference=reference)
    model = demand.scoring_model or services.scoring_model_current()
    lines = scoring.breakdown(
        weights=model.weights,
        value=demand.value,
        urgency=demand.urgency,
        fit=demand.strategic_fit,
        risk=demand.risk,
        cost=demand.cost_estimate,
        cost_ceiling=model.cost_ceiling,
    )
    editable = can(request.user, "change", demand) and request.user.has_perm("delivery.change_demand")
    context = {
        "active_area": AREA,
        "demand": demand,
        "model": model,
        "lines": lines,
        "decisions": list(selectors.decisions_for(demand)),
        "initiative": Initiative.objects.filter(demand=demand).first(),
        "can_edit": editable and demand.status in {DemandStatus.DRAFT, DemandStatus.REJECTED},
        "can_submit": editable and demand.status in {DemandStatus.DRAFT, DemandStatus.REJECTED},
        "can_withdraw": editable and demand.status in {DemandStatus.DRAFT, DemandStatus.SUBMITTED},
        "can_score": demand.status in {DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.REJECTED}
        and (request.user.has_perm("delivery.manage_demand") or demand.requester_id == request.user.pk),
    }
    return render(request, "delivery/demand_detail.html", context)


@login_required
@require_POST
def demand_step(request, reference: str, step: str):
    """Score, submit to the portfolio board, or withdraw a demand."""
    demand = get_restricted_object(Demand.objects.all(), request.user, reference=reference)
    user = request.user
    actions = {
        "score": lambda: services.demand_score(actor=user, demand=demand),
        "submit": lambda: services.demand_submit(actor=user, demand=demand),
        "withdraw": lambda: services.demand_withdraw(
            actor=user, demand=demand, reason=request.POST.get("reason", "")
        ),
    }
    if step not in actions:
        raise Http404("No such step.")
    try:
        demand = actions[step]()
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{demand.reference}: {demand.get_status_display()}, score {demand.score}.")
    return redirect("delivery:demand_detail", reference=reference)


@login_required
@permission_required("delivery.view_scoringmodel", raise_exception=True)
def scoring_model(request):
    """The weights in force, their history, and (for portfolio managers) new weights."""
    current = services.scoring_model_current()
    may_edit = request.user.has_perm("delivery.add_scoringmodel")
    form = None
    if may_edit:
        initial = {
            name: getattr(current, name) for name in forms.ScoringModelForm.Meta.fields if name != "note"
        }
        form = forms.ScoringModelForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                model = services.scoring_model_update(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request, f"Scoring model v{model.version} is in force; open demand rescored."
                )
                return redirect("delivery:scoring")
    elif request.method == "POST":
        raise PermissionDenied("Only portfolio managers change the scoring weights.")
    context = {
        "active_area": AREA,
        "tab": "scoring",
        "current": current,
        "versions": selectors.scoring_models(user=request.user),
        "form": form,
    }
    return render(request, "delivery/scoring.html", context)


# --- initiatives ----------------------------------------------------------------------------------


@login_required
@permission_required("delivery.add_initiative", raise_exception=True)
def initiative_create(request):
    """Start an initiative directly (demand approved by the board creates one too)."""
    form = forms.InitiativeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["services"] = list(data.get("services") or [])
        try:
            initiative = services.initiative_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{initiative.reference} started.")
            return redirect(initiative)
    return render(request, "delivery/initiative_form.html", {"active_area": AREA, "form": form})


def _initiative(request, reference: str, action: str = "view") -> Initiative:
    return get_restricted_object(
        Initiative.objects.select_related("mode", "org_unit", "owner", "team", "demand"),
        request.user,
        action,
        reference=reference,
    )


@login_required
def initiative_detail(request, reference: str):
    """One initiative: health, dates, money, risks, dependencies, and its waterfall plan or agile work."""
    initiative = _initiative(request, reference)
    may_change = can(request.user, "change", initiative)
    may_work = services.may_work(request.user, initiative)
    context = {
        "active_area": AREA,
        "initiative": initiative,
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
            (s, InitiativeStatus(s).label) for s in sorted(INITIATIVE_TRANSITIONS.get(initiative.status, ()))
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
            "backlog": initiative.stories.select_related("epic", "sprint", "assignee").order_by("rank", "pk"),
            "story_form": forms.StoryForm(prefix="story", initiative=initiative) if may_work else None,
            "epic_form": forms.EpicForm(prefix="epic") if may_work else None,
            "sprint_form": forms.SprintForm(prefix="sprint") if may_work else None,
        }
    return render(request, "delivery/initiative_detail.html", context)


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


# --- money and people -----------------------------------------------------------------------------


BUDGET_CSV_COLUMNS = [
    "fiscal_year",
    "mode",
    "investment_class",
    "envelope",
    "allocated",
    "unallocated",
    "actual",
    "variance",
    "pipeline",
]


def _budget_row(year: int, x) -> list:
    money = [x.envelope, x.allocated, x.unallocated, x.actual, x.variance, x.pipeline]
    return [year, x.mode.key, x.investment_class, *money]


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
@permission_required("delivery.view_budget", raise_exception=True)
def budgets(request):
    """Budget roll-ups for a year: per mode and investment class, per mode, per class, per initiative;
    `?export=csv` gives the lines per mode and investment class."""
    year = _year(request)
    if request.method == "GET" and request.GET.get("export") == "csv":
        lines = selectors.budget_rollup(fiscal_year=year)["lines"]
        return _csv(
            f"budgets-fy{year}.csv",
            BUDGET_CSV_COLUMNS,
            (_budget_row(year, x) for x in lines),
        )
    may_edit = request.user.has_perm("delivery.change_budget")
    may_record = request.user.has_perm("delivery.add_actual")
    budget_form = forms.BudgetForm(prefix="budget", initial={"fiscal_year": year}) if may_edit else None
    actual_form = forms.ActualForm(prefix="actual") if may_record else None
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "budget" and may_edit:
                budget_form = forms.BudgetForm(request.POST, prefix="budget")
                if budget_form.is_valid():
                    services.budget_set(actor=request.user, **budget_form.cleaned_data)
                    messages.success(request, "Budget set.")
                    return redirect(f"{request.path}?fiscal_year={budget_form.cleaned_data['fiscal_year']}")
            elif which == "actual" and may_record:
                actual_form = forms.ActualForm(request.POST, prefix="actual")
                if actual_form.is_valid():
                    actual = services.actual_record(actor=request.user, **actual_form.cleaned_data)
                    messages.success(request, "Spend recorded.")
                    return redirect(f"{request.path}?fiscal_year={actual.fiscal_year}")
            else:
                raise PermissionDenied("You may not change budgets or record spend.")
        except ValidationError as exc:
            apply_validation_error(budget_form if which == "budget" else actual_form, exc)
    context = {
        "active_area": AREA,
        "tab": "budgets",
        "year": year,
        "years": sorted(set(selectors.fiscal_years()) | {year}),
        "rollup": selectors.budget_rollup(fiscal_year=year),
        "budget_form": budget_form,
        "actual_form": actual_form,
    }
    return render(request, "delivery/budgets.html", context)


def _capacity_context(request, year: int, whatif_form=None, preview=None) -> dict:
    capacity = selectors.capacity_contention(fiscal_year=year)
    money = selectors.budget_rollup(fiscal_year=year)
    may_realloc = request.user.has_perm("delivery.change_capacityallocation") or request.user.has_perm(
        "delivery.change_budget"
    )
    return {
        "active_area": AREA,
        "tab": "capacity",
        "year": year,
        "years": sorted(set(selectors.fiscal_years()) | {year}),
        "capacity": capacity,
        "money": money,
        "money_contention": selectors.money_contention(money),
        "allocations": selectors.allocations(fiscal_year=year),
        "whatif_form": whatif_form or forms.WhatIfForm(fiscal_year=year),
        "preview": preview,
        "may_reallocate": may_realloc,
        "capacity_form": forms.CapacityForm(prefix="cap", initial={"fiscal_year": year})
        if request.user.has_perm("delivery.change_teamcapacity")
        else None,
        "allocation_form": forms.AllocationForm(prefix="alloc", initial={"fiscal_year": year})
        if request.user.has_perm("delivery.change_capacityallocation")
        else None,
    }


@login_required
@permission_required("delivery.view_teamcapacity", raise_exception=True)
def capacity(request):
    """People's capacity by team and mode against allocations; the contention where demand for people or
    money exceeds supply; the what-if reallocation. `?export=csv` gives supply and demand per team and mode."""
    year = _year(request)
    if request.method == "GET" and request.GET.get("export") == "csv":
        lines = selectors.capacity_contention(fiscal_year=year)["lines"]
        return _csv(
            f"capacity-fy{year}.csv",
            ["fiscal_year", "team", "mode", "supply_fte", "demand_fte", "gap_fte"],
            ([year, x.team.slug, x.mode.key, x.supply, x.demand, x.gap] for x in lines),
        )
    context = _capacity_context(request, year)
    if request.method == "POST":
        which = request.POST.get("form")
        try:
            if which == "capacity" and request.user.has_perm("delivery.change_teamcapacity"):
                form = forms.CapacityForm(request.POST, prefix="cap")
                _checked(form)
                services.capacity_set(actor=request.user, **form.cleaned_data)
            elif which == "allocation" and request.user.has_perm("delivery.change_capacityallocation"):
                form = forms.AllocationForm(request.POST, prefix="alloc")
                _checked(form)
                services.allocation_set(actor=request.user, **form.cleaned_data)
            else:
                raise PermissionDenied("You may not change capacity.")
        except ValidationError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, "Saved.")
        return redirect(f"{request.path}?fiscal_year={year}")
    return render(request, "delivery/capacity.html", context)


@login_required
@require_POST
@permission_required("delivery.view_teamcapacity", raise_exception=True)
def what_if(request):
    """Preview (nothing saved) or apply a reallocation; htmx swaps the preview panel."""
    year = _year(request)
    form = forms.WhatIfForm(request.POST, fiscal_year=year)
    preview = None
    apply = request.POST.get("apply") == "1"
    if form.is_valid():
        try:
            plan = whatif.build(
                source=form.cleaned_data["source"],
                target=form.cleaned_data["target"],
                quantity=form.cleaned_data["quantity"],
            )
            if apply:
                services.reallocate_apply(
                    actor=request.user, plan=plan, reason=form.cleaned_data.get("reason", "")
                )
                messages.success(
                    request,
                    f"Reallocated {plan.quantity} {'' if plan.kind == whatif.BUDGET else 'FTE '}as planned.",
                )
                if wants_partial(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = f"{reverse('delivery:capacity')}?fiscal_year={year}"
                    return response
                return redirect(f"{reverse('delivery:capacity')}?fiscal_year={year}")
            preview = {
                "plan": plan,
                "capacity": selectors.capacity_contention(
                    fiscal_year=year, adjustments=whatif.capacity_adjustments(plan)
                ),
                "money": selectors.budget_rollup(
                    fiscal_year=year, adjustments=whatif.budget_adjustments(plan)
                ),
            }
            preview["money_contention"] = selectors.money_contention(preview["money"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
    context = _capacity_context(request, year, whatif_form=form, preview=preview)
    if wants_partial(request):
        return render(request, "delivery/_whatif.html", context)
    return render(request, "delivery/capacity.html", context)

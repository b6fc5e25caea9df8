"""Demand: the backlog, intake and editing, a demand's page and steps, the scoring model."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import can, get_restricted_object
from bimodal.delivery import forms, scoring, selectors, services
from bimodal.delivery.choices import (
    DemandStatus,
)
from bimodal.delivery.filtersets import DemandFilterSet
from bimodal.delivery.models import (
    Demand,
    Initiative,
)
from bimodal.delivery.views.base import (
    AREA,
    PER_PAGE,
    _refusal,
)

# --- demand ---------------------------------------------------------------------------------------


class DemandList(generic.ObjectListView):
    """The prioritised backlog of open demand, and all demand below it (filtered, newest first)."""

    model = Demand
    area = AREA
    template_name = "delivery/demand_list.html"
    filterset_class = DemandFilterSet
    per_page = PER_PAGE
    export_filename = "demand.csv"

    def get_queryset(self, request):
        return selectors.demand_list(user=request.user).order_by("-created_at", "-pk")

    def extra_context(self, request, **kwargs):
        return {"tab": "demand", "backlog": list(selectors.demand_backlog(user=request.user)[:PER_PAGE])}


class DemandEdit(generic.ObjectEditView):
    """Raise a demand (a scored draft), or edit a draft or rejected one."""

    model = Demand
    area = AREA
    lookup_field = "reference"
    template_name = "delivery/demand_form.html"
    form_class = forms.DemandForm
    create_service = services.demand_create
    update_service = services.demand_update
    success_message = "{object.reference} saved, scored {object.score}."

    def form_kwargs(self, request, obj):
        return {"user": request.user}


class DemandDetail(generic.ObjectDetailView):
    """One demand: its factors and how they make its score, the board's route and decision, its initiative."""

    model = Demand
    area = AREA
    lookup_field = "reference"
    template_name = "delivery/demand_detail.html"

    def get_queryset(self, request):
        return Demand.objects.with_related()

    def extra_context(self, request, obj=None, **kwargs):
        demand = obj
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
        user = request.user
        editable = can(user, "change", demand) and user.has_perm("delivery.change_demand")
        return {
            "model": model,
            "lines": lines,
            "decisions": list(selectors.decisions_for(demand)),
            "initiative": Initiative.objects.filter(demand=demand).first(),
            "can_edit": editable and demand.status in {DemandStatus.DRAFT, DemandStatus.REJECTED},
            "can_submit": editable and demand.status in {DemandStatus.DRAFT, DemandStatus.REJECTED},
            "can_withdraw": editable and demand.status in {DemandStatus.DRAFT, DemandStatus.SUBMITTED},
            "can_score": demand.status in {DemandStatus.DRAFT, DemandStatus.SUBMITTED, DemandStatus.REJECTED}
            and (user.has_perm("delivery.manage_demand") or demand.requester_id == user.pk),
        }


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

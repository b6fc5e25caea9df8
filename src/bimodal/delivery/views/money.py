"""Money and people: budgets (with CSV), capacity with contention, and what-if reallocation."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.delivery import forms, selectors, services, whatif
from bimodal.delivery.views.base import (
    AREA,
    _checked,
    _refusal,
    _year,
)

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

"""Cloud accounts: the register with sprawl and cost charts, forms, the detail page, monthly cost CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import can, get_restricted_object
from bimodal.registers import csvio, risk, selectors, services
from bimodal.registers.filtersets import CloudAccountFilterSet
from bimodal.registers.forms import (
    CloudAccountForm,
    ImportForm,
)
from bimodal.registers.models import CloudAccount, CloudCost
from bimodal.registers.views.base import AREA, _edit_page, _list, _next_stages


def _bar_chart(x, y, colours=None, title="") -> str:
    """A small plotly bar chart as an HTML fragment (plotly.js is loaded by the page)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    fig = go.Figure(go.Bar(x=x, y=y, marker_color=colours or "#1f4e79"))
    fig.update_layout(
        template="none",
        height=280,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        title={"text": title, "font": {"size": 13}},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return pio.to_html(
        fig, include_plotlyjs=False, full_html=False, config={"displaylogo": False, "responsive": True}
    )


@login_required
def cloud_list(request):
    """The cloud register with sprawl indicators and cost by mode."""
    by_mode = selectors.cost_by_mode(user=request.user)
    monthly = selectors.monthly_costs(user=request.user)
    extra = {
        "sprawl": selectors.sprawl_summary(user=request.user),
        "by_mode": by_mode,
        "mode_chart": _bar_chart(
            [r["mode"] for r in by_mode],
            [float(r["total"]) for r in by_mode],
            [r["colour"] for r in by_mode],
            "Cost by mode, last 12 months",
        )
        if by_mode
        else "",
        "month_chart": _bar_chart(
            [f"{r['month']:%b %Y}" for r in monthly],
            [float(r["total"]) for r in monthly],
            None,
            "Total cost per month",
        )
        if monthly
        else "",
    }
    return _list(
        request,
        filterset_class=CloudAccountFilterSet,
        queryset=selectors.cloud_list(user=request.user),
        template="registers/cloud_list.html",
        partial="registers/_cloud_results.html",
        extra=extra,
    )


@login_required
@permission_required("registers.add_cloudaccount", raise_exception=True)
def cloud_create(request):
    """Register a cloud account."""
    form = CloudAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.cloudaccount_create(actor=request.user, **form.data_for_service())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{account}” registered.")
            return redirect(account)
    return render(
        request,
        "registers/item_form.html",
        {**AREA, "form": form, "title": "Register a cloud account", "cancel": "registers:cloud_list"},
    )


@login_required
def cloud_edit(request, slug):
    """Change a cloud account: owner, services, budget, resource counts, stage."""
    account = get_restricted_object(CloudAccount.objects, request.user, "change", slug=slug)
    form = CloudAccountForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        account.refresh_from_db()
        try:
            account = services.cloudaccount_update(actor=request.user, account=account, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{account}” saved.")
            return redirect(account)
    return _edit_page(request, form, account, "registers:cloud_list", "Cloud accounts")


@login_required
def cloud_detail(request, slug):
    """One cloud account: cost history against budget, tagging, idle and orphaned resources."""
    account = get_restricted_object(
        selectors.cloud_list(user=request.user).prefetch_related("services__mode"), request.user, slug=slug
    )
    costs = list(CloudCost.objects.filter(account=account).order_by("month"))
    flags = risk.sprawl_flags(
        tagged=account.tagged_resources,
        total=account.total_resources,
        idle=account.idle_resources,
        orphaned=account.orphaned_resources,
        has_owner=account.owner_id is not None,
        services=account.service_count,
        over_budget=account.over_budget,
    )
    chart = (
        _bar_chart(
            [f"{c.month:%b %Y}" for c in costs], [float(c.amount) for c in costs], None, "Monthly cost"
        )
        if costs
        else ""
    )
    context = {
        **AREA,
        "item": account,
        "kind": "cloud",
        "costs": costs,
        "flags": flags,
        "chart": chart,
        "can_change": can(request.user, "change", account),
        "next_stages": _next_stages(account),
    }
    return render(request, "registers/cloud_detail.html", context)


@login_required
@permission_required("registers.add_cloudcost", raise_exception=True)
def cost_import(request):
    """Upload monthly costs: all rows or none."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = csvio.import_costs(actor=request.user, text=form.cleaned_data["text"])
        if result.ok:
            messages.success(request, f"Imported {len(result.created)} monthly costs.")
            return redirect("registers:cloud_list")
    return render(
        request,
        "registers/import.html",
        {
            **AREA,
            "form": form,
            "result": result,
            "label": "Monthly cloud costs",
            "columns": csvio.COST_COLUMNS,
            "back": "registers:cloud_list",
        },
    )


@login_required
def cost_export(request):
    """Monthly costs of the visible accounts as CSV."""
    costs = CloudCost.objects.filter(
        account__in=CloudAccount.objects.restrict(request.user, "view").values("pk")
    ).order_by("account__slug", "month")
    response = HttpResponse(csvio.export_costs(costs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cloud-costs.csv"'
    return response

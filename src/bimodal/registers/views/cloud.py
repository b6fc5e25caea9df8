"""Cloud accounts: the register with sprawl and cost charts, forms, the detail page, monthly cost CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from bimodal.core.permissions import can, get_restricted_object
from bimodal.registers import charts, csvio, risk, selectors, services
from bimodal.registers.filtersets import CloudAccountFilterSet
from bimodal.registers.forms import (
    CloudAccountForm,
    ImportForm,
)
from bimodal.registers.models import CloudAccount, CloudCost
from bimodal.registers.views.base import AREA, RegisterItemEdit, _list, _next_stages


@login_required
def cloud_list(request):
    """The cloud register with sprawl indicators and cost by mode."""
    by_mode = selectors.cost_by_mode(user=request.user)
    monthly = selectors.monthly_costs(user=request.user)
    extra = {
        "sprawl": selectors.sprawl_summary(user=request.user),
        "by_mode": by_mode,
        "mode_chart": charts.cost_bars(
            [r["mode"] for r in by_mode],
            [float(r["total"]) for r in by_mode],
            colours=[r["colour"] for r in by_mode],
            title="Cost by mode, last 12 months",
        )
        if by_mode
        else "",
        "month_chart": charts.cost_bars(
            [f"{r['month']:%b %Y}" for r in monthly],
            [float(r["total"]) for r in monthly],
            title="Total cost per month",
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


class CloudAccountCreate(RegisterItemEdit):
    """Register a cloud account (403 without the add permission); bad input is a 400 that writes nothing."""

    model = CloudAccount
    form_class = CloudAccountForm
    template_name = "registers/item_form.html"
    context_object_name = "account"  # the update service's keyword
    create_service = services.cloudaccount_create
    update_service = services.cloudaccount_update
    success_message = "“{object}” registered."

    def extra_context(self, request, obj=None, **kwargs):
        if obj is None:
            return {"title": "Register a cloud account", "cancel": "registers:cloud_list"}
        return {
            "item": obj,
            "title": f"Edit {obj.name}",
            "cancel": "registers:cloud_list",
            "list_label": "Cloud accounts",
        }


class CloudAccountEdit(CloudAccountCreate):
    """Change a cloud account: owner, services, budget, resource counts, stage (404 when it cannot be seen,
    403 when it cannot be changed)."""

    success_message = "“{object}” saved."


cloud_create = CloudAccountCreate.as_view()
cloud_edit = CloudAccountEdit.as_view()


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
        charts.cost_bars(
            [f"{c.month:%b %Y}" for c in costs], [float(c.amount) for c in costs], title="Monthly cost"
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

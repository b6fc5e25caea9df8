"""Contracts: the list, a contract's page, its form, SLA targets, transitions and renewal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.suppliers import selectors, services
from bimodal.suppliers.filtersets import ContractFilterSet
from bimodal.suppliers.forms import (
    ContractForm,
    ContractTransitionForm,
    RenewForm,
    TargetForm,
)
from bimodal.suppliers.models import (
    Contract,
    Supplier,
)
from bimodal.suppliers.views.base import AREA, _render, _require

# --- contracts ---------------------------------------------------------------------------------------------


class ContractList(generic.ObjectListView):
    """Contracts the user may see; the ones due for renewal stand out. CSV export."""

    model = Contract
    area = AREA["active_area"]
    filterset_class = ContractFilterSet
    template_name = "suppliers/contract_list.html"
    export_filename = "contracts.csv"

    def get_queryset(self, request):
        return selectors.contract_list(user=request.user)

    def extra_context(self, request, **kwargs):
        return {"today": timezone.localdate()}


contract_list = ContractList.as_view()


def _contract(request, reference: str, action: str = "view") -> Contract:
    return get_restricted_object(
        Contract.objects.select_related("supplier", "schedule", "owner"),
        request.user,
        action,
        reference=reference,
    )


@login_required
def contract_detail(request, reference: str):
    """A contract: term, value, coverage, contracted targets with credits, reminders."""
    contract = _contract(request, reference)
    can_edit = request.user.has_perm("suppliers.change_contract") and not request.user.supplier_id
    context = {
        "contract": contract,
        "targets": selectors.contract_detail_targets(contract),
        "services": contract.services.restrict(request.user, "view").select_related("mode"),
        "items": contract.catalogue_items.all(),
        "reminders": contract.reminders.all(),
        "can_edit": can_edit,
        "target_form": TargetForm() if can_edit else None,
        "transition_form": ContractTransitionForm() if can_edit else None,
        "renew_form": RenewForm() if can_edit else None,
        "today": timezone.localdate(),
    }
    return _render(request, "contract_detail.html", context)


@login_required
def contract_form(request, reference: str | None = None, supplier_slug: str | None = None):
    """Draft a contract for a supplier, or edit one."""
    contract = None
    if reference:
        contract = _contract(request, reference, "change")
        _require(request, "suppliers.change_contract")
        supplier = contract.supplier
    else:
        _require(request, "suppliers.add_contract")
        supplier = get_restricted_object(Supplier.objects.all(), request.user, "view", slug=supplier_slug)
    initial = {}
    if contract is not None:
        initial = {
            f: getattr(contract, f)
            for f in ContractForm.base_fields
            if f not in {"services", "catalogue_items"}
        }
        initial.update(
            services=list(contract.services.all()), catalogue_items=list(contract.catalogue_items.all())
        )
    form = ContractForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if contract is None:
                contract = services.contract_create(
                    actor=request.user, supplier=supplier, **form.cleaned_data
                )
            else:
                contract = services.contract_update(
                    actor=request.user, contract=contract, **form.cleaned_data
                )
            messages.success(request, f"Saved {contract.reference}.")
            return redirect(contract.get_absolute_url())
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    return _render(
        request, "contract_form.html", {"contract": contract, "supplier": supplier, "form": form}, status
    )


@login_required
def contract_new(request, slug: str):
    """Draft a contract for this supplier."""
    return contract_form(request, supplier_slug=slug)


def _form_post(request, obj, form, call, show):
    """Run `call(obj, cleaned data)` for a valid `form` posted from `obj`'s page and go back to it; else
    show the page again (`show()`) with the errors, as a 400."""
    if form.is_valid():
        try:
            call(obj, form.cleaned_data)
            messages.success(request, "Saved.")
            return redirect(obj.get_absolute_url())
        except ValidationError as exc:
            apply_validation_error(form, exc)
    messages.error(request, "; ".join(" ".join(v) for v in form.errors.values()) or "Invalid input.")
    response = show()
    response.status_code = 400
    return response


def _contract_post(request, reference: str, form_class, call):
    contract = _contract(request, reference, "change")
    return _form_post(
        request, contract, form_class(request.POST), call, lambda: contract_detail(request, reference)
    )


@login_required
@require_POST
def contract_target(request, reference: str):
    return _contract_post(
        request,
        reference,
        TargetForm,
        lambda c, d: services.contract_set_target(actor=request.user, contract=c, **d),
    )


@login_required
@require_POST
def contract_transition(request, reference: str):
    return _contract_post(
        request,
        reference,
        ContractTransitionForm,
        lambda c, d: services.contract_transition(actor=request.user, contract=c, **d),
    )


@login_required
@require_POST
def contract_renew(request, reference: str):
    return _contract_post(
        request,
        reference,
        RenewForm,
        lambda c, d: services.contract_renew(actor=request.user, contract=c, **d),
    )

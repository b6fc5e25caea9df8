"""Pages of the suppliers app: suppliers, contracts, scorecards, SIAM hand-offs and MSP evaluations.

Reads start from restricted querysets (a supplier agent sees only their own supplier's rows: anything else
is a 404); writes go through `services`; an invalid write is shown on the form with a 400."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk.models import Ticket
from bimodal.servicedesk.selectors import ticket_list
from bimodal.suppliers import charts, scorecards, selectors, services, siam
from bimodal.suppliers.choices import DEFAULT_WEIGHTS
from bimodal.suppliers.evaluation import score
from bimodal.suppliers.filtersets import ContractFilterSet, SupplierFilterSet
from bimodal.suppliers.forms import (
    CancelForm,
    CandidateEditForm,
    CandidateForm,
    CertificationForm,
    ContactForm,
    ContractForm,
    ContractTransitionForm,
    DecisionForm,
    EvaluationForm,
    PeriodForm,
    RemoveForm,
    RenewForm,
    RequirementForm,
    SupplierForm,
    TargetForm,
)
from bimodal.suppliers.models import (
    Contract,
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    Supplier,
    SupplierCertification,
    SupplierContact,
)

AREA = {"active_area": "suppliers"}


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, f"suppliers/{template}", {**AREA, **context}, status=status)


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- suppliers ---------------------------------------------------------------------------------------------


class SupplierList(generic.ObjectListView):
    """Suppliers the user may see, filterable by tier, status, category, skill and coverage; CSV export."""

    model = Supplier
    area = AREA["active_area"]
    filterset_class = SupplierFilterSet
    template_name = "suppliers/supplier_list.html"
    export_filename = "suppliers.csv"
    ordering = ("name",)

    def get_queryset(self, request):
        return selectors.supplier_list(user=request.user)


supplier_list = SupplierList.as_view()


@login_required
def supplier_detail(request, slug: str):
    """A supplier's profile: coverage, skills, contacts, certifications, queues, contracts and services."""
    supplier = get_restricted_object(
        Supplier.objects.select_related("relationship_owner").prefetch_related("categories", "skills"),
        request.user,
        "view",
        slug=slug,
    )
    user = request.user
    certifications = list(supplier.certifications.restrict(user, "view"))
    context = {
        "supplier": supplier,
        "contacts": supplier.contacts.restrict(user, "view"),
        "certifications": certifications,
        "expired_certifications": sum(1 for c in certifications if c.expired),
        "contracts": selectors.contract_list(user=user).filter(supplier=supplier),
        "queues": supplier.teams.all(),
        "services": selectors.visible_services(user=user)
        .filter(supplier_contracts__supplier=supplier)
        .distinct()
        if supplier.contracts.exists()
        else selectors.visible_services(user=user).filter(supplier=supplier),
        "can_edit": user.has_perm("suppliers.change_supplier") and not user.supplier_id,
        "contact_form": ContactForm() if user.has_perm("suppliers.add_suppliercontact") else None,
        "certification_form": CertificationForm()
        if user.has_perm("suppliers.add_suppliercertification")
        else None,
        "can_remove_contact": user.has_perm("suppliers.delete_suppliercontact"),
        "can_remove_certification": user.has_perm("suppliers.delete_suppliercertification"),
    }
    return _render(request, "supplier_detail.html", context)


class _SupplierStep(generic.ObjectActionView):
    """A write posted from a supplier's page: 404 when the user may not see the supplier (another
    supplier's agent), 403 without `permission`; invalid input is shown again with a 400."""

    area = AREA["active_area"]
    template_name = "suppliers/action_form.html"
    permission: ClassVar[str]
    title: ClassVar[str]

    def get_object(self, request, action="view", **kwargs):
        obj = super().get_object(request, action, **kwargs)
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return obj

    def extra_context(self, request, obj=None, **kwargs):
        supplier = obj if isinstance(obj, Supplier) else obj.supplier
        return {
            "title": self.title.format(object=obj),
            "back": obj.get_absolute_url(),
            "back_label": supplier.name,
        }


class ContactAdd(_SupplierStep):
    """Add a contact to the supplier (suppliers.contact_add)."""

    model = Supplier
    action = "view"  # the supplier itself is not changed: the right is to add contacts
    permission = "suppliers.add_suppliercontact"
    form_class = ContactForm
    action_service = services.contact_add
    title = "Add a contact to {object}"
    success_message = "Added {object}."


class CertificationAdd(_SupplierStep):
    """Record a certification of the supplier (suppliers.certification_add)."""

    model = Supplier
    action = "view"
    permission = "suppliers.add_suppliercertification"
    form_class = CertificationForm
    action_service = services.certification_add
    title = "Add a certification to {object}"
    success_message = "Recorded {object}."


class _SupplierRowRemove(_SupplierStep):
    """Remove a row of the supplier named in the URL (404 for a row of another supplier)."""

    lookup_field = "pk"
    action = "delete"
    form_class = RemoveForm
    title = "Remove {object}"
    success_message = "Removed {object}."

    def get_queryset(self, request):
        return self.model.objects.select_related("supplier").filter(supplier__slug=self.kwargs["slug"])


class ContactRemove(_SupplierRowRemove):
    model = SupplierContact
    context_object_name = "contact"
    permission = "suppliers.delete_suppliercontact"
    action_service = services.contact_remove


class CertificationRemove(_SupplierRowRemove):
    model = SupplierCertification
    context_object_name = "certification"
    permission = "suppliers.delete_suppliercertification"
    action_service = services.certification_remove


contact_add = ContactAdd.as_view()
contact_remove = ContactRemove.as_view()
certification_add = CertificationAdd.as_view()
certification_remove = CertificationRemove.as_view()


@login_required
def supplier_form(request, slug: str | None = None):
    """Create or edit a supplier."""
    supplier = None
    if slug:
        supplier = get_restricted_object(Supplier.objects.all(), request.user, "change", slug=slug)
        _require(request, "suppliers.change_supplier")
    else:
        _require(request, "suppliers.add_supplier")
    initial = {}
    if supplier is not None:
        initial = {
            f: getattr(supplier, f)
            for f in SupplierForm.base_fields
            if f not in {"categories", "skills", "regions"}
        }
        initial.update(
            categories=list(supplier.categories.all()),
            skills=list(supplier.skills.all()),
            regions=", ".join(supplier.regions),
        )
    form = SupplierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if supplier is None:
                supplier = services.supplier_create(actor=request.user, **form.cleaned_data)
            else:
                supplier = services.supplier_update(
                    actor=request.user, supplier=supplier, **form.cleaned_data
                )
            messages.success(request, f"Saved {supplier.name}.")
            return redirect(supplier.get_absolute_url())
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    return _render(request, "supplier_form.html", {"supplier": supplier, "form": form}, status)


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


# --- scorecards --------------------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, date, date]:
    start, end = scorecards.default_period()
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


@login_required
def scorecard(request, slug: str):
    """A supplier's scorecard for a period (default: last month): SLA attainment per priority, times,
    volumes, reopen rate, breaches and credits, cost per ticket, trends. `?format=csv` exports it."""
    _require(request, "suppliers.view_scorecard")
    supplier = get_restricted_object(Supplier.objects.all(), request.user, "view", slug=slug)
    form, start, end = _period(request)
    if request.GET and not form.is_valid():
        return _render(request, "scorecard.html", {"supplier": supplier, "form": form, "card": None}, 400)
    card = scorecards.compute(supplier, start, end)
    breached = list(scorecards.breaches(supplier, start, end))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="scorecard-{supplier.slug}-{start}-{end}.csv"'
        )
        csv.writer(response).writerows(scorecards.csv_rows(card, breached))
        return response
    context = {
        "supplier": supplier,
        "form": form,
        "card": card,
        "breached": breached,
        "trend_chart": charts.trend(card.trend),
        "times_chart": charts.resolution_times(card.trend),
        "query": request.GET.urlencode(),
    }
    return _render(request, "scorecard.html", context)


# --- SIAM --------------------------------------------------------------------------------------------------


@login_required
def siam_overview(request):
    """Hand-offs over the tickets the user may see, opened in a period, optionally for one service."""
    _require(request, "servicedesk.view_tickethandoff")

    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": today - timedelta(days=90), "end": today})
    start, end = today - timedelta(days=90), today
    if request.GET.get("start") and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    t0, t1 = scorecards.period_bounds(start, end)
    tickets = ticket_list(user=request.user).filter(opened_at__gte=t0, opened_at__lt=t1)
    service = None
    if request.GET.get("service"):
        service = get_restricted_object(
            selectors.visible_services(user=request.user), request.user, "view", slug=request.GET["service"]
        )
        tickets = tickets.filter(service=service)
    view = siam.service_view(tickets)
    context = {
        "form": form,
        "view": view,
        "service": service,
        "start": start,
        "end": end,
        "services": selectors.visible_services(user=request.user)
        .filter(tickets__handoffs__isnull=False)
        .distinct(),
    }
    return _render(request, "siam.html", context)


@login_required
def siam_ticket(request, number: str):
    """One ticket's journey between parties: time held by each, bounces, who held it when an SLA breached."""

    _require(request, "servicedesk.view_tickethandoff")
    ticket = get_restricted_object(Ticket.objects.with_related(), request.user, "view", number=number)
    return _render(request, "siam_ticket.html", {"view": siam.ticket_view(ticket), "ticket": ticket})


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

"""Suppliers: the list, a supplier's page with its contacts and certifications, and the supplier form."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect

from bimodal.core import generic
from bimodal.core.forms import apply_validation_error
from bimodal.core.permissions import get_restricted_object
from bimodal.suppliers import selectors, services
from bimodal.suppliers.filtersets import SupplierFilterSet
from bimodal.suppliers.forms import (
    CertificationForm,
    ContactForm,
    RemoveForm,
    SupplierForm,
)
from bimodal.suppliers.models import (
    Supplier,
    SupplierCertification,
    SupplierContact,
)
from bimodal.suppliers.views.base import AREA, _render, _require

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

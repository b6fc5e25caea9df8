"""Writes of suppliers and their profile: the supplier, its contacts and certifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Final

from django.core.exceptions import ValidationError

from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.people.models import Skill
from bimodal.suppliers.choices import SupplierStatus, SupplierTier
from bimodal.suppliers.models import Supplier, SupplierCategory, SupplierCertification, SupplierContact

# The fields a person sets on a supplier, a contact and a certification: the forms, the API's write
# serializers and these services' keyword arguments list the same names (tests/test_fieldspec.py).
SUPPLIER_FIELDS: Final = (
    "name",
    "tier",
    "status",
    "website",
    "description",
    "categories",
    "skills",
    "covers_24x7",
    "covers_extended_hours",
    "covers_business_hours",
    "remote_support",
    "on_site_support",
    "regions",
    "relationship_owner",
)
CONTACT_FIELDS: Final = ("name", "role", "email", "phone", "escalation_level")
CERTIFICATION_FIELDS: Final = ("name", "issuer", "reference", "valid_from", "valid_until", "evidence_url")


@transactional
def supplier_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    tier: str = SupplierTier.TACTICAL,
    status: str = SupplierStatus.ACTIVE,
    website: str = "",
    description: str = "",
    categories: Iterable[SupplierCategory] = (),
    skills: Iterable[Skill] = (),
    covers_24x7: bool = False,
    covers_extended_hours: bool = False,
    covers_business_hours: bool = True,
    remote_support: bool = True,
    on_site_support: bool = False,
    regions: list[str] | None = None,
    relationship_owner: User | None = None,
) -> Supplier:
    """Add a supplier with its tier, categories, skills and coverage."""
    require_perm(actor, "suppliers.add_supplier")
    supplier = Supplier(
        name=name,
        slug=slug or unique_slug(Supplier, name),
        tier=tier,
        status=status,
        website=website,
        description=description,
        covers_24x7=covers_24x7,
        covers_extended_hours=covers_extended_hours,
        covers_business_hours=covers_business_hours,
        remote_support=remote_support,
        on_site_support=on_site_support,
        regions=[] if regions is None else regions,
        relationship_owner=relationship_owner,
    )
    m2m = {"categories": categories, "skills": skills}
    return create_audited(supplier, actor=actor, m2m=m2m, verb=AuditVerb.SUPPLIER_CREATE)


@transactional
def supplier_update(
    *,
    actor: User,
    supplier: Supplier,
    reason: str = "",
    name: str | NotGiven = UNSET,
    tier: str | NotGiven = UNSET,
    status: str | NotGiven = UNSET,
    website: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    categories: Iterable[SupplierCategory] | NotGiven = UNSET,
    skills: Iterable[Skill] | NotGiven = UNSET,
    covers_24x7: bool | NotGiven = UNSET,
    covers_extended_hours: bool | NotGiven = UNSET,
    covers_business_hours: bool | NotGiven = UNSET,
    remote_support: bool | NotGiven = UNSET,
    on_site_support: bool | NotGiven = UNSET,
    regions: list[str] | NotGiven = UNSET,
    relationship_owner: User | NotGiven | None = UNSET,
) -> Supplier:
    """Change the given attributes of a supplier's profile (its slug stays)."""
    require_perm(actor, "suppliers.change_supplier")
    require_object(actor, "change", supplier)
    fields = given(
        name=name,
        tier=tier,
        status=status,
        website=website,
        description=description,
        covers_24x7=covers_24x7,
        covers_extended_hours=covers_extended_hours,
        covers_business_hours=covers_business_hours,
        remote_support=remote_support,
        on_site_support=on_site_support,
        regions=regions,
        relationship_owner=relationship_owner,
    )
    m2m = given(categories=categories, skills=skills)
    return update_audited(
        supplier, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.SUPPLIER_UPDATE
    )


@transactional
def contact_add(
    *,
    actor: User,
    supplier: Supplier,
    name: str,
    role: str,
    email: str = "",
    phone: str = "",
    escalation_level: int | None = None,
) -> SupplierContact:
    """Add a contact person at the supplier (a supplier's own people reach only their supplier)."""
    require_perm(actor, "suppliers.add_suppliercontact")
    require_object(actor, "view", supplier)
    contact = SupplierContact(
        supplier=supplier, name=name, role=role, email=email, phone=phone, escalation_level=escalation_level
    )
    return create_audited(contact, actor=actor, verb=AuditVerb.CONTACT_ADD)


@transactional
def contact_remove(*, actor: User, contact: SupplierContact, reason: str = "") -> None:
    """Remove a contact."""
    require_perm(actor, "suppliers.delete_suppliercontact")
    require_object(actor, "delete", contact)
    delete_audited(contact, actor=actor, reason=reason, verb=AuditVerb.CONTACT_REMOVE)


@transactional
def certification_add(
    *,
    actor: User,
    supplier: Supplier,
    name: str,
    issuer: str = "",
    reference: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    evidence_url: str = "",
) -> SupplierCertification:
    """Record a certification the supplier holds: standard, issuer, validity and evidence."""
    require_perm(actor, "suppliers.add_suppliercertification")
    require_object(actor, "view", supplier)
    if name and SupplierCertification.objects.filter(supplier=supplier, name=name).exists():
        raise ValidationError({"name": f"{supplier} already has a certification “{name}”."})
    certification = SupplierCertification(
        supplier=supplier,
        name=name,
        issuer=issuer,
        reference=reference,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence_url=evidence_url,
    )
    return create_audited(certification, actor=actor, verb=AuditVerb.CERTIFICATION_ADD)


@transactional
def certification_remove(*, actor: User, certification: SupplierCertification, reason: str = "") -> None:
    """Remove a certification."""
    require_perm(actor, "suppliers.delete_suppliercertification")
    require_object(actor, "delete", certification)
    delete_audited(certification, actor=actor, reason=reason, verb=AuditVerb.CERTIFICATION_REMOVE)

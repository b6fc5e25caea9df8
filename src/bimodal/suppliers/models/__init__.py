"""Models of the suppliers app, one module per area: suppliers and their profile (categories, contacts,
certifications), contracts (SLA targets and credits, renewal reminders) and MSP evaluations.

Other apps import from this package, not from its modules; the migrations name `default_weights` and
`not_reserved_supplier_slug` here."""

from __future__ import annotations

from bimodal.suppliers.models.base import NOTHING, USER, SupplierChildQuerySet
from bimodal.suppliers.models.contracts import (
    Contract,
    ContractReminder,
    ContractSlaTarget,
    ContractTargetQuerySet,
    supplier_services_q,
)
from bimodal.suppliers.models.evaluations import (
    EvaluationChildQuerySet,
    EvaluationQuerySet,
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    check_minutes,
    default_weights,
)
from bimodal.suppliers.models.suppliers import (
    CERT_WARNING,
    RESERVED_SUPPLIER_SLUGS,
    Supplier,
    SupplierCategory,
    SupplierCertification,
    SupplierContact,
    SupplierQuerySet,
    not_reserved_supplier_slug,
)

__all__ = [
    "CERT_WARNING",
    "NOTHING",
    "RESERVED_SUPPLIER_SLUGS",
    "USER",
    "Contract",
    "ContractReminder",
    "ContractSlaTarget",
    "ContractTargetQuerySet",
    "EvaluationChildQuerySet",
    "EvaluationQuerySet",
    "MspCandidate",
    "MspEvaluation",
    "MspRequirement",
    "Supplier",
    "SupplierCategory",
    "SupplierCertification",
    "SupplierChildQuerySet",
    "SupplierContact",
    "SupplierQuerySet",
    "check_minutes",
    "default_weights",
    "not_reserved_supplier_slug",
    "supplier_services_q",
]

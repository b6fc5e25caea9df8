"""Writes of the suppliers app, one module per area: suppliers and their profile, contracts with their SLA
targets and renewal reminders, and MSP evaluations.

Other apps import from this package (`from bimodal.suppliers import services`), not from its modules."""

from __future__ import annotations

from bimodal.suppliers.services.contracts import (
    CONTRACT_FIELDS,
    MAX_NOTICE_DAYS,
    contract_create,
    contract_remove_target,
    contract_renew,
    contract_send_renewal_reminders,
    contract_set_target,
    contract_transition,
    contract_update,
    contracts_due_for_reminder,
)
from bimodal.suppliers.services.evaluations import (
    CANDIDATE_FIELDS,
    EVALUATION_FIELDS,
    candidate_add,
    candidate_remove,
    candidate_update,
    demonstrated_response_times,
    evaluation_cancel,
    evaluation_create,
    evaluation_decide,
    evaluation_update,
    requirement_remove,
    requirement_set,
)
from bimodal.suppliers.services.suppliers import (
    CERTIFICATION_FIELDS,
    CONTACT_FIELDS,
    SUPPLIER_FIELDS,
    certification_add,
    certification_remove,
    contact_add,
    contact_remove,
    supplier_create,
    supplier_update,
)

__all__ = [
    "CANDIDATE_FIELDS",
    "CERTIFICATION_FIELDS",
    "CONTACT_FIELDS",
    "CONTRACT_FIELDS",
    "EVALUATION_FIELDS",
    "MAX_NOTICE_DAYS",
    "SUPPLIER_FIELDS",
    "candidate_add",
    "candidate_remove",
    "candidate_update",
    "certification_add",
    "certification_remove",
    "contact_add",
    "contact_remove",
    "contract_create",
    "contract_remove_target",
    "contract_renew",
    "contract_send_renewal_reminders",
    "contract_set_target",
    "contract_transition",
    "contract_update",
    "contracts_due_for_reminder",
    "demonstrated_response_times",
    "evaluation_cancel",
    "evaluation_create",
    "evaluation_decide",
    "evaluation_update",
    "requirement_remove",
    "requirement_set",
    "supplier_create",
    "supplier_update",
]

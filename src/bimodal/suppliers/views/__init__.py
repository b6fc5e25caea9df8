"""Pages of the suppliers app, one module per area: suppliers (with contacts and certifications), contracts,
scorecards and SIAM, and MSP evaluations.

Reads start from restricted querysets (a supplier agent sees only their own supplier's rows: anything else
is a 404); writes go through `services`; an invalid write is shown on the form with a 400."""

from __future__ import annotations

from bimodal.suppliers.views.base import (
    AREA,
)
from bimodal.suppliers.views.contracts import (
    ContractList,
    contract_detail,
    contract_form,
    contract_list,
    contract_new,
    contract_renew,
    contract_target,
    contract_transition,
)
from bimodal.suppliers.views.evaluations import (
    CandidateEdit,
    CandidateRemove,
    EvaluationCancel,
    RequirementRemove,
    candidate_edit,
    candidate_remove,
    evaluation_cancel,
    evaluation_candidate,
    evaluation_decide,
    evaluation_detail,
    evaluation_form,
    evaluation_list,
    evaluation_requirement,
    requirement_remove,
)
from bimodal.suppliers.views.scorecards import (
    scorecard,
    siam_overview,
    siam_ticket,
)
from bimodal.suppliers.views.suppliers import (
    CertificationAdd,
    CertificationRemove,
    ContactAdd,
    ContactRemove,
    SupplierList,
    certification_add,
    certification_remove,
    contact_add,
    contact_remove,
    supplier_detail,
    supplier_form,
    supplier_list,
)

__all__ = [
    "AREA",
    "CandidateEdit",
    "CandidateRemove",
    "CertificationAdd",
    "CertificationRemove",
    "ContactAdd",
    "ContactRemove",
    "ContractList",
    "EvaluationCancel",
    "RequirementRemove",
    "SupplierList",
    "candidate_edit",
    "candidate_remove",
    "certification_add",
    "certification_remove",
    "contact_add",
    "contact_remove",
    "contract_detail",
    "contract_form",
    "contract_list",
    "contract_new",
    "contract_renew",
    "contract_target",
    "contract_transition",
    "evaluation_cancel",
    "evaluation_candidate",
    "evaluation_decide",
    "evaluation_detail",
    "evaluation_form",
    "evaluation_list",
    "evaluation_requirement",
    "requirement_remove",
    "scorecard",
    "siam_overview",
    "siam_ticket",
    "supplier_detail",
    "supplier_form",
    "supplier_list",
]

"""Supplier permissions of each role (merged into the role groups by core.roles.full_matrix()).

Supplier agents read their own supplier's profile, contracts, scorecards and hand-offs (object restriction
narrows every one of them to their supplier); they never see MSP evaluations."""

from bimodal.core.roles import Role

_READ = [
    "suppliers.view_supplier",
    "suppliers.view_suppliercategory",
    "suppliers.view_suppliercontact",
    "suppliers.view_suppliercertification",
    "suppliers.view_contract",
    "suppliers.view_contractslatarget",
    "suppliers.view_scorecard",
    "servicedesk.view_tickethandoff",
]
_EVALUATIONS = [
    "suppliers.view_mspevaluation",
    "suppliers.view_msprequirement",
    "suppliers.view_mspcandidate",
]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [
        *_READ,
        *_EVALUATIONS,
        "suppliers.*_supplier",
        "suppliers.*_suppliercategory",
        "suppliers.*_suppliercontact",
        "suppliers.*_suppliercertification",
        "suppliers.*_contract",
        "suppliers.*_contractslatarget",
        "suppliers.view_contractreminder",
        "suppliers.*_mspevaluation",
        "suppliers.*_msprequirement",
        "suppliers.*_mspcandidate",
    ],
    Role.SERVICE_OWNER: [*_READ, *_EVALUATIONS],
    Role.CHANGE_MANAGER: [*_READ],
    Role.CAB_MEMBER: [*_READ],
    Role.SERVICE_DESK_AGENT: [*_READ],
    Role.SUPPLIER_AGENT: [*_READ],
    Role.PRODUCT_TEAM_MEMBER: ["suppliers.view_supplier", "servicedesk.view_tickethandoff"],
    Role.REQUESTER: [],
}

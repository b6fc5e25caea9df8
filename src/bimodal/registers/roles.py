"""Permissions of the registers, added to the core role matrix."""

from bimodal.core.roles import Role

_VIEW = [
    "registers.view_lowcodeapp",
    "registers.view_aiusecase",
    "registers.view_cloudaccount",
    "registers.view_cloudcost",
    "registers.view_reviewtask",
]
# Service owners and product teams register their own apps and AI use cases (object rule: owner or team).
_OWNERS = [
    *_VIEW,
    "registers.add_lowcodeapp",
    "registers.change_lowcodeapp",
    "registers.add_aiusecase",
    "registers.change_aiusecase",
    "registers.change_cloudaccount",
    "registers.add_cloudcost",
    "registers.change_cloudcost",
]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [
        *_OWNERS,
        "registers.add_cloudaccount",
        "registers.manage_registers",
        "registers.promote_lowcodeapp",
        "registers.import_registers",
        "registers.decide_aiusecase",
        "registers.view_all_reviews",
        "registers.change_reviewtask",
    ],
    Role.SERVICE_OWNER: _OWNERS,
    Role.PRODUCT_TEAM_MEMBER: _OWNERS,
    Role.CHANGE_MANAGER: _VIEW,
    Role.CAB_MEMBER: _VIEW,
    Role.AUDITOR: [*_VIEW, "registers.view_all_reviews"],
}

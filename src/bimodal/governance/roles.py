"""Permissions of the governance app, merged into the role matrix by core.roles.full_matrix()."""

from bimodal.core.roles import Role

_VIEW = ["governance.view_policy", "governance.view_forum"]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [*_VIEW, "governance.add_*", "governance.change_*"],
    Role.CHANGE_MANAGER: [*_VIEW, "governance.change_forum"],
    Role.CAB_MEMBER: _VIEW,
    Role.SERVICE_OWNER: _VIEW,
    Role.PRODUCT_TEAM_MEMBER: _VIEW,
    Role.AUDITOR: _VIEW,
}

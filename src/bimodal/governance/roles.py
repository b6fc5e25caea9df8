"""Permissions of the governance app, merged into the role matrix by core.roles.full_matrix().

Deciding a request is not a model permission: it follows the decision rights on the request's route
(see services.may_decide). These permissions let people see, open and run the machinery."""

from bimodal.core.roles import Role

_VIEW = [
    "governance.view_policy",
    "governance.view_forum",
    "governance.view_decisiontype",
    "governance.view_decisionright",
    "governance.view_decisionrequest",
    "governance.view_meeting",
    "governance.view_agendaitem",
]
_OPEN = ["governance.add_decisionrequest"]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [
        *_VIEW,
        "governance.add_*",
        "governance.change_*",
        "governance.delete_decisionright",
    ],
    Role.CHANGE_MANAGER: [
        *_VIEW,
        *_OPEN,
        "governance.change_forum",
        "governance.add_meeting",
        "governance.change_meeting",
        "governance.add_agendaitem",
        "governance.change_agendaitem",
    ],
    Role.CAB_MEMBER: [*_VIEW, *_OPEN],
    Role.SERVICE_OWNER: [*_VIEW, *_OPEN],
    Role.PRODUCT_TEAM_MEMBER: [*_VIEW, *_OPEN],
    Role.AUDITOR: _VIEW,
}

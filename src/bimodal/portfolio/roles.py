"""Permissions of the assessment, proposal and pathway models, added to the core role matrix."""

from bimodal.core.roles import Role

_VIEW = [
    "portfolio.view_questionnaire",
    "portfolio.view_criterion",
    "portfolio.view_assessment",
    "portfolio.view_reclassificationproposal",
    "portfolio.view_migrationpathway",
    "portfolio.view_pathwaystep",
    "portfolio.view_readinesscriterion",
]
# Service owners and product teams assess their services, propose moves and run their pathways.
_OWNERS = [
    *_VIEW,
    "portfolio.add_assessment",
    "portfolio.add_reclassificationproposal",
    "portfolio.add_migrationpathway",
    "portfolio.change_migrationpathway",
    "portfolio.add_pathwaystep",
    "portfolio.change_pathwaystep",
    "portfolio.add_readinesscriterion",
    "portfolio.change_readinesscriterion",
]

PERMISSIONS = {
    # The core matrix already gives governance leads portfolio.add_* and change_*.
    Role.GOVERNANCE_LEAD: [
        *_VIEW,
        "portfolio.decide_reclassificationproposal",
        "portfolio.delete_pathwaystep",
        "portfolio.delete_readinesscriterion",
        "portfolio.delete_criterion",
    ],
    Role.CHANGE_MANAGER: _VIEW,
    Role.CAB_MEMBER: _VIEW,
    Role.SERVICE_OWNER: _OWNERS,
    Role.PRODUCT_TEAM_MEMBER: _OWNERS,
    Role.SERVICE_DESK_AGENT: ["portfolio.view_assessment", "portfolio.view_migrationpathway"],
    Role.AUDITOR: _VIEW,
}

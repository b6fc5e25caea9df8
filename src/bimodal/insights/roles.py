"""Permissions of the insights app, added to the core role matrix."""

from bimodal.core.roles import Role

_VIEW = [
    "insights.view_insights",
    "insights.view_transition",
    "insights.view_capabilityarea",
    "insights.view_maturityassessment",
    "insights.view_maturityscore",
]

PERMISSIONS = {
    # Governance leads run the maturity audit and own the capability areas.
    Role.GOVERNANCE_LEAD: [
        *_VIEW,
        "insights.add_maturityassessment",
        "insights.change_maturityassessment",
        "insights.manage_maturity",
        "insights.manage_metric_settings",
        "insights.add_capabilityarea",
        "insights.change_capabilityarea",
    ],
    Role.AUDITOR: _VIEW,
    Role.CHANGE_MANAGER: _VIEW,
    Role.CAB_MEMBER: _VIEW,
    Role.SERVICE_OWNER: [*_VIEW, "insights.add_maturityassessment", "insights.change_maturityassessment"],
    Role.PRODUCT_TEAM_MEMBER: _VIEW,
    Role.SERVICE_DESK_AGENT: _VIEW,
}

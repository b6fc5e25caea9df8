"""Permissions of the changes app, merged into the role matrix by core.roles.full_matrix().

Product team members and service owners raise changes; change managers run the process; CAB members
(and, for the policies that name them, service owners, team mates and the governance lead) vote;
auditors read everything. Change managers are the release managers: they keep the release trains, which
everyone who sees changes sees. Standard-change templates are proposed by whoever raises changes and approved by
change managers and CAB members (changes/services/templates.py `may_approve_template`)."""

from bimodal.core.roles import Role

_VIEW = [
    "changes.view_change",
    "changes.view_changeapproval",
    "changes.view_changewindow",
    "changes.view_deployment",
    "changes.view_gaterequest",
    "changes.view_release",
    "changes.view_standardchangetemplate",
]
# Release managers keep the release trains: change managers.
_RELEASES = ["changes.add_release", "changes.change_release"]
# Raising changes, and proposing standard-change templates (revising and retiring one's own).
_RAISE = [
    "changes.add_change",
    "changes.change_change",
    "changes.add_standardchangetemplate",
    "changes.change_standardchangetemplate",
]

PERMISSIONS = {
    Role.CHANGE_MANAGER: [
        *_VIEW,
        *_RAISE,
        "changes.approve_change",
        "changes.manage_change",
        "changes.add_changewindow",
        "changes.change_changewindow",
        "changes.view_pipelinetoken",
        "changes.add_pipelinetoken",
        "changes.change_pipelinetoken",
        *_RELEASES,
    ],
    Role.GOVERNANCE_LEAD: [
        *_VIEW,
        "changes.approve_change",
        "changes.add_changewindow",
        "changes.change_changewindow",
    ],
    Role.CAB_MEMBER: [*_VIEW, "changes.approve_change"],
    Role.SERVICE_OWNER: [*_VIEW, *_RAISE, "changes.approve_change", "changes.view_pipelinetoken"],
    Role.PRODUCT_TEAM_MEMBER: [*_VIEW, *_RAISE, "changes.approve_change"],
    Role.SERVICE_DESK_AGENT: ["changes.view_change", "changes.view_changewindow", "changes.view_release"],
    Role.AUDITOR: _VIEW,
}

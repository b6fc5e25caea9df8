"""Permissions of the people app, added to the core role matrix.

Team leads record proficiency of their team's members: service owners and product team members hold the
model permission, the object rule (the actor leads a team the person belongs to) is checked in services."""

from bimodal.core.roles import Role

_VIEW = ["people.view_skill", "people.view_proficiency", "people.view_skillrequirement"]
_LEADS = [*_VIEW, "people.add_proficiency", "people.change_proficiency"]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [
        *_LEADS,
        "people.add_skill",
        "people.change_skill",
        "people.add_skillrequirement",
        "people.change_skillrequirement",
        "people.delete_skillrequirement",
        "people.manage_all_proficiency",
    ],
    Role.SERVICE_OWNER: _LEADS,
    Role.PRODUCT_TEAM_MEMBER: _LEADS,
    Role.CHANGE_MANAGER: _VIEW,
    Role.CAB_MEMBER: _VIEW,
    Role.AUDITOR: _VIEW,
}

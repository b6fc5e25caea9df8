"""Permissions of the integrations app, added to the core role matrix.

Administrators (every permission) and governance leads manage repositories and load deployment history;
service owners and product teams see repositories, deliveries, commits and pull requests; auditors read."""

from bimodal.core.roles import Role

_VIEW = [
    "integrations.view_repository",
    "integrations.view_webhookdelivery",
    "integrations.view_commit",
    "integrations.view_pullrequest",
    "integrations.view_deploymentcommit",
    "changes.view_deployment",
]

PERMISSIONS = {
    Role.GOVERNANCE_LEAD: [
        *_VIEW,
        "integrations.add_repository",
        "integrations.change_repository",
        "integrations.import_deployments",
    ],
    Role.SERVICE_OWNER: _VIEW,
    Role.PRODUCT_TEAM_MEMBER: _VIEW,
    Role.CHANGE_MANAGER: _VIEW,
    Role.AUDITOR: _VIEW,
}

"""Roles are groups; this module is the permission matrix and keeps the groups in step with it.

Object-level rules (which rows of a model a user sees or edits) live in each model's queryset
`restriction()`; this matrix says which model-level permissions each role has.
"""

from __future__ import annotations

from fnmatch import fnmatch
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.db import models


class Role(models.TextChoices):
    """The roles of Bimodal; each is a group of the same label."""

    ADMINISTRATOR = "administrator", "Administrator"
    GOVERNANCE_LEAD = "governance_lead", "Governance lead"
    CHANGE_MANAGER = "change_manager", "Change manager"
    CAB_MEMBER = "cab_member", "CAB member"
    SERVICE_OWNER = "service_owner", "Service owner"
    PRODUCT_TEAM_MEMBER = "product_team_member", "Product team member"
    SERVICE_DESK_AGENT = "service_desk_agent", "Service-desk agent"
    SUPPLIER_AGENT = "supplier_agent", "Supplier agent"
    REQUESTER = "requester", "Requester"
    AUDITOR = "auditor", "Auditor (read-only)"


_VIEW_PORTFOLIO = [
    "portfolio.view_mode",
    "portfolio.view_service",
    "portfolio.view_servicedependency",
    "portfolio.view_businesscapability",
    "portfolio.view_regulatorytag",
    "portfolio.view_all_services",
    "core.view_team",
    "core.view_orgunit",
    "suppliers.view_supplier",
]
_EDIT_OWN_SERVICES = [
    "portfolio.change_service",
    "portfolio.add_servicedependency",
    "portfolio.change_servicedependency",
    "portfolio.delete_servicedependency",
]

# role -> permission patterns ("app_label.codename", fnmatch wildcards allowed) for core, portfolio and
# suppliers. Other apps add theirs in `<app>/roles.py` as PERMISSIONS = {Role.X: [...]}; see full_matrix().
MATRIX: dict[str, list[str]] = {
    Role.ADMINISTRATOR: ["*"],
    Role.GOVERNANCE_LEAD: [
        *_VIEW_PORTFOLIO,
        "portfolio.add_*",
        "portfolio.change_*",
        "portfolio.delete_servicedependency",
        "portfolio.reclassify_service",
        "portfolio.manage_all_services",
        "portfolio.import_services",
        "core.add_team",
        "core.change_team",
        "core.manage_all_teams",
        "core.add_orgunit",
        "core.change_orgunit",
        "core.view_user",
        "core.view_auditentry",
        "suppliers.add_supplier",
        "suppliers.change_supplier",
    ],
    Role.CHANGE_MANAGER: [*_VIEW_PORTFOLIO, "core.view_auditentry"],
    Role.CAB_MEMBER: [*_VIEW_PORTFOLIO],
    Role.SERVICE_OWNER: [*_VIEW_PORTFOLIO, *_EDIT_OWN_SERVICES, "portfolio.add_service", "core.change_team"],
    Role.PRODUCT_TEAM_MEMBER: [*_VIEW_PORTFOLIO, *_EDIT_OWN_SERVICES],
    Role.SERVICE_DESK_AGENT: [*_VIEW_PORTFOLIO],
    Role.SUPPLIER_AGENT: [
        "portfolio.view_mode",
        "portfolio.view_service",
        "portfolio.view_servicedependency",
        "core.view_team",
        "suppliers.view_supplier",
    ],
    Role.REQUESTER: ["portfolio.view_mode", "portfolio.view_service"],
    Role.AUDITOR: ["*.view_*", "portfolio.view_all_services", "core.view_auditentry"],
}


def governed_apps() -> tuple[str, ...]:
    """Labels of Bimodal's own apps: their permissions are governed by the matrix (Django's are not)."""
    from django.apps import apps

    return tuple(
        c.label for c in apps.get_app_configs() if c.name.startswith("bimodal.") and c.label != "demo"
    )


def full_matrix() -> dict[str, list[str]]:
    """The matrix of core plus the PERMISSIONS each app declares in its own roles module."""
    from django.apps import apps

    merged = {role: list(patterns) for role, patterns in MATRIX.items()}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.roles"
        if config.name.startswith("bimodal.") and module_name != __name__ and find_spec(module_name):
            for role, patterns in getattr(import_module(module_name), "PERMISSIONS", {}).items():
                merged[role].extend(patterns)
    return merged


def resolve(patterns: list[str], available: list[str]) -> set[str]:
    """The permission names in `available` that any of `patterns` matches."""
    return {perm for perm in available if any(fnmatch(perm, pattern) for pattern in patterns)}


def sync_roles() -> dict[str, int]:
    """Create or update one group per role with exactly the permissions of the matrix."""
    from django.contrib.auth.models import Group, Permission

    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=governed_apps()
        )
    }
    counts = {}
    for role, patterns in full_matrix().items():
        group, _ = Group.objects.get_or_create(name=role.value if isinstance(role, Role) else role)
        wanted = resolve(patterns, list(perms))
        group.permissions.set([perms[name] for name in wanted])
        counts[group.name] = len(wanted)
    return counts


def sync_roles_after_migrate(sender: object, **kwargs: Any) -> None:
    """post_migrate hook: keep the role groups in step once the last app has its permissions."""
    from django.apps import apps

    # post_migrate is sent once per app that has models, in INSTALLED_APPS order.
    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if getattr(sender, "label", None) == last.label:
        sync_roles()

"""The permission matrix: role groups hold exactly the matrix's permissions, and users get them."""

import pytest
from django.contrib.auth.models import Group, Permission

from bimodal.core.roles import MATRIX, Role, full_matrix, governed_apps, resolve, sync_roles

pytestmark = pytest.mark.django_db


def _group_perms(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def _governed_perms() -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=governed_apps()
        )
    }


def test_resolve_matches_wildcards_against_available_names():
    available = ["portfolio.add_service", "portfolio.view_service", "core.view_team", "core.add_team"]
    assert resolve(["portfolio.*"], available) == {"portfolio.add_service", "portfolio.view_service"}
    assert resolve(["*.view_*"], available) == {"portfolio.view_service", "core.view_team"}
    assert resolve(["core.add_team", "nothing.here"], available) == {"core.add_team"}
    assert resolve([], available) == set()


def test_sync_roles_creates_one_group_per_role_with_the_matrix_permissions():
    Group.objects.all().delete()
    counts = sync_roles()
    assert set(Group.objects.values_list("name", flat=True)) == set(Role.values)
    assert set(counts) == set(Role.values)

    def foundation(role: str) -> set[str]:
        # Other apps add their own permissions (servicedesk/roles.py, suppliers/roles.py …); these are the core
        # matrix's (of the suppliers app's, only the supplier itself).
        return {
            p
            for p in _group_perms(role)
            if p.split(".")[0] in {"core", "portfolio"} or p == "suppliers.view_supplier"
        }

    assert foundation("requester") == {
        "portfolio.view_mode",
        "portfolio.view_service",
        "core.view_notification",
    }
    assert foundation("supplier_agent") == {
        "core.view_notification",
        "portfolio.view_mode",
        "portfolio.view_service",
        "portfolio.view_servicedependency",
        "core.view_team",
        "suppliers.view_supplier",
    }
    assert _group_perms("administrator") == _governed_perms()
    for role in Role.values:
        assert counts[role] == len(_group_perms(role))
        assert _group_perms(role) == resolve(full_matrix()[role], sorted(_governed_perms()))
    # Nothing outside the governed apps is handed out (sessions, admin log, tokens stay with admins).
    assert all(p.split(".")[0] in governed_apps() for p in _group_perms("administrator"))


def test_sync_roles_is_idempotent_and_removes_stray_permissions():
    sync_roles()
    before = {role: _group_perms(role) for role in Role.values}
    group_ids = set(Group.objects.values_list("pk", flat=True))

    stray = Permission.objects.get(content_type__app_label="portfolio", codename="delete_service")
    Group.objects.get(name="requester").permissions.add(stray)
    Group.objects.get(name="cab_member").permissions.clear()
    sync_roles()
    sync_roles()

    assert set(Group.objects.values_list("pk", flat=True)) == group_ids
    assert {role: _group_perms(role) for role in Role.values} == before


_CHECKED = [
    "portfolio.view_service",
    "portfolio.add_service",
    "portfolio.change_service",
    "portfolio.reclassify_service",
    "portfolio.import_services",
    "core.view_auditentry",
    "core.add_team",
    "suppliers.view_supplier",
]

# What each role may do, by hand from the design: one row per role, one column per _CHECKED permission.
#                       view  add   change reclass import audit addteam supplier
_EXPECTED = {
    Role.ADMINISTRATOR: (1, 1, 1, 1, 1, 1, 1, 1),
    Role.GOVERNANCE_LEAD: (1, 1, 1, 1, 1, 1, 1, 1),
    Role.CHANGE_MANAGER: (1, 0, 0, 0, 0, 1, 0, 1),
    Role.CAB_MEMBER: (1, 0, 0, 0, 0, 0, 0, 1),
    Role.SERVICE_OWNER: (1, 1, 1, 0, 0, 0, 0, 1),
    Role.PRODUCT_TEAM_MEMBER: (1, 0, 1, 0, 0, 0, 0, 1),
    Role.SERVICE_DESK_AGENT: (1, 0, 0, 0, 0, 0, 0, 1),
    Role.SUPPLIER_AGENT: (1, 0, 0, 0, 0, 0, 0, 1),
    Role.REQUESTER: (1, 0, 0, 0, 0, 0, 0, 0),
    Role.AUDITOR: (1, 0, 0, 0, 0, 1, 0, 1),
}


def test_every_role_is_in_the_table():
    assert set(_EXPECTED) == set(Role) == set(MATRIX)


@pytest.mark.parametrize("role", list(_EXPECTED), ids=lambda r: r.value)
def test_role_permissions(make_user, role):
    user = make_user(role.value)
    actual = {perm: user.has_perm(perm) for perm in _CHECKED}
    expected = {perm: bool(flag) for perm, flag in zip(_CHECKED, _EXPECTED[role], strict=True)}
    assert actual == expected


def test_a_user_without_roles_has_no_permissions(make_user):
    user = make_user()
    assert not any(user.has_perm(perm) for perm in _CHECKED)
    assert user.get_all_permissions() == set()


def test_roles_combine(make_user):
    user = make_user("requester", "auditor")
    assert user.has_perm("core.view_auditentry")
    assert not user.has_perm("portfolio.change_service")


def test_auditor_only_views(make_user):
    auditor = make_user("auditor")
    perms = auditor.get_all_permissions()
    assert perms, "the auditor must be able to read"
    assert {p.split(".", 1)[1].split("_", 1)[0] for p in perms} == {"view"}
    governed_views = {p for p in _governed_perms() if p.split(".", 1)[1].startswith("view_")}
    assert perms == governed_views
    for verb in ("add", "change", "delete"):
        assert not any(p.split(".", 1)[1].startswith(f"{verb}_") for p in perms)
    assert not auditor.has_perm("portfolio.manage_all_services")
    assert not auditor.has_perm("portfolio.import_services")


def test_inactive_users_have_no_permissions(make_user):
    user = make_user("governance_lead", is_active=False)
    assert not user.has_perm("portfolio.view_service")

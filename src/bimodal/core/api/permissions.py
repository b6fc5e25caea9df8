"""API permission: the role's model permissions, with object restriction done by each view's queryset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import DjangoModelPermissions

if TYPE_CHECKING:  # DRF's views import this module through its settings: no run-time import
    from rest_framework.request import Request
    from rest_framework.views import APIView


class RolePermission(DjangoModelPermissions):
    """Model permissions for every method, reads included (view_<model>).

    A workflow `@action` may name its own permissions in the view's `action_perms`
    (e.g. {"change_mode": ["portfolio.reclassify_service"]}) instead of the method's model permission.
    Object restriction is not checked here: a view's queryset hides what cannot be seen (404) and the
    service functions refuse what cannot be changed (403)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        action_perms = getattr(view, "action_perms", None) or {}
        action = getattr(view, "action", None)
        if action in action_perms:
            return self._has_all(request, action_perms[action])
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            # A view without a model (contention, reports): a method it does not route is its 405, and
            # anything else (OPTIONS) needs every permission its actions name.
            if getattr(view, (request.method or "").lower(), None) is None:
                return True
            return bool(action_perms) and self._has_all(
                request, sorted({perm for perms in action_perms.values() for perm in perms})
            )
        return super().has_permission(request, view)

    @staticmethod
    def _has_all(request: Request, perms: list[str]) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        allowed: bool = user.has_perms(perms)
        return allowed

"""Template context shared by every page."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bimodal.core.models import Notification
from bimodal.core.navigation import areas_for
from bimodal.core.roles import Role

_ROLE_LABELS = dict(Role.choices)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation areas, marking the active one, and (lazily) the user's role labels and unread count."""
    user = getattr(request, "user", None)

    def role_labels() -> list[str]:
        if user is None or not user.is_authenticated:
            return []
        return [_ROLE_LABELS.get(name, name) for name in user.groups.values_list("name", flat=True)]

    def unread_notifications() -> int:
        # One COUNT, only when a template shows it (the top-bar badge).
        if user is None or not user.is_authenticated:
            return 0

        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {
        "nav_areas": areas_for(request),
        "user_roles": SimpleLazyObject(role_labels),
        "unread_notifications": SimpleLazyObject(unread_notifications),
    }

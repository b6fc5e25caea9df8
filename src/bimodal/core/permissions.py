"""Helpers that views and API views use to apply roles and object restriction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404


def get_restricted_object(queryset: QuerySet, user, action: str = "view", **lookup) -> Model:
    """The object matching `lookup` if `user` may `action` it: 404 when it cannot be seen, 403 when it
    can be seen but not acted on."""
    visible = queryset.restrict(user, "view")
    try:
        obj = visible.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
    if (
        action != "view"
        and not queryset.model._default_manager.restrict(user, action).filter(pk=obj.pk).exists()
    ):
        raise PermissionDenied(f"You may not {action} this {queryset.model._meta.verbose_name}.")
    return obj


def can(user, action: str, obj: Model) -> bool:
    """Whether `user` may `action` this object (model permission and object restriction)."""
    return type(obj)._default_manager.restrict(user, action).filter(pk=obj.pk).exists()

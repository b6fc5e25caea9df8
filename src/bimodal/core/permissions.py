"""Helpers that views and API views use to apply roles and object restriction."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from bimodal.core.models import Actor
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet, restricted_manager

_M = TypeVar("_M", bound=Model)


def get_restricted_object(
    queryset: RestrictedQuerySet[_M] | RestrictedManager[_M], user: Actor, action: str = "view", **lookup: Any
) -> _M:
    """The object matching `lookup` if `user` may `action` it: 404 when it cannot be seen, 403 when it
    can be seen but not acted on."""
    visible = queryset.restrict(user, "view")
    try:
        obj = visible.get(**lookup)
    # The stubs give DoesNotExist to concrete model classes, not to a type variable bound to Model.
    except queryset.model.DoesNotExist as exc:  # type: ignore[attr-defined]
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
    if (
        action != "view"
        and not restricted_manager(queryset.model).restrict(user, action).filter(pk=obj.pk).exists()
    ):
        raise PermissionDenied(f"You may not {action} this {queryset.model._meta.verbose_name}.")
    return obj


def can(user: Actor, action: str, obj: Model) -> bool:
    """Whether `user` may `action` this object (model permission and object restriction)."""
    return restricted_manager(type(obj)).restrict(user, action).filter(pk=obj.pk).exists()

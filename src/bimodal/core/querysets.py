"""Object-level restriction: every read a user sees starts from `Model.objects.restrict(user, action)`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeVar, cast

from django.contrib.auth import get_permission_codename
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from bimodal.core.models import Actor, User

_M = TypeVar("_M", bound=models.Model, covariant=True)


def perm_name(model: type[models.Model], action: str) -> str:
    """The model permission for `action` ("view", "add", "change", "delete"), e.g. "core.view_team"."""
    opts = model._meta
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


class RestrictedQuerySet(models.QuerySet[_M, _M]):
    """A queryset that can narrow itself to the rows a user may view, change or delete."""

    def restrict(self, user: Actor, action: str = "view") -> Self:
        """Rows `user` may `action` ("view", "change", "delete"); none without the model permission."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if not user.has_perm(perm_name(self.model, action)):
            return self.none()
        condition = self.restriction(user, action)
        return self if condition is None else self.filter(condition).distinct()

    def restriction(self, user: User, action: str) -> Q | None:
        """The object-level condition for `user`; None means every row. Models override this."""
        return None


_RestrictedManagerBase = models.Manager.from_queryset(RestrictedQuerySet)


class RestrictedManager(_RestrictedManagerBase[_M]):
    """Default manager of restricted models."""


_N = TypeVar("_N", bound=models.Model)


def restricted_manager(model: type[_N]) -> RestrictedManager[_N]:
    """`model`'s default manager, which for every restricted model is a RestrictedManager."""
    return cast("RestrictedManager[_N]", model._default_manager)

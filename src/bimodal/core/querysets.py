"""Object-level restriction: every read a user sees starts from `Model.objects.restrict(user, action)`."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to the rows a user may view, change or delete."""

    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        """Rows `user` may `action` ("view", "change", "delete"); none without the model permission."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        opts = self.model._meta
        if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return self.none()
        condition = self.restriction(user, action)
        return self if condition is None else self.filter(condition).distinct()

    def restriction(self, user, action: str) -> Q | None:
        """The object-level condition for `user`; None means every row. Models override this."""
        return None


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    """Default manager of restricted models."""

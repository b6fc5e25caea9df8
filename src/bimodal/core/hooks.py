"""Hooks: how a lower app calls up the layers without importing the app above it.

Dependencies point one way, down the layers of docs/architecture.md. When a lower app needs something
only a higher app can do (the service desk logging a transition in insights' log, the portfolio opening
a governance decision), the lower app declares a `Hook` and calls it; the higher app registers the
implementation in its `AppConfig.ready()`. The call is an ordinary synchronous call, inside the caller's
transaction, with its return value — unlike a signal, nothing is lost if no one listens: a required hook
without an implementation raises `ImproperlyConfigured`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bimodal.core.models import User

_NOT_SET: Any = object()


class Hook:
    """One upward call: declared by the lower app, implemented once by a higher app."""

    def __init__(self, name: str, *, default: Any = _NOT_SET) -> None:
        self.name = name
        self.default = default
        self._impl: Callable[..., Any] | None = None

    def register(self, impl: Callable[..., Any]) -> Callable[..., Any]:
        """Set the implementation (idempotent for the same function; usable as a decorator)."""
        if self._impl is not None and self._impl is not impl:
            raise ImproperlyConfigured(f"Hook {self.name} already has an implementation: {self._impl!r}.")
        self._impl = impl
        return impl

    def unregister(self) -> None:
        """Remove the implementation (tests)."""
        self._impl = None

    @property
    def implemented(self) -> bool:
        """Whether a higher app has registered an implementation."""
        return self._impl is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._impl is None:
            if self.default is not _NOT_SET:
                return self.default
            raise ImproperlyConfigured(f"No app implements the hook {self.name}; is its app installed?")
        return self._impl(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"


class Registry:
    """Many upward contributions to one place (e.g. the home page's figures), in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, Any] = {}

    def register(self, key: str, item: Any) -> None:
        """Add (or replace) the contribution named `key`."""
        self._items[key] = item

    def unregister(self, key: str) -> None:
        """Remove a contribution (tests)."""
        self._items.pop(key, None)

    def items(self) -> list[tuple[str, Any]]:
        """The contributions as (key, item) pairs."""
        return list(self._items.items())

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {list(self._items)}>"


# --- What core itself declares --------------------------------------------------------------------------

#: `visible_services(user) -> QuerySet[Service]`: the services `user` may see (implemented by portfolio),
#: for the counts and lists of services on the team pages.
visible_services = Hook("core.visible_services")

#: Figures on the home page: key -> `HomeFigure`; each app with something to count registers one.
home_figures = Registry("core.home_figures")

#: What a new organisation starts with: key -> `apply(*, actor) -> int` (rows written), idempotent; an app
#: whose defaults need an administrator to write them (governance's default and generated policies)
#: registers one, and `bimodal setup` calls each with the administrator it creates or finds.
default_data = Registry("core.default_data")


class HomeFigure:
    """One figure on the home page: a label, an icon, a link and how to count it for a user."""

    def __init__(
        self,
        *,
        label: str,
        plural: str,
        icon: str,
        permission: str,
        count: Callable[[User], int],
        url_name: str = "",
    ) -> None:
        self.label, self.plural, self.icon = label, plural, icon
        self.permission, self.count, self.url_name = permission, count, url_name

    def for_user(self, user: User) -> dict[str, Any] | None:
        """{label, icon, url_name, value} for `user`, or None when they may not see what it counts."""
        if not user.has_perm(self.permission):
            return None
        value = self.count(user)
        return {
            "label": self.label if value == 1 else self.plural,
            "icon": self.icon,
            "url_name": self.url_name,
            "value": value,
        }

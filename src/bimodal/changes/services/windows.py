"""Change windows and freezes: create, edit, end now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.changes.choices import WindowKind
from bimodal.changes.models import ChangeWindow
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Mode, Service

# The fields a person sets on a change window or freeze: the form, the API's serializer and these services'
# keyword arguments list the same names (changes/tests/test_services.py checks that they do not drift).
WINDOW_FIELDS: Final = ("name", "kind", "start", "end", "modes", "services", "description")


@transactional
def window_create(
    *,
    actor: User,
    name: str,
    kind: str = WindowKind.WINDOW,
    start: datetime,
    end: datetime,
    modes: Iterable[Mode] = (),
    services: Iterable[Service] = (),
    description: str = "",
    reason: str = "",
) -> ChangeWindow:
    """Add a change window or a freeze, for some modes and/or services (or everything)."""
    require_perm(actor, "changes.add_changewindow")
    window = ChangeWindow(name=name, kind=kind, start=start, end=end, description=description)
    return create_audited(
        window,
        actor=actor,
        m2m={"modes": list(modes), "services": list(services)},
        reason=reason,
        verb=AuditVerb.WINDOW_CREATE,
    )


@transactional
def window_update(
    *,
    actor: User,
    window: ChangeWindow,
    reason: str = "",
    modes: Iterable[Mode] | None = None,
    services: Iterable[Service] | None = None,
    name: str | NotGiven = UNSET,
    kind: str | NotGiven = UNSET,
    start: datetime | NotGiven = UNSET,
    end: datetime | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
) -> ChangeWindow:
    """Change a window's or freeze's name, kind, times, description or scope (modes, services; None
    leaves them as they are)."""
    require_object(actor, "change", window)
    fields = given(name=name, kind=kind, start=start, end=end, description=description)
    m2m: dict[str, Iterable[Any]] = {}
    if modes is not None:
        m2m["modes"] = list(modes)
    if services is not None:
        m2m["services"] = list(services)
    return update_audited(
        window, actor=actor, fields=fields, m2m=m2m or None, reason=reason, verb=AuditVerb.WINDOW_UPDATE
    )


@transactional
def window_end(*, actor: User, window: ChangeWindow, reason: str = "") -> ChangeWindow:
    """End a window or freeze now (its end becomes the current time)."""
    require_object(actor, "change", window)
    now = timezone.now()
    if window.end <= now:
        raise ValidationError({"end": f"“{window.name}” has already ended."})
    if window.start >= now:
        raise ValidationError({"end": f"“{window.name}” has not started yet: edit or shorten it instead."})
    return update_audited(window, actor=actor, fields={"end": now}, reason=reason, verb=AuditVerb.WINDOW_END)

"""Change windows and freezes, and rescheduling an approved change: a new slot is a material edit, so a
change whose approval came from people goes back to them (a new approval round) before it may start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.changes import selectors
from bimodal.changes.choices import ChangeType, WindowKind
from bimodal.changes.models import Change, ChangeWindow
from bimodal.changes.services.base import S, _approval_fields, _lock, _move, _services_of
from bimodal.changes.services.records import _decide
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
from bimodal.governance.choices import DecisionOutcome
from bimodal.portfolio.models import Mode, Service

# --- windows and freezes ---------------------------------------------------------------------------


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


# Statuses in which a change manager may move a change's slot.
RESCHEDULABLE = frozenset({S.APPROVED, S.SCHEDULED})


@transactional
def change_reschedule(
    *, actor: User, change: Change, planned_start: datetime, planned_end: datetime, reason: str
) -> Change:
    """Move an approved or scheduled change to a new slot (change managers): conflicts, freezes, windows
    and the policies are checked again for the new slot; a refused slot writes nothing. When the
    policies want approvers for it, the change goes back to awaiting approval in a new round."""
    change = _lock(change)
    require_perm(actor, "changes.manage_change")
    if change.status not in RESCHEDULABLE:
        raise ValidationError({"status": "Only an approved or scheduled change can be rescheduled."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the change is rescheduled."})
    if not (planned_start and planned_end):
        raise ValidationError({"planned_start": "Give the new planned start and end."})
    if planned_end <= planned_start:
        raise ValidationError({"planned_end": "The planned end must be after the planned start."})
    services = _services_of(change)
    if change.change_type != ChangeType.EMERGENCY and selectors.in_freeze(
        services, planned_start, planned_end
    ):
        raise ValidationError({"planned_start": "The new slot falls inside a change freeze."})
    if change.window_required and not selectors.in_open_window(services, planned_start, planned_end):
        raise ValidationError({"planned_start": "This change must be planned inside an open change window."})
    # Re-run conflict detection and the policies on a copy planned in the new slot (nothing saved yet).
    probe = Change.objects.get(pk=change.pk)
    probe.planned_start, probe.planned_end = planned_start, planned_end
    conflicts = selectors.conflicts_for(probe)
    _, _, decision = _decide(probe)
    if decision.outcome == DecisionOutcome.DENY:
        raise ValidationError(
            {"planned_start": "The policies refuse the new slot: " + "; ".join(decision.reasons)}
        )
    note = reason.strip()
    if conflicts:
        note += " (conflicts: " + "; ".join(c.message for c in conflicts) + ")"
    change = update_audited(
        change,
        actor=actor,
        fields={"planned_start": planned_start, "planned_end": planned_end},
        reason=note,
        verb=AuditVerb.CHANGE_RESCHEDULE,
    )
    if decision.approvals and change.change_type != ChangeType.EMERGENCY:
        # The approvers approved another slot: they confirm the new one (earlier votes stay on record
        # but no longer count).
        return _move(
            change,
            S.AWAITING_APPROVAL,
            actor=actor,
            reason=f"rescheduled after approval: the approvers confirm the new slot ({note})",
            assessment={**_approval_fields(decision), "approval_round": change.approval_round + 1},
        )
    return change

"""Notifications: marking them read, each person's channels."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.choices import (
    ESSENTIAL_NOTIFICATION_KINDS,
    AuditAction,
    NotificationChannel,
    NotificationKind,
)
from bimodal.core.models import Notification, NotificationPreference, User
from bimodal.core.selectors import notification_preferences
from bimodal.core.services import (
    require_object,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb

# --- notifications ----------------------------------------------------------------------------------


@transactional
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications as read."""
    require_object(actor, "view", notification)
    if notification.read_at is not None:
        return notification
    return update_audited(
        notification, actor=actor, fields={"read_at": timezone.now()}, verb=AuditVerb.NOTIFICATION_MARK_READ
    )


@transactional
def notification_mark_all_read(*, actor: User) -> int:
    """Mark all of the actor's unread notifications as read (one audit entry for the batch)."""
    unread = Notification.objects.restrict(actor, "view").filter(read_at__isnull=True)
    ids = list(unread.values_list("pk", flat=True))
    if not ids:
        return 0
    Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=actor,
        after={"notifications_read": ids},
        verb=AuditVerb.NOTIFICATION_MARK_ALL_READ,
    )
    return len(ids)


@transactional
def notification_preferences_set(*, actor: User, user: User, channels: dict[str, str]) -> dict[str, str]:
    """Set a person's channel for the given kinds (their own only); an essential kind cannot be off.
    Returns the person's channels for every kind."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied("A person sets only their own notification preferences.")
    errors: dict[str, str] = {}
    for kind, channel in channels.items():
        if kind not in NotificationKind.values:
            errors[kind] = "Unknown kind of notification."
        elif channel not in NotificationChannel.values:
            errors[kind] = f"Choose one of: {', '.join(NotificationChannel.values)}."
        elif channel == NotificationChannel.OFF and kind in ESSENTIAL_NOTIFICATION_KINDS:
            errors[kind] = f"{NotificationKind(kind).label} cannot be switched off."
    if errors:
        raise ValidationError(errors)
    before = notification_preferences(user=user)
    for kind, channel in channels.items():
        if before[kind] != channel:  # write only what changed
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"channel": channel}
            )
    after = notification_preferences(user=user)
    if after != before:
        changed = sorted(k for k in after if after[k] != before[k])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            before={"notification_channels": {k: before[k] for k in changed}},
            after={"notification_channels": {k: after[k] for k in changed}},
            verb=AuditVerb.NOTIFICATION_PREFERENCES_SET,
        )
    return after

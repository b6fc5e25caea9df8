"""Notifications: marking them read."""

from __future__ import annotations

from django.utils import timezone

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import Notification, User
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

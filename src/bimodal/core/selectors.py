"""Reads of the core app that pages and the API share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType

from bimodal.core.choices import (
    DEFAULT_NOTIFICATION_CHANNEL,
    ESSENTIAL_NOTIFICATION_KINDS,
    NotificationChannel,
    NotificationKind,
)
from bimodal.core.models import Notification, NotificationPreference, NotificationQuerySet, User
from bimodal.core.querysets import restricted_manager


def notification_list(*, user: User) -> NotificationQuerySet:
    """The person's own notifications, latest first (mark them with `with_links` before showing)."""
    return Notification.objects.restrict(user, "view").select_related("content_type")


def with_links(*, user: User, rows: Iterable[Notification]) -> list[Notification]:
    """`rows` with `available` set on each: False when it is about an object the person may no longer
    view (its link is then not shown). One query per kind of object, however many rows."""
    rows = list(rows)
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        if row.content_type_id is not None:
            wanted[row.content_type_id].add(row.object_id)
    visible: dict[int, set[str]] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:  # the model is gone: nothing to link to
            visible[content_type_id] = set()
            continue
        pks = restricted_manager(model).restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True)
        visible[content_type_id] = {str(pk) for pk in pks}
    for row in rows:
        row.available = row.content_type_id is None or row.object_id in visible[row.content_type_id]
    return rows


def notification_preferences(*, user: User) -> dict[str, str]:
    """The person's channel for every kind of notification, defaults included (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    channels = {kind: chosen.get(kind, DEFAULT_NOTIFICATION_CHANNEL) for kind in NotificationKind.values}
    for kind in ESSENTIAL_NOTIFICATION_KINDS:
        if channels[kind] == NotificationChannel.OFF:
            channels[kind] = DEFAULT_NOTIFICATION_CHANNEL
    return {k: str(v) for k, v in channels.items()}

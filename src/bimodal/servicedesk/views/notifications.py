"""A person's in-app notifications and their channels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.choices import ESSENTIAL_NOTIFICATION_KINDS, NotificationChannel, NotificationKind
from bimodal.core.htmx import wants_partial
from bimodal.core.selectors import notification_list, notification_preferences, with_links
from bimodal.servicedesk import services


@login_required
def notifications(request):
    """The caller's in-app notifications, unread first marked; a link only to what they may still view;
    htmx swaps only the list (and the top-bar badge)."""
    rows = with_links(user=request.user, rows=notification_list(user=request.user)[:100])
    context = {"active_area": "servicedesk", "rows": rows}
    template = (
        "servicedesk/_notification_list.html" if wants_partial(request) else "servicedesk/notifications.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read (then follow its link if its object is still visible, or back to the list)."""
    notification = get_object_or_404(notification_list(user=request.user), pk=pk)
    notification = services.notification_mark_read(actor=request.user, notification=notification)
    [notification] = with_links(user=request.user, rows=[notification])
    if request.POST.get("follow") and notification.available and notification.url.startswith("/"):
        return redirect(notification.url)
    if wants_partial(request):
        return notifications(request)
    return redirect("servicedesk:notifications")


@login_required
@require_POST
def notification_read_all(request):
    """Mark all of the caller's notifications read."""
    count = services.notification_mark_all_read(actor=request.user)
    if wants_partial(request):
        return notifications(request)
    messages.success(request, f"{count} notification(s) marked read.")
    return redirect("servicedesk:notifications")


@login_required
def notification_preferences_page(request):
    """The caller's channel for each kind of notification; essential kinds cannot be switched off."""
    errors: dict[str, str] = {}
    current = notification_preferences(user=request.user)
    if request.method == "POST":
        chosen = {kind: request.POST[kind] for kind in NotificationKind.values if kind in request.POST}
        try:
            services.notification_preferences_set(actor=request.user, user=request.user, channels=chosen)
        except ValidationError as error:
            errors = {field: " ".join(msgs) for field, msgs in error.message_dict.items()}
            current = {**current, **chosen}
        else:
            messages.success(request, "Notification preferences saved.")
            return redirect("servicedesk:notification_preferences")
    rows = [
        {
            "kind": kind,
            "label": label,
            "channel": current[kind],
            "essential": kind in ESSENTIAL_NOTIFICATION_KINDS,
            "choices": [
                (value, text)
                for value, text in NotificationChannel.choices
                if not (value == NotificationChannel.OFF and kind in ESSENTIAL_NOTIFICATION_KINDS)
            ],
            "error": errors.get(kind, ""),
        }
        for kind, label in NotificationKind.choices
    ]
    context = {"active_area": "servicedesk", "rows": rows}
    return render(
        request, "servicedesk/notification_preferences.html", context, status=400 if errors else 200
    )

"""A person's in-app notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.htmx import wants_partial
from bimodal.core.models import Notification
from bimodal.servicedesk import services


@login_required
def notifications(request):
    """The caller's in-app notifications, unread first marked; htmx swaps only the list."""
    rows = Notification.objects.restrict(request.user, "view")[:100]
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
    """Mark one notification read (then follow its link, or back to the list)."""
    notification = get_object_or_404(Notification.objects.restrict(request.user, "view"), pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.POST.get("follow") and notification.url.startswith("/"):
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

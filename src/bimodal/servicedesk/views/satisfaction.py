"""Customer satisfaction pages: the survey of one ticket and the figures per service, group, supplier
and mode."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.forms import RATING_CHOICES, RatingForm, SatisfactionPeriodForm
from bimodal.servicedesk.models import Ticket

LABELS = dict(RATING_CHOICES)
TITLES = {"service": "Service", "group": "Assignment group", "supplier": "Supplier", "mode": "Mode"}


def rating_context(ticket: Ticket, user, form: RatingForm | None = None) -> dict:
    """What the survey card shows: the answer once given, else the form for the requester."""
    rating = selectors.ticket_rating(ticket)
    may = rating is None and selectors.may_rate(ticket, user)
    return {
        "ticket": ticket,
        "rating": rating,
        "rating_label": LABELS.get(str(rating.rating), "").split("— ")[-1] if rating else "",
        "rating_form": (form or RatingForm()) if may else None,
    }


def _ticket(request, number: str) -> Ticket:
    return get_restricted_object(
        Ticket.objects.with_related().select_related("satisfaction__answered_by"),
        request.user,
        "view",
        number=number,
    )


@login_required
def ticket_rate(request, number: str):
    """The survey of a resolved ticket (the page the notification links to); POST records the answer.
    htmx swaps only the survey card."""
    ticket = _ticket(request, number)
    partial = wants_partial(request)
    form = None
    status = 200
    if request.method == "POST":
        if ticket.requester_id != request.user.pk:
            raise PermissionDenied("Only the person the ticket was raised for rates it.")
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                services.ticket_rate(actor=request.user, ticket=ticket, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
                status = 400
            else:
                ticket = _ticket(request, number)  # with its answer
                form = None
                if not partial:
                    messages.success(request, "Thank you: your rating is recorded.")
                    return redirect(ticket.get_absolute_url())
        else:
            status = 400
    context = {"active_area": "servicedesk", **rating_context(ticket, request.user, form)}
    if status == 400 and context["rating_form"] is None:
        # Already answered (or no longer open to an answer): say why, with the answer if there is one.
        messages.error(
            request, "; ".join(" ".join(map(str, v)) for v in form.errors.values()) if form else ""
        )
    template = "servicedesk/_rating.html" if partial else "servicedesk/ticket_rate.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _period(request) -> tuple[SatisfactionPeriodForm, datetime, datetime]:
    """The period asked for: from a start to an end date (whole local days), else the last N days."""
    form = SatisfactionPeriodForm(request.GET or None)
    now = timezone.now()
    if form.is_bound and form.is_valid() and form.cleaned_data.get("start") and form.cleaned_data.get("end"):
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(form.cleaned_data["start"], time.min), tz)
        end = timezone.make_aware(
            datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min), tz
        )
        return form, start, end
    days = (form.cleaned_data.get("days") if form.is_bound and form.is_valid() else None) or 90
    return form, now - timedelta(days=days), now


@login_required
def satisfaction(request):
    """Customer satisfaction over a period, per service, assignment group, supplier and mode, over the
    tickets the viewer may see (agents and those who see every ticket)."""
    user = request.user
    if not (user.has_perm("servicedesk.work_tickets") or user.has_perm("servicedesk.view_all_tickets")):
        raise PermissionDenied("The satisfaction figures are for the service desk.")
    form, start, end = _period(request)
    status = 400 if form.is_bound and not form.is_valid() else 200
    figures = selectors.satisfaction_table(user=user, start=start, end=end)
    context = {
        "active_area": "servicedesk",
        "form": form,
        "start": start,
        "end": end,
        "overall": figures["overall"],
        "sections": [(by, TITLES[by], rows) for by, rows in figures["tables"].items()],
        "comments": selectors.recent_ratings(user=user, start=start, end=end),
    }
    return render(request, "servicedesk/satisfaction.html", context, status=status)

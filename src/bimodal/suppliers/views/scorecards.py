"""Scorecards from real tickets, and the SIAM view of hand-offs between parties."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone

from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk.models import Ticket
from bimodal.servicedesk.selectors import ticket_list
from bimodal.suppliers import charts, scorecards, selectors, siam
from bimodal.suppliers.forms import (
    PeriodForm,
)
from bimodal.suppliers.models import (
    Supplier,
)
from bimodal.suppliers.views.base import _render, _require

# --- scorecards --------------------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, date, date]:
    """The period asked for, or the default one: only a given start or end binds the form (other
    parameters, such as `format=csv`, leave the default period)."""
    start, end = scorecards.default_period()
    given = "start" in request.GET or "end" in request.GET
    form = PeriodForm(request.GET if given else None, initial={"start": start, "end": end})
    if given and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


@login_required
def scorecard(request, slug: str):
    """A supplier's scorecard for a period (default: last month): SLA attainment per priority, times,
    volumes, reopen rate, breaches and credits, cost per ticket, trends. `?format=csv` exports it."""
    _require(request, "suppliers.view_scorecard")
    supplier = get_restricted_object(Supplier.objects.all(), request.user, "view", slug=slug)
    form, start, end = _period(request)
    if form.is_bound and not form.is_valid():
        return _render(request, "scorecard.html", {"supplier": supplier, "form": form, "card": None}, 400)
    card = scorecards.compute(supplier, start, end)
    breached = list(scorecards.breaches(supplier, start, end))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="scorecard-{supplier.slug}-{start}-{end}.csv"'
        )
        csv.writer(response).writerows(scorecards.csv_rows(card, breached))
        return response
    context = {
        "supplier": supplier,
        "form": form,
        "card": card,
        "breached": breached,
        "trend_chart": charts.trend(card.trend),
        "times_chart": charts.resolution_times(card.trend),
        "query": request.GET.urlencode(),
    }
    return _render(request, "scorecard.html", context)


# --- SIAM --------------------------------------------------------------------------------------------------


@login_required
def siam_overview(request):
    """Hand-offs over the tickets the user may see, opened in a period, optionally for one service."""
    _require(request, "servicedesk.view_tickethandoff")

    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": today - timedelta(days=90), "end": today})
    start, end = today - timedelta(days=90), today
    if request.GET.get("start") and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    t0, t1 = scorecards.period_bounds(start, end)
    tickets = ticket_list(user=request.user).filter(opened_at__gte=t0, opened_at__lt=t1)
    service = None
    if request.GET.get("service"):
        service = get_restricted_object(
            selectors.visible_services(user=request.user), request.user, "view", slug=request.GET["service"]
        )
        tickets = tickets.filter(service=service)
    view = siam.service_view(tickets)
    context = {
        "form": form,
        "view": view,
        "service": service,
        "start": start,
        "end": end,
        "services": selectors.visible_services(user=request.user)
        .filter(tickets__handoffs__isnull=False)
        .distinct(),
    }
    return _render(request, "siam.html", context)


@login_required
def siam_ticket(request, number: str):
    """One ticket's journey between parties: time held by each, bounces, who held it when an SLA breached."""

    _require(request, "servicedesk.view_tickethandoff")
    ticket = get_restricted_object(Ticket.objects.with_related(), request.user, "view", number=number)
    return _render(request, "siam_ticket.html", {"view": siam.ticket_view(ticket), "ticket": ticket})

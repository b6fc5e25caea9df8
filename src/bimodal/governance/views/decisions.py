"""Decision rights (the RACI grid), decision requests and deciding them, and the minimum viable
bureaucracy report."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.models import OrgUnit
from bimodal.core.permissions import get_restricted_object
from bimodal.governance import charts, selectors, services
from bimodal.governance.choices import DecisionStatus, MeetingStatus
from bimodal.governance.filtersets import DecisionRequestFilterSet
from bimodal.governance.forms import (
    DecideForm,
    DecisionRequestForm,
)
from bimodal.governance.models import DecisionRequest, Meeting
from bimodal.governance.views.base import (
    PER_PAGE,
    _refused,
)
from bimodal.portfolio import selectors as portfolio_selectors

# --- decision rights -----------------------------------------------------------------------------------


def _grid_cells(post, grid) -> dict[tuple[str, str], str]:
    """The (decision type, party) → letter cells a grid form posted."""
    cells = {}
    for row in grid["rows"]:
        for cell in row.cells:
            if cell["name"] in post:
                cells[(row.decision_type.key, cell["token"])] = post.get(cell["name"], "").strip().upper()
    return cells


@login_required
@permission_required("governance.view_decisionright", raise_exception=True)
def rights_grid(request, slug: str | None = None):
    """The RACI grid of an org unit (or the organisation-wide defaults); governance leads edit it."""
    if request.method == "GET" and "unit" in request.GET:
        chosen = request.GET["unit"]
        return (
            redirect("governance:rights_grid", chosen) if chosen else redirect("governance:rights_defaults")
        )
    unit = (
        get_restricted_object(OrgUnit.objects.select_related("head"), request.user, slug=slug)
        if slug
        else None
    )
    grid = selectors.rights_grid(user=request.user, org_unit=unit)
    can_edit = request.user.has_perm("governance.change_decisionright")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only governance leads edit decision rights.")
        try:
            counts = services.decision_rights_save(
                actor=request.user,
                org_unit=unit,
                cells=_grid_cells(request.POST, grid),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            _refused(request, exc)
            grid = selectors.rights_grid(user=request.user, org_unit=unit)
            for row in grid["rows"]:  # keep what was typed
                for cell in row.cells:
                    if cell["name"] in request.POST:
                        cell["value"] = request.POST[cell["name"]]
        else:
            messages.success(
                request,
                f"Decision rights saved: {counts['created']} added, {counts['updated']} changed, "
                f"{counts['removed']} removed.",
            )
            return redirect(request.path)
    units = OrgUnit.objects.restrict(request.user, "view").order_by("name")
    return render(
        request,
        "governance/rights_grid.html",
        {"active_area": "governance", "unit": unit, "grid": grid, "can_edit": can_edit, "units": units},
    )


# --- decision requests ---------------------------------------------------------------------------------


@login_required
@permission_required("governance.view_decisionrequest", raise_exception=True)
def request_list(request):
    """Decision requests, filtered; htmx swaps only the results."""
    filterset = DecisionRequestFilterSet(request.GET, queryset=selectors.request_list(user=request.user))
    page = Paginator(filterset.qs.order_by("-requested_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"active_area": "governance", "filter": filterset, "page": page, "requests": page.object_list}
    template = (
        "governance/_request_results.html" if wants_partial(request) else "governance/request_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@permission_required("governance.add_decisionrequest", raise_exception=True)
def request_create(request):
    """Ask for a decision; the route is computed when it is saved."""
    form = DecisionRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_request_open(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{decision.reference} opened and routed.")
            return redirect(decision)
    return render(request, "governance/request_form.html", {"active_area": "governance", "form": form})


def _decision(request, pk: int) -> DecisionRequest:
    return get_restricted_object(DecisionRequest.objects.with_related(), request.user, pk=pk)


def _decide_meetings(decision: DecisionRequest):
    """Meetings of the routed forum at which the decision could be recorded (quorum met)."""
    if not decision.forum_id:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(forum_id=decision.forum_id, quorum_met=True)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("forum")
    )


@login_required
def request_detail(request, pk: int):
    """A decision request: its route, who may decide, the decision, and its history."""
    return _detail_page(request, _decision(request, pk))


def _detail_page(
    request, decision: DecisionRequest, *, decide_form: DecideForm | None = None, status: int = 200
) -> HttpResponse:
    """The request's page; after a refused decision, with the decision form as it was posted."""
    meetings = _decide_meetings(decision)
    may, why = services.may_decide(request.user, decision)
    at_meeting = [m for m in meetings if services.may_decide(request.user, decision, m)[0]]
    context = {
        "active_area": "governance",
        "decision": decision,
        "may_decide": may or bool(at_meeting),
        "why_not": why,
        "decide_form": decide_form or DecideForm(meetings=meetings),
        "can_withdraw": decision.status == DecisionStatus.PENDING
        and (
            decision.requested_by_id == request.user.pk
            or request.user.has_perm("governance.change_decisionrequest")
        ),
        "agenda_items": decision.agenda_items.select_related("meeting__forum").order_by(
            "meeting__scheduled_for"
        ),
        "subject": decision.subject if decision.content_type_id else None,
    }
    return render(request, "governance/request_detail.html", context, status=status)


@login_required
@require_POST
def request_decide(request, pk: int):
    """Approve or reject: only a holder of the decision right, never the requester."""
    decision = _decision(request, pk)
    form = DecideForm(request.POST, meetings=_decide_meetings(decision))
    if not form.is_valid():
        return _detail_page(request, decision, decide_form=form, status=400)
    try:
        services.decision_record(
            actor=request.user,
            request=decision,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            meeting=form.cleaned_data["meeting"],
        )
    except PermissionDenied as exc:
        # Refused as asked, e.g. a forum's decision recorded without choosing its meeting: the page again,
        # with what was typed and why, the refusal named on the meeting when that is what was missing.
        if form.cleaned_data["meeting"] is None and _decide_meetings(decision).exists():
            form.add_error("meeting", str(exc))
        else:
            apply_validation_error(form, exc)
        return _detail_page(request, decision, decide_form=form, status=403)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _detail_page(request, decision, decide_form=form, status=400)
    messages.success(request, f"{decision.reference} {form.cleaned_data['outcome']}.")
    return redirect(decision)


@login_required
@require_POST
def request_withdraw(request, pk: int):
    """The requester withdraws a pending request."""
    decision = _decision(request, pk)
    try:
        services.decision_request_withdraw(
            actor=request.user, request=decision, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{decision.reference} withdrawn.")
    return redirect(decision)


# --- the minimum viable bureaucracy report -------------------------------------------------------------

CSV_HEADER = [
    "source",
    "decision_type",
    "mode",
    "requests",
    "decided",
    "mean_steps",
    "median_steps",
    "median_lead_hours",
    "p90_lead_hours",
]


@login_required
@permission_required("governance.view_decisionrequest", raise_exception=True)
def bureaucracy_report(request):
    """Approval steps and lead time per decision type and mode (CSV with ?format=csv)."""
    rows = selectors.bureaucracy_report(user=request.user)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="minimum-viable-bureaucracy.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow(
                [
                    r.source,
                    r.decision_type,
                    r.mode,
                    r.requests,
                    r.decided,
                    "" if r.mean_steps is None else r.mean_steps,
                    "" if r.median_steps is None else r.median_steps,
                    "" if r.median_lead_hours is None else r.median_lead_hours,
                    "" if r.p90_lead_hours is None else r.p90_lead_hours,
                ]
            )
        return response
    return render(
        request,
        "governance/report.html",
        {
            "active_area": "governance",
            "rows": rows,
            "chart": charts.bureaucracy_chart(
                rows,
                colours=dict(portfolio_selectors.mode_list(user=request.user).values_list("key", "colour")),
            ),
        },
    )

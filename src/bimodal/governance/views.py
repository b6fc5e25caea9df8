"""Pages of the governance app: policies (list, detail with history, editor, try-out), forums (list,
create, edit, detail with meetings), meetings (agenda, attendance, decisions, minutes), decision rights
(RACI grids), decision requests and the "minimum viable bureaucracy" report.

Reads start from restricted querysets; each workflow step calls one service function. A refused step is
a 403 (PermissionDenied) or a message with nothing written (ValidationError)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
    AgendaRecordForm,
    AttendanceForm,
    DecideForm,
    DecisionRequestForm,
    ForumForm,
    MeetingForm,
    MinutesForm,
    PolicyForm,
    PolicyTryForm,
    TopicForm,
)
from bimodal.governance.models import AgendaItem, DecisionRequest, Forum, Meeting, Policy

PER_PAGE = 25


def _refused(request, exc: ValidationError | PermissionDenied) -> None:
    """Show why a step was refused."""
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or "You may not do that.")
        return
    text = "; ".join(
        f"{msg}"
        for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages])
        for msg in msgs
    )
    messages.error(request, text)


@login_required
@permission_required("governance.view_policy", raise_exception=True)
def policy_list(request):
    """The current version of every policy, grouped by policy set."""
    policies = (
        Policy.objects.restrict(request.user, "view")
        .current()
        .select_related("approver_forum")
        .order_by("policy_set", "priority", "key")
    )
    return render(request, "governance/policy_list.html", {"active_area": "governance", "policies": policies})


@login_required
def policy_detail(request, key: str):
    """A policy's current version and its history of versions."""
    policy = get_restricted_object(
        Policy.objects.select_related("approver_forum", "created_by"), request.user, key=key, is_current=True
    )
    versions = (
        Policy.objects.restrict(request.user)
        .filter(key=key)
        .select_related("created_by")
        .order_by("-version")
    )
    return render(
        request,
        "governance/policy_detail.html",
        {"active_area": "governance", "policy": policy, "versions": versions},
    )


@login_required
@permission_required("governance.add_policy", raise_exception=True)
def policy_create(request):
    """Write a new policy."""
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.policy_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Policy “{policy.name}” created.")
            return redirect(policy)
    return render(
        request, "governance/policy_form.html", {"active_area": "governance", "form": form, "policy": None}
    )


@login_required
@permission_required("governance.change_policy", raise_exception=True)
def policy_edit(request, key: str):
    """Edit a policy: saving stores a new version."""
    policy = get_restricted_object(Policy.objects.all(), request.user, key=key, is_current=True)
    draft = Policy.objects.get(pk=policy.pk)
    form = PolicyForm(request.POST or None, instance=draft)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.policy_update(
                actor=request.user,
                policy=policy,
                reason=form.cleaned_data.get("reason", ""),
                **form.policy_fields(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved as version {new.version}.")
            return redirect(new)
    return render(
        request, "governance/policy_form.html", {"active_area": "governance", "form": form, "policy": policy}
    )


@login_required
@permission_required("governance.view_policy", raise_exception=True)
def policy_try(request):
    """Try a draft policy against an example change without saving it."""
    initial = {}
    source = request.GET.get("from")
    if source:
        base = Policy.objects.restrict(request.user).current().filter(key=source).first()
        if base is not None:
            form = PolicyTryForm(instance=base, initial={"key": base.key})
            return render(request, "governance/policy_try.html", {"active_area": "governance", "form": form})
    form = PolicyTryForm(request.POST or None, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        draft = Policy(key=form.cleaned_data.get("key") or "draft", version=0, **form.policy_fields())
        try:
            result = services.policy_try(draft=draft, context=form.cleaned_data["context"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
    template = (
        "governance/_try_result.html" if getattr(request, "htmx", False) else "governance/policy_try.html"
    )
    return render(request, template, {"active_area": "governance", "form": form, "result": result})


@login_required
@permission_required("governance.view_forum", raise_exception=True)
def forum_list(request):
    """Forums and their members."""
    forums = Forum.objects.restrict(request.user).select_related("chair").prefetch_related("members")
    return render(request, "governance/forum_list.html", {"active_area": "governance", "forums": forums})


@login_required
@permission_required("governance.add_forum", raise_exception=True)
def forum_create(request):
    """Set up a forum with its members."""
    form = ForumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Forum “{forum.name}” created.")
            return redirect(forum)
    return render(
        request, "governance/forum_form.html", {"active_area": "governance", "form": form, "forum": None}
    )


@login_required
def forum_edit(request, slug: str):
    """Change a forum's attributes or members."""
    forum = get_restricted_object(Forum.objects.all(), request.user, "change", slug=slug)
    form = ForumForm(request.POST or None, initial=ForumForm.initial_for(forum))
    if request.method == "POST" and form.is_valid():
        try:
            forum = services.forum_update(
                actor=request.user,
                forum=forum,
                reason=form.cleaned_data.get("reason", ""),
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Forum “{forum.name}” saved.")
            return redirect(forum)
    return render(
        request, "governance/forum_form.html", {"active_area": "governance", "form": form, "forum": forum}
    )


@login_required
@permission_required("governance.view_forum", raise_exception=True)
def forum_detail(request, slug: str):
    """A forum: charter, members, pending decisions routed to it and its meetings."""
    forum = get_restricted_object(Forum.objects.select_related("chair"), request.user, slug=slug)
    members = list(forum.members.order_by("first_name", "last_name", "username"))
    can_run = request.user.has_perm("governance.add_meeting") or forum.chair_id == request.user.pk
    context = {
        "active_area": "governance",
        "forum": forum,
        "members": members,
        "pending": selectors.pending_for_forum(forum)
        if request.user.has_perm("governance.view_decisionrequest")
        else [],
        "meetings": selectors.meetings_of(user=request.user, forum=forum),
        "can_run": can_run,
        "meeting_form": MeetingForm(),
    }
    return render(request, "governance/forum_detail.html", context)


@login_required
@require_POST
def meeting_create(request, slug: str):
    """Plan a meeting of the forum."""
    forum = get_restricted_object(Forum.objects.all(), request.user, slug=slug)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date and time of the meeting.")
        return redirect(forum)
    try:
        meeting = services.meeting_create(
            actor=request.user, forum=forum, scheduled_for=form.cleaned_data["scheduled_for"]
        )
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied):
            raise
        _refused(request, exc)
        return redirect(forum)
    messages.success(request, "Meeting planned.")
    return redirect(meeting)


def _meeting(request, pk: int) -> Meeting:
    return get_restricted_object(Meeting.objects.select_related("forum", "forum__chair"), request.user, pk=pk)


@login_required
def meeting_detail(request, pk: int):
    """A meeting: attendance and quorum, agenda with outcomes, minutes. Printable."""
    meeting = _meeting(request, pk)
    forum = meeting.forum
    items = list(
        meeting.agenda_items.select_related(
            "decision_request__decision_type",
            "decision_request__decided_by",
            "decision_request__requested_by",
        ).order_by("order", "pk")
    )
    attendees = list(meeting.attendees.order_by("first_name", "last_name", "username"))
    seated = {u.pk for u in forum.members.all()} | ({forum.chair_id} if forum.chair_id else set())
    can_run = request.user.has_perm("governance.change_meeting") or forum.chair_id == request.user.pk
    sits = request.user.pk in seated
    open_meeting = meeting.status != MeetingStatus.CANCELLED
    context = {
        "active_area": "governance",
        "meeting": meeting,
        "forum": forum,
        "items": items,
        "attendees": attendees,
        "seated_attending": len([u for u in attendees if u.pk in seated]),
        "can_run": can_run and open_meeting,
        "can_record": (sits or can_run) and open_meeting,
        "attendance_form": AttendanceForm(initial={"attendees": [u.pk for u in attendees]}, forum=forum),
        "minutes_form": MinutesForm(initial={"minutes": meeting.minutes}),
        "topic_form": TopicForm(),
        "record_form": AgendaRecordForm(),
        "print": request.GET.get("print") == "1",
    }
    template = "governance/meeting_print.html" if context["print"] else "governance/meeting_detail.html"
    return render(request, template, context)


def _meeting_step(request, pk: int, step) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        note = step(meeting)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        if note:
            messages.success(request, note)
    return redirect(meeting)


@login_required
@require_POST
def meeting_build_agenda(request, pk: int):
    """Add the pending decisions and the providers' items to the agenda."""

    def step(meeting):
        before = meeting.agenda_items.count()
        items = services.meeting_build_agenda(actor=request.user, meeting=meeting)
        return f"{len(items) - before} item(s) added to the agenda."

    return _meeting_step(request, pk, step)


@login_required
@require_POST
def meeting_attendance(request, pk: int):
    """Record who attends (quorum is checked)."""

    def step(meeting):
        form = AttendanceForm(request.POST, forum=meeting.forum)
        if not form.is_valid():
            raise ValidationError({"attendees": "Choose the people who attend."})
        meeting = services.meeting_record_attendance(
            actor=request.user, meeting=meeting, attendees=form.cleaned_data["attendees"]
        )
        return "Attendance recorded: quorum met." if meeting.quorum_met else "Attendance recorded: no quorum."

    return _meeting_step(request, pk, step)


@login_required
@require_POST
def meeting_minutes(request, pk: int):
    """Record the minutes; the meeting is then held."""

    def step(meeting):
        form = MinutesForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"minutes": "Write the minutes."})
        services.meeting_record_minutes(
            actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"]
        )
        return "Minutes recorded."

    return _meeting_step(request, pk, step)


@login_required
@require_POST
def meeting_cancel(request, pk: int):
    """Cancel a planned meeting."""

    def step(meeting):
        services.meeting_cancel(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""))
        return "Meeting cancelled."

    return _meeting_step(request, pk, step)


@login_required
@require_POST
def agenda_topic_add(request, pk: int):
    """Add a free topic to the agenda."""

    def step(meeting):
        form = TopicForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"topic": "Name the topic."})
        services.agenda_item_add(actor=request.user, meeting=meeting, topic=form.cleaned_data["topic"])
        return "Topic added."

    return _meeting_step(request, pk, step)


@login_required
@require_POST
def agenda_item_record(request, pk: int, item_pk: int):
    """Record the forum's outcome for one agenda item (a decision for a decision request)."""

    def step(meeting):
        item = get_object_or_404(
            AgendaItem.objects.select_related("meeting__forum", "decision_request"),
            pk=item_pk,
            meeting=meeting,
        )
        form = AgendaRecordForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"outcome": "Choose an outcome."})
        services.agenda_item_record(
            actor=request.user,
            item=item,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
        )
        return f"Recorded: {item.topic} — {form.cleaned_data['outcome']}."

    return _meeting_step(request, pk, step)


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
    decision = _decision(request, pk)
    meetings = _decide_meetings(decision)
    may, why = services.may_decide(request.user, decision)
    at_meeting = [m for m in meetings if services.may_decide(request.user, decision, m)[0]]
    context = {
        "active_area": "governance",
        "decision": decision,
        "may_decide": may or bool(at_meeting),
        "why_not": why,
        "decide_form": DecideForm(meetings=meetings),
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
    return render(request, "governance/request_detail.html", context)


@login_required
@require_POST
def request_decide(request, pk: int):
    """Approve or reject: only a holder of the decision right, never the requester."""
    decision = _decision(request, pk)
    form = DecideForm(request.POST, meetings=_decide_meetings(decision))
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect(decision)
    try:
        services.decision_record(
            actor=request.user,
            request=decision,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            meeting=form.cleaned_data["meeting"],
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
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
        {"active_area": "governance", "rows": rows, "chart": charts.bureaucracy_chart(rows)},
    )

"""Forums and their meetings: agenda built from pending decisions, attendance, outcomes, minutes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.generic import ObjectDetailView, ObjectEditView, ObjectListView
from bimodal.core.permissions import get_restricted_object
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.governance import selectors, services
from bimodal.governance.choices import MeetingStatus
from bimodal.governance.forms import (
    AgendaRecordForm,
    AttendanceForm,
    ForumForm,
    MeetingForm,
    MinutesForm,
    TopicForm,
)
from bimodal.governance.models import AgendaItem, Forum, Meeting
from bimodal.governance.views.base import (
    _refused,
)


class ForumList(ObjectListView):
    """Forums and their members."""

    model = Forum
    area = "governance"
    template_name = "governance/forum_list.html"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Forum]:
        return super().get_queryset(request).select_related("chair").prefetch_related("members")


forum_list = ForumList.as_view()


class ForumEdit(ObjectEditView):
    """Change a forum's attributes or members."""

    model = Forum
    area = "governance"
    template_name = "governance/forum_form.html"
    form_class = ForumForm
    create_service = services.forum_create
    update_service = services.forum_update
    success_message = "Forum “{object.name}” saved."


class ForumCreate(ForumEdit):
    """Set up a forum with its members."""

    success_message = "Forum “{object.name}” created."


forum_create = ForumCreate.as_view()
forum_edit = ForumEdit.as_view()


class ForumDetail(ObjectDetailView):
    """A forum: charter, members, pending decisions routed to it and its meetings."""

    model = Forum
    area = "governance"
    template_name = "governance/forum_detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("governance.view_forum"):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Forum]:
        return Forum.objects.select_related("chair")

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        forum = kwargs["obj"]
        return {
            "members": list(forum.members.order_by("first_name", "last_name", "username")),
            "pending": selectors.pending_for_forum(forum)
            if request.user.has_perm("governance.view_decisionrequest")
            else [],
            "meetings": selectors.meetings_of(user=request.user, forum=forum),
            "can_run": request.user.has_perm("governance.add_meeting") or forum.chair_id == request.user.pk,
            "meeting_form": MeetingForm(),
        }

    def refused(self, request: HttpRequest, forum: Forum, form: MeetingForm, status: int) -> HttpResponse:
        """The forum's page again with the meeting form as posted and why it was refused."""
        context: dict[str, Any] = {"forum": forum, "object": forum}
        context.update(self.extra_context(request, obj=forum), meeting_form=form)
        return self.render(request, context, status=status)


forum_detail = ForumDetail.as_view()


@login_required
@require_POST
def meeting_create(request, slug: str):
    """Plan a meeting of the forum. Refused, the forum's page says why with the date as typed (400 for a
    missing or broken date, 403 when the person may not plan the forum's meetings)."""
    forum = get_restricted_object(Forum.objects.all(), request.user, slug=slug)
    if not request.user.has_perm("governance.view_forum"):
        raise PermissionDenied  # no right to the forum's page at all
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return ForumDetail().refused(request, forum, form, status=400)
    try:
        meeting = services.meeting_create(
            actor=request.user, forum=forum, scheduled_for=form.cleaned_data["scheduled_for"]
        )
    except (ValidationError, PermissionDenied) as exc:
        status = apply_validation_error(form, exc)
        return ForumDetail().refused(request, forum, form, status=status)
    messages.success(request, "Meeting planned.")
    return redirect(meeting)


def _meeting(request, pk: int) -> Meeting:
    return get_restricted_object(Meeting.objects.select_related("forum", "forum__chair"), request.user, pk=pk)


@login_required
def meeting_detail(request, pk: int):
    """A meeting: attendance and quorum, agenda with outcomes, minutes. Printable."""
    return _meeting_page(request, _meeting(request, pk))


def _meeting_page(
    request, meeting: Meeting, *, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The meeting's page; `bound` replaces a form of the page by the one posted (kept as typed)."""
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
        **(bound or {}),
    }
    template = "governance/meeting_print.html" if context["print"] else "governance/meeting_detail.html"
    return render(request, template, context, status=status)


def _meeting_step(request, pk: int, step, posted: dict[str, Any] | None = None) -> HttpResponse:
    """Run one step on the meeting. Refused, it says why: with the forms the step put in `posted` kept
    as typed on the meeting's page (400, or 403 when the service refused the person); a plain button's
    refusal is a message on the page it came from (a 403 renders the meeting's page)."""
    meeting = _meeting(request, pk)
    try:
        note = step(meeting)
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc)
        status = 403 if isinstance(exc, PermissionDenied) else 400
        if posted or status == 403:
            return _meeting_page(request, meeting, bound=posted, status=status)
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
    posted: dict[str, Any] = {}

    def step(meeting):
        form = posted["attendance_form"] = AttendanceForm(request.POST, forum=meeting.forum)
        if not form.is_valid():
            raise ValidationError({"attendees": "Choose the people who attend."})
        meeting = services.meeting_record_attendance(
            actor=request.user, meeting=meeting, attendees=form.cleaned_data["attendees"]
        )
        return "Attendance recorded: quorum met." if meeting.quorum_met else "Attendance recorded: no quorum."

    return _meeting_step(request, pk, step, posted)


@login_required
@require_POST
def meeting_minutes(request, pk: int):
    """Record the minutes; the meeting is then held."""
    posted: dict[str, Any] = {}

    def step(meeting):
        form = posted["minutes_form"] = MinutesForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"minutes": "Write the minutes."})
        services.meeting_record_minutes(
            actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"]
        )
        return "Minutes recorded."

    return _meeting_step(request, pk, step, posted)


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
    posted: dict[str, Any] = {}

    def step(meeting):
        form = posted["topic_form"] = TopicForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"topic": "Name the topic."})
        services.agenda_item_add(actor=request.user, meeting=meeting, topic=form.cleaned_data["topic"])
        return "Topic added."

    return _meeting_step(request, pk, step, posted)


@login_required
@require_POST
def agenda_item_record(request, pk: int, item_pk: int):
    """Record the forum's outcome for one agenda item (a decision for a decision request). Refused, the
    meeting's page keeps the item's outcome and notes as typed."""
    posted: dict[str, Any] = {}

    def step(meeting):
        item = get_object_or_404(
            AgendaItem.objects.select_related("meeting__forum", "decision_request"),
            pk=item_pk,
            meeting=meeting,
        )
        posted["record_item"] = item.pk
        form = posted["record_form"] = AgendaRecordForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"outcome": "Choose an outcome."})
        services.agenda_item_record(
            actor=request.user,
            item=item,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
        )
        return f"Recorded: {item.topic} — {form.cleaned_data['outcome']}."

    return _meeting_step(request, pk, step, posted)

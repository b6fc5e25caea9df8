"""Pages of the changes app: change list, detail with timeline, workflow steps and rescheduling, CAB
agenda, calendar, change windows and freezes, release trains.

Reads start from the restricted querysets (selectors); each workflow step calls one service function.
A refused step is a 403 (PermissionDenied) or a message with nothing written (ValidationError)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bimodal.changes import selectors, services
from bimodal.changes.choices import RELEASE_TRANSITIONS, ChangeType, ReleaseStatus, can_transition
from bimodal.changes.choices import ChangeStatus as S
from bimodal.changes.filtersets import ChangeFilterSet, ReleaseFilterSet
from bimodal.changes.forms import (
    ChangeForm,
    GenerateTrainForm,
    ReleaseForm,
    RescheduleForm,
    VoteForm,
    WindowForm,
)
from bimodal.changes.models import Change, ChangeWindow, Deployment, Release
from bimodal.core.forms import apply_validation_error
from bimodal.core.generic import ObjectDetailView, ObjectEditView, ObjectListView
from bimodal.core.models import AuditEntry
from bimodal.core.permissions import can, get_restricted_object
from bimodal.core.querysets import RestrictedQuerySet

PER_PAGE = 25
CALENDAR_DAYS = 28


class ChangeList(ObjectListView):
    """Every change the user can see, filtered and paged, newest first; htmx swaps only the results."""

    model = Change
    area = "changes"
    template_name = "changes/change_list.html"
    partial_template_name = "changes/_change_results.html"
    filterset_class = ChangeFilterSet
    per_page = PER_PAGE
    export_filename = "changes.csv"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Change]:
        return selectors.change_list(user=request.user).order_by("-created_at", "-pk")


change_list = ChangeList.as_view()


class ChangeEdit(ObjectEditView):
    """Edit a draft change."""

    model = Change
    area = "changes"
    lookup_field = "reference"
    template_name = "changes/change_form.html"
    form_class = ChangeForm
    create_service = services.change_create
    update_service = services.change_update
    success_message = "{object.reference} saved."

    def form_kwargs(self, request: HttpRequest, obj: Model | None) -> dict[str, Any]:
        return {"user": request.user}


class ChangeCreate(ChangeEdit):
    """Raise a change (saved as a draft)."""

    success_message = "{object.reference} saved as a draft."


change_create = ChangeCreate.as_view()
change_edit = ChangeEdit.as_view()


def _steps(user, change: Change) -> list[tuple[str, str, str]]:
    """(step, label, button style) the user may try on this change now."""
    steps = []
    may_edit = can(user, "change", change)
    manager = user.has_perm("changes.manage_change")
    status, kind = change.status, change.change_type
    if may_edit and status == S.DRAFT:
        steps.append(("submit", "Submit", "primary"))
    if manager and status == S.SUBMITTED:
        steps.append(("assess", "Assess", "primary"))
    if may_edit and can_transition(status, S.SCHEDULED, kind):
        steps.append(("schedule", "Schedule", "primary"))
    if may_edit and can_transition(status, S.IMPLEMENTING, kind):
        label = (
            "Implement now (emergency)"
            if kind == ChangeType.EMERGENCY and status != S.SCHEDULED
            else "Start implementation"
        )
        steps.append(("start", label, "warning"))
    if may_edit and status == S.IMPLEMENTING:
        steps += [
            ("completed", "Completed", "success"),
            ("failed", "Failed", "danger"),
            ("backed_out", "Backed out", "secondary"),
        ]
    if may_edit and can_transition(status, S.CANCELLED, kind):
        steps.append(("cancel", "Cancel", "outline-secondary"))
    if can_transition(status, S.CLOSED, kind) and (manager or (kind == ChangeType.STANDARD and may_edit)):
        steps.append(("close", "Close", "outline-primary"))
    return steps


def _detail_context(request, change: Change, reschedule_form: RescheduleForm | None = None) -> dict:
    """What the change page shows (also re-rendered with a refused reschedule form)."""
    timeline = []
    if request.user.has_perm("core.view_auditentry") or request.user.has_perm("changes.view_change"):
        # The change's own audit trail is part of the change record: whoever sees the change sees it.
        timeline = AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Change), object_id=str(change.pk)
        ).order_by("seq")
    voting = (
        request.user.has_perm("changes.approve_change")
        and request.user.pk != change.requester_id
        and (
            change.status == S.AWAITING_APPROVAL
            or (
                change.change_type == ChangeType.EMERGENCY
                and change.status in {S.IMPLEMENTING, S.COMPLETED, S.FAILED, S.BACKED_OUT}
                and not change.retrospective_approval
            )
        )
    )
    if reschedule_form is None and _may_reschedule(request.user, change):
        reschedule_form = RescheduleForm(
            initial={"planned_start": change.planned_start, "planned_end": change.planned_end}
        )
    return {
        "active_area": "changes",
        "change": change,
        "conflicts": selectors.conflicts_for(change),
        "timeline": timeline,
        "steps": _steps(request.user, change),
        "vote_form": VoteForm() if voting else None,
        "reschedule_form": reschedule_form,
        "can_review": request.user.has_perm("changes.manage_change")
        and change.status in {S.COMPLETED, S.FAILED, S.BACKED_OUT},
    }


def _may_reschedule(user, change: Change) -> bool:
    """Change managers may move the slot of an approved or scheduled change."""
    return user.has_perm("changes.manage_change") and change.status in services.RESCHEDULABLE


def _detail_queryset():
    return Change.objects.with_related().prefetch_related("approvals__approver", "deployments__service")


@login_required
def change_detail(request, reference: str):
    """One change: services, risk, decision, conflicts, votes, timeline and the next steps."""
    change = get_restricted_object(_detail_queryset(), request.user, reference=reference)
    return render(request, "changes/change_detail.html", _detail_context(request, change))


@login_required
@require_POST
def change_reschedule(request, reference: str):
    """Move an approved or scheduled change to a new slot (change managers), with a reason."""
    change = get_restricted_object(_detail_queryset(), request.user, reference=reference)
    if not request.user.has_perm("changes.manage_change"):
        raise PermissionDenied("Only change managers reschedule changes.")
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.change_reschedule(actor=request.user, change=change, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{change.reference} rescheduled.")
            return redirect(change)
        change = get_restricted_object(_detail_queryset(), request.user, reference=reference)
    return render(request, "changes/change_detail.html", _detail_context(request, change, form), status=400)


@login_required
@require_POST
def change_step(request, reference: str, step: str):
    """Run one workflow step on a change (a button on the change page)."""
    change = get_restricted_object(Change.objects.all(), request.user, reference=reference)
    post, user = request.POST, request.user
    actions = {
        "submit": lambda: services.change_submit(actor=user, change=change),
        "assess": lambda: services.change_assess(actor=user, change=change),
        "vote": lambda: services.change_vote(
            actor=user, change=change, vote=post.get("vote", ""), comment=post.get("comment", "")
        ),
        "schedule": lambda: services.change_schedule(actor=user, change=change),
        "start": lambda: services.change_start(actor=user, change=change),
        "completed": lambda: services.change_complete(actor=user, change=change, result=S.COMPLETED),
        "failed": lambda: services.change_complete(actor=user, change=change, result=S.FAILED),
        "backed_out": lambda: services.change_complete(actor=user, change=change, result=S.BACKED_OUT),
        "review": lambda: services.change_review(actor=user, change=change, notes=post.get("notes", "")),
        "close": lambda: services.change_close(actor=user, change=change),
        "cancel": lambda: services.change_cancel(actor=user, change=change, reason=post.get("reason", "")),
    }
    if step not in actions:
        raise Http404("No such step.")
    try:
        change = actions[step]()
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, ValidationError) and step not in TYPED_STEPS:
            for message in exc.messages:  # a plain button: say why on the change's page
                messages.error(request, message)
            return redirect("changes:change_detail", reference=reference)
        return _step_refused(request, reference, step, exc)
    messages.success(request, f"{change.reference}: {change.get_status_display()}.")
    return redirect("changes:change_detail", reference=reference)


# Steps whose input (a vote's comment, a review's notes) is kept on the page when they are refused.
TYPED_STEPS = {"vote", "review"}


def _step_refused(request, reference: str, step: str, exc: ValidationError | PermissionDenied):
    """The change's page again after a refused step, with what was typed and why: 400 for a rule the
    input broke, 403 when the person may not take the step."""
    change = get_restricted_object(_detail_queryset(), request.user, reference=reference)
    context = _detail_context(request, change)
    if step == "vote" and context["vote_form"] is not None:
        form = VoteForm(request.POST)
        form.is_valid()
        apply_validation_error(form, exc)
        context["vote_form"] = form
    else:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or "You may not do that.")
    if step == "review":
        context["review_notes"] = request.POST.get("notes", "")
    status = 403 if isinstance(exc, PermissionDenied) else 400
    return render(request, "changes/change_detail.html", context, status=status)


@login_required
@permission_required("changes.view_change", raise_exception=True)
def cab_agenda(request):
    """Changes awaiting approval, riskiest first, with their conflicts and votes so far."""
    items = [(change, selectors.conflicts_for(change)) for change in selectors.cab_agenda(user=request.user)]
    return render(request, "changes/cab_agenda.html", {"active_area": "changes", "items": items})


@login_required
@permission_required("changes.view_change", raise_exception=True)
def change_calendar(request):
    """Windows, freezes and planned changes for four weeks, day by day."""
    try:
        first = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        first = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=CALENDAR_DAYS)
    data = selectors.calendar(user=request.user, start=start, end=end)
    days = []
    for offset in range(CALENDAR_DAYS):
        day_start = start + timedelta(days=offset)
        day_end = day_start + timedelta(days=1)
        days.append(
            {
                "date": day_start.date(),
                "windows": [w for w in data["windows"] if w.start < day_end and w.end > day_start],
                "changes": [
                    c for c in data["changes"] if c.planned_start < day_end and c.planned_end > day_start
                ],
            }
        )
    context = {
        "active_area": "changes",
        "days": days,
        "start": first,
        "previous": first - timedelta(days=CALENDAR_DAYS),
        "next": first + timedelta(days=CALENDAR_DAYS),
    }
    return render(request, "changes/calendar.html", context)


@login_required
@permission_required("changes.view_changewindow", raise_exception=True)
def window_list(request):
    """Change windows and freezes, those still to end first, with their scope."""
    now = timezone.now()
    windows = (
        ChangeWindow.objects.restrict(request.user, "view")
        .prefetch_related("modes", "services")
        .order_by("start", "pk")
    )
    context = {
        "active_area": "changes",
        "current": [w for w in windows if w.end > now],
        "past": Paginator([w for w in windows if w.end <= now][::-1], PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "now": now,
    }
    return render(request, "changes/window_list.html", context)


class WindowEdit(ObjectEditView):
    """Change a window's or freeze's times, kind or scope."""

    model = ChangeWindow
    area = "changes"
    lookup_field = "pk"
    context_object_name = "window"
    template_name = "changes/window_form.html"
    form_class = WindowForm
    create_service = services.window_create
    update_service = services.window_update
    success_message = "“{object.name}” saved."
    success_url = "changes:window_list"

    def form_kwargs(self, request: HttpRequest, obj: Model | None) -> dict[str, Any]:
        return {"user": request.user}


class WindowCreate(WindowEdit):
    """Add a change window or a freeze."""

    success_message = "“{object.name}” added."


window_create = WindowCreate.as_view()
window_edit = WindowEdit.as_view()


@login_required
@require_POST
def window_end(request, pk: int):
    """End a window or freeze now (a plain button on the window list, nothing typed: a refusal is a message
    on the list it returns to)."""
    window = get_restricted_object(ChangeWindow.objects.all(), request.user, "change", pk=pk)
    try:
        window = services.window_end(actor=request.user, window=window, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"“{window.name}” ended.")
    return redirect("changes:window_list")


# --- release trains --------------------------------------------------------------------------------

RELEASE_STEPS = {
    ReleaseStatus.FROZEN: ("Freeze (cut-off)", "outline-primary"),
    ReleaseStatus.RELEASED: ("Mark released", "success"),
    ReleaseStatus.CANCELLED: ("Cancel", "outline-danger"),
    ReleaseStatus.PLANNED: ("Back to planned", "outline-secondary"),
}


class ReleaseList(ObjectListView):
    """The release calendar: every mode's releases by date, filtered by mode, status and dates."""

    model = Release
    area = "changes"
    template_name = "changes/release_list.html"
    filterset_class = ReleaseFilterSet
    per_page = 50
    export_filename = "releases.csv"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Release]:
        return selectors.release_list(user=request.user).order_by("planned_date", "mode__order", "pk")

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        may = request.user.has_perm("changes.add_release")
        return {"generate_form": GenerateTrainForm() if may else None, "today": timezone.localdate()}


release_list = ReleaseList.as_view()


class ReleaseDetail(ObjectDetailView):
    """One release: its date and cut-off, the changes and deployments that joined it, its next steps."""

    model = Release
    area = "changes"
    lookup_field = "pk"
    template_name = "changes/release_detail.html"

    def get_queryset(self, request: HttpRequest) -> RestrictedQuerySet[Release]:
        return Release.objects.select_related("mode")

    def extra_context(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        release = kwargs["obj"]
        may = request.user.has_perm("changes.change_release")
        return {
            "changes": selectors.change_list(user=request.user)
            .filter(release=release)
            .order_by("planned_start"),
            "deployments": Deployment.objects.restrict(request.user, "view")
            .filter(release=release)
            .select_related("service", "change")
            .order_by("-created_at"),
            "steps": [
                (s, *RELEASE_STEPS[s])
                for s in RELEASE_STEPS
                if may and s in RELEASE_TRANSITIONS[release.status]
            ],
        }


release_detail = ReleaseDetail.as_view()


class ReleaseEdit(ObjectEditView):
    """Move a release, rename it or change its notes (release managers)."""

    model = Release
    area = "changes"
    lookup_field = "pk"
    template_name = "changes/release_form.html"
    form_class = ReleaseForm
    create_service = services.release_create
    update_service = services.release_update
    success_message = "Release {object.name} saved."


release_create = ReleaseEdit.as_view()
release_edit = ReleaseEdit.as_view()


@login_required
@require_POST
def release_generate(request):
    """Generate a mode's release train from its cadence (a form on the release calendar)."""
    if not request.user.has_perm("changes.add_release"):
        raise PermissionDenied("Only release managers generate release trains.")
    form = GenerateTrainForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("changes:release_list")
    mode = form.cleaned_data["mode"]
    created = services.release_train_generate(
        actor=request.user, mode=mode, months=form.cleaned_data["months"]
    )
    messages.success(request, f"{len(created)} release(s) added to the {mode} train.")
    return redirect(f"{reverse('changes:release_list')}?mode={mode.key}")


@login_required
@require_POST
def release_step(request, pk: int, status: str):
    """Freeze, release, cancel or re-plan a release (a button on its page)."""
    release = get_restricted_object(Release.objects.select_related("mode"), request.user, "change", pk=pk)
    if status not in RELEASE_STEPS:
        raise Http404("No such step.")
    try:
        release = services.release_transition(
            actor=request.user, release=release, status=status, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{release.name}: {release.get_status_display()}.")
    return redirect(release)

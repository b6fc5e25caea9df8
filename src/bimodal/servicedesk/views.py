"""Pages of the service desk: agent queue, ticket detail (timeline, SLA panel), requester portal.

Reads start from restricted querysets; writes go through `services`. A refused write is a 403; an invalid
one is shown on the form and writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.calendars import WEEKDAYS
from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.models import Notification
from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.choices import Level
from bimodal.servicedesk.filtersets import TicketFilterSet
from bimodal.servicedesk.forms import (
    AssignForm,
    AttachmentForm,
    CatalogueItemForm,
    CommentForm,
    DecisionForm,
    FieldSpecForm,
    FieldSpecFormSet,
    LinkChangeForm,
    PriorityMatrixForm,
    ScheduleForm,
    SlaDefinitionForm,
    TaskSpecFormSet,
    TicketForm,
    TransitionForm,
    specs_of,
)
from bimodal.servicedesk.forms_schema import build_form_class
from bimodal.servicedesk.models import (
    CatalogueItem,
    FulfilmentTask,
    SlaDefinition,
    SupportSchedule,
    Ticket,
    TicketAttachment,
)

PER_PAGE = 50


@login_required
def queue(request):
    """The agent queue with SLA countdowns; requesters are sent to the portal. htmx swaps only the rows."""
    if not request.user.has_perm("servicedesk.work_tickets") and not request.user.has_perm(
        "servicedesk.view_all_tickets"
    ):
        return redirect("servicedesk:portal")
    data = request.GET.copy()
    data.setdefault("open", "true")
    filterset = TicketFilterSet(data, queryset=selectors.ticket_list(user=request.user), request=request)
    page = Paginator(filterset.qs.order_by("priority", "opened_at"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rows = [(t, [selectors.clock(i, now, exact=False) for i in t.sla_instances.all()]) for t in page]
    context = {"active_area": "servicedesk", "filter": filterset, "page": page, "rows": rows}
    template = "servicedesk/_queue_rows.html" if wants_partial(request) else "servicedesk/queue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _ticket(request, number: str, action: str = "view") -> Ticket:
    return get_restricted_object(Ticket.objects.with_related(), request.user, action, number=number)


@login_required
def ticket_detail(request, number: str):
    """A ticket: attributes, SLA panel, timeline, comments, attachments, tasks and the actions allowed."""
    ticket = _ticket(request, number)
    user = request.user
    agent = user.has_perm("servicedesk.work_tickets")
    now = timezone.now()
    clocks = [
        selectors.clock(i, now)
        for i in ticket.sla_instances.select_related("definition__schedule").prefetch_related("pauses")
    ]
    if wants_partial(request) and request.GET.get("part") == "sla":
        # The panel polls itself every 30 s: only the clocks are computed.
        response = render(request, "servicedesk/_sla_panel.html", {"ticket": ticket, "clocks": clocks})
        patch_vary_headers(response, ("HX-Request",))
        return response
    changes = selectors.ticket_changes(ticket, user=user)
    timeline = sorted(
        [*ticket.events.select_related("actor"), *selectors.ticket_comments(ticket, user=user)],
        key=lambda e: getattr(e, "at", None) or e.created_at,
    )
    approvers = (
        services._approvers(ticket) if ticket.catalogue_item_id and ticket.approval == "pending" else []
    )
    context = {
        "active_area": "servicedesk",
        "ticket": ticket,
        "clocks": clocks,
        "timeline": timeline,
        "attachments": TicketAttachment.objects.restrict(user, "view").filter(ticket=ticket),
        "tasks": ticket.fulfilment_tasks.select_related("assignment_group", "done_by"),
        "agent": agent,
        "transition_form": TransitionForm(ticket=ticket),
        "comment_form": CommentForm(),
        "assign_form": AssignForm(user=user, ticket=ticket) if agent else None,
        "attach_form": AttachmentForm(),
        "decision_form": DecisionForm() if user in approvers else None,
        "incidents": ticket.incidents.restrict(user, "view") if ticket.ticket_type == "problem" else None,
        "changes": changes,
        "link_change_form": (
            LinkChangeForm(user=user, ticket=ticket) if agent and ticket.ticket_type != "request" else None
        ),
    }
    response = render(request, "servicedesk/ticket_detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _done(request, ticket: Ticket, message: str):
    messages.success(request, message)
    return redirect(ticket.get_absolute_url())


def _failed(request, ticket: Ticket, form, exc: ValidationError | None = None):
    if exc is not None:
        apply_validation_error(form, exc)
    errors = "; ".join(
        f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in form.errors.items()
    )
    messages.error(request, errors or "Invalid input.")
    response = ticket_detail(request, ticket.number)
    response.status_code = 400
    return response


@login_required
@require_POST
def ticket_transition(request, number: str):
    ticket = _ticket(request, number)
    form = TransitionForm(request.POST, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_transition(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Status changed.")
        except ValidationError as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_comment(request, number: str):
    ticket = _ticket(request, number)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.ticket_comment(actor=request.user, ticket=ticket, **form.cleaned_data)
        return _done(request, ticket, "Comment added.")
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_assign(request, number: str):
    ticket = _ticket(request, number, "change")
    form = AssignForm(request.POST, user=request.user, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_assign(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Assigned.")
        except ValidationError as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_attach(request, number: str):
    ticket = _ticket(request, number)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.ticket_attach(actor=request.user, ticket=ticket, upload=form.cleaned_data["file"])
            return _done(request, ticket, "File attached.")
        except ValidationError as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_decide(request, number: str):
    ticket = _ticket(request, number)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.request_decide(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Decision recorded.")
        except ValidationError as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def task_complete(request, number: str, task_id: int):
    ticket = _ticket(request, number)
    task = get_object_or_404(FulfilmentTask, pk=task_id, ticket=ticket)
    services.task_complete(actor=request.user, task=task)
    return _done(request, ticket, "Task done.")


@login_required
def ticket_create(request):
    """Raise an incident (anyone with the permission) or a problem (agents)."""
    if not request.user.has_perm("servicedesk.add_ticket"):
        raise PermissionDenied
    form = TicketForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(actor=request.user, **form.cleaned_data)
            return redirect(ticket.get_absolute_url())
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "servicedesk/ticket_form.html", {"active_area": "servicedesk", "form": form}, status=status
    )


@login_required
def portal(request):
    """The requester portal: the catalogue by department and the caller's own tickets."""
    mine = selectors.ticket_list(user=request.user).filter(requester=request.user).order_by("-opened_at")[:50]
    context = {
        "active_area": "servicedesk",
        "catalogue": selectors.catalogue(user=request.user),
        "mine": mine,
    }
    return render(request, "servicedesk/portal.html", context)


@login_required
def catalogue_request(request, slug: str):
    """The request form of one catalogue item, built from its schema."""
    item = get_restricted_object(
        CatalogueItem.objects.select_related("service"), request.user, "view", slug=slug
    )
    form = build_form_class(item.form_schema)(request.POST or None)
    if request.method == "POST":
        data = {k: v for k, v in request.POST.items() if k in form.fields}
        try:
            ticket = services.request_submit(actor=request.user, item=item, data=data)
            messages.success(request, f"Request {ticket.number} submitted.")
            return redirect(ticket.get_absolute_url())
        except ValidationError as exc:
            form.is_valid()
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    if field in form.fields and not form.has_error(field):
                        form.add_error(field, errors)
                    elif field not in form.fields:
                        form.add_error(None, errors)
            else:
                form.add_error(None, exc.messages)
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "form-control")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "servicedesk/catalogue_request.html",
        {"active_area": "servicedesk", "item": item, "form": form},
        status=status,
    )


@login_required
@require_POST
def ticket_link_change(request, number: str):
    """Link a change the user may see to the ticket."""
    ticket = _ticket(request, number, "change")
    form = LinkChangeForm(request.POST, user=request.user, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_link_change(actor=request.user, ticket=ticket, change=form.cleaned_data["change"])
            return _done(request, ticket, "Change linked.")
        except ValidationError as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_unlink_change(request, number: str, reference: str):
    """Remove a linked change from the ticket."""
    ticket = _ticket(request, number, "change")
    change = get_object_or_404(ticket.changes.all(), reference=reference)
    services.ticket_unlink_change(actor=request.user, ticket=ticket, change=change)
    return _done(request, ticket, "Change unlinked.")


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


# --- administration (in-app: every write goes through the audited services) ------------------------

ADMIN_PERMS = (
    "servicedesk.change_catalogueitem",
    "servicedesk.change_sladefinition",
    "servicedesk.change_supportschedule",
    "servicedesk.change_priorityrule",
)


def _require(request, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise PermissionDenied


def _admin_render(request, template: str, context: dict, *, status: int = 200):
    context = {"active_area": "servicedesk", **context}
    return render(request, template, context, status=status)


@login_required
def admin_index(request):
    """Service-desk administration: catalogue items, SLA definitions, schedules and the priority matrix."""
    if not any(request.user.has_perm(p) for p in ADMIN_PERMS):
        raise PermissionDenied
    context = {
        "items": selectors.admin_catalogue(user=request.user),
        "definitions": selectors.admin_definitions(user=request.user),
        "schedules": SupportSchedule.objects.restrict(request.user, "view"),
        "matrix": services.priority_matrix(),
        "levels": Level.values,
    }
    return _admin_render(request, "servicedesk/admin/index.html", context)


def _formset_data(formset_class, prefix: str, rows: list[dict], initial_for=None):
    return formset_class(prefix=prefix, initial=[initial_for(r) if initial_for else r for r in rows])


@login_required
def admin_item(request, slug: str | None = None):
    """Create or edit a catalogue item with its form-schema editor and fulfilment tasks."""
    item = None
    if slug is not None:
        item = get_restricted_object(CatalogueItem.objects.all(), request.user, "change", slug=slug)
        _require(request, "servicedesk.change_catalogueitem")
    else:
        _require(request, "servicedesk.add_catalogueitem")
    if request.method == "POST":
        form = CatalogueItemForm(request.POST, user=request.user)
        fields = FieldSpecFormSet(request.POST, prefix="field")
        tasks = TaskSpecFormSet(request.POST, prefix="task")
        if form.is_valid() and fields.is_valid() and tasks.is_valid():
            values = {**form.cleaned_data, "form_schema": specs_of(fields), "task_templates": specs_of(tasks)}
            values["approver_role"] = values["approver_role"] if values["approver"] == "role" else ""
            values["slug"] = values["slug"] or (item.slug if item else "")
            try:
                if item is None:
                    item = services.catalogue_item_create(actor=request.user, **values)
                else:
                    item = services.catalogue_item_update(actor=request.user, item=item, **values)
                messages.success(request, f"Saved {item.name}.")
                return redirect("servicedesk:admin_item", slug=item.slug)
            except ValidationError as exc:
                apply_validation_error(form, exc)
        status = 400
    else:
        initial = {}
        if item is not None:
            initial = {
                f: getattr(item, f)
                for f in ("department", "name", "slug", "description", "requires_approval", "approver")
            }
            initial.update(
                service=item.service_id,
                category=item.category_id,
                fulfilment_group=item.fulfilment_group_id,
                approver_role=item.approver_role,
                active=item.active,
            )
        form = CatalogueItemForm(initial=initial or None, user=request.user)
        fields = _formset_data(
            FieldSpecFormSet, "field", item.form_schema if item else [], FieldSpecForm.initial_for
        )
        tasks = _formset_data(TaskSpecFormSet, "task", item.task_templates if item else [])
        status = 200
    context = {"item": item, "form": form, "fields": fields, "tasks": tasks}
    return _admin_render(request, "servicedesk/admin/item_form.html", context, status=status)


@login_required
def admin_schedule(request, slug: str | None = None):
    """Create or edit a support schedule."""
    schedule = None
    if slug is not None:
        schedule = get_restricted_object(SupportSchedule.objects.all(), request.user, "change", slug=slug)
        _require(request, "servicedesk.change_supportschedule")
    else:
        _require(request, "servicedesk.add_supportschedule")
    form = ScheduleForm(
        request.POST or None,
        initial=ScheduleForm.initial_for(schedule) if schedule else {"time_zone": "Europe/London"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if schedule is None:
                schedule = services.schedule_create(
                    actor=request.user, slug=form.cleaned_data["slug"], **values
                )
            else:
                schedule = services.schedule_update(actor=request.user, schedule=schedule, **values)
            messages.success(request, f"Saved {schedule.name}.")
            return redirect("servicedesk:admin_schedule", slug=schedule.slug)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    context = {"schedule": schedule, "form": form, "weekdays": [form[d] for d in WEEKDAYS]}
    return _admin_render(request, "servicedesk/admin/schedule_form.html", context, status=status)


@login_required
def admin_definition(request, pk: int | None = None):
    """Create or edit an SLA definition."""
    definition = None
    if pk is not None:
        definition = get_restricted_object(SlaDefinition.objects.all(), request.user, "change", pk=pk)
        _require(request, "servicedesk.change_sladefinition")
    else:
        _require(request, "servicedesk.add_sladefinition")
    initial = (
        SlaDefinitionForm.initial_for(definition) if definition else {"warning_thresholds": "50, 75, 90"}
    )
    form = SlaDefinitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if definition is None:
                definition = services.sla_definition_create(actor=request.user, **values)
            else:
                definition = services.sla_definition_update(
                    actor=request.user, definition=definition, **values
                )
            messages.success(request, f"Saved {definition.name}.")
            return redirect("servicedesk:admin_definition", pk=definition.pk)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    context = {"definition": definition, "form": form}
    return _admin_render(request, "servicedesk/admin/definition_form.html", context, status=status)


@login_required
def admin_matrix(request):
    """The impact × urgency priority matrix as an editable grid."""
    _require(request, "servicedesk.change_priorityrule", "servicedesk.add_priorityrule")
    form = PriorityMatrixForm(request.POST or None, matrix=services.priority_matrix())
    if request.method == "POST" and form.is_valid():
        try:
            services.priority_matrix_set(
                actor=request.user, matrix=form.matrix(), reason=request.POST.get("reason", "")
            )
            messages.success(request, "Priority matrix saved.")
            return redirect("servicedesk:admin_matrix")
        except ValidationError as exc:
            apply_validation_error(form, exc)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "levels": [Level(v).label for v in Level.values]}
    return _admin_render(request, "servicedesk/admin/matrix.html", context, status=status)

"""The agent queue and tickets: detail (timeline, SLA panel), workflow steps, new tickets, links to changes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from bimodal.core.forms import apply_validation_error
from bimodal.core.htmx import wants_partial
from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk import hooks, selectors, services
from bimodal.servicedesk.filtersets import TicketFilterSet
from bimodal.servicedesk.forms import (
    AssignForm,
    AttachmentForm,
    CommentForm,
    DecisionForm,
    LinkChangeForm,
    ServiceForm,
    TicketForm,
    TransitionForm,
)
from bimodal.servicedesk.models import (
    FulfilmentTask,
    Ticket,
    TicketAttachment,
)
from bimodal.servicedesk.views.satisfaction import rating_context

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
    page = Paginator(filterset.qs.order_by("priority", "opened_at", "id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rows = [(t, selectors.ticket_clocks(t.sla_instances.all(), now, exact=False)[0]) for t in page]
    context = {"active_area": "servicedesk", "filter": filterset, "page": page, "rows": rows}
    template = "servicedesk/_queue_rows.html" if wants_partial(request) else "servicedesk/queue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _ticket(request, number: str, action: str = "view") -> Ticket:
    return get_restricted_object(
        Ticket.objects.with_related().select_related("satisfaction__answered_by"),
        request.user,
        action,
        number=number,
    )


def _routable(request, number: str) -> Ticket:
    """The ticket, if the user may route it (an agent who works it, a desk lead who sees it); else 403/404."""
    ticket = _ticket(request, number)
    if not selectors.may_route(ticket, user=request.user):
        raise PermissionDenied("You may not route this ticket.")
    return ticket


@login_required
def ticket_detail(request, number: str):
    """A ticket: attributes, SLA panel, timeline, comments, attachments, tasks and the actions allowed."""
    return _ticket_page(request, _ticket(request, number))


def _ticket_page(request, ticket: Ticket, *, bound: dict[str, Any] | None = None, status: int = 200):
    """The ticket's page; `bound` replaces a form of the page by the one posted (kept as typed)."""
    user = request.user
    # Agents work the tickets they may change; a desk still sees (not works) what it handed to a supplier.
    agent = selectors.works_ticket(ticket, user=user)
    # Desk leads route what they see without working it.
    router = agent or selectors.may_route(ticket, user=user)
    now = timezone.now()
    clocks, supplier_clocks = selectors.ticket_clocks(
        ticket.sla_instances.select_related("definition__schedule", "supplier").prefetch_related("pauses"),
        now,
    )
    if wants_partial(request) and request.GET.get("part") == "sla":
        # The panel polls itself every 30 s: only the clocks are computed.
        panel = {"ticket": ticket, "clocks": clocks, "supplier_clocks": supplier_clocks}
        response = render(request, "servicedesk/_sla_panel.html", panel)
        patch_vary_headers(response, ("HX-Request",))
        return response
    changes = selectors.ticket_changes(ticket, user=user)
    entries: list[Any] = [
        *ticket.events.select_related("actor"),
        *selectors.ticket_comments(ticket, user=user),
    ]
    timeline = sorted(entries, key=lambda e: getattr(e, "at", None) or e.created_at)
    approvers = (
        selectors.request_approvers(ticket)
        if ticket.catalogue_item_id and ticket.approval == "pending"
        else []
    )
    context = {
        "active_area": "servicedesk",
        "ticket": ticket,
        "clocks": clocks,
        "supplier_clocks": supplier_clocks,
        "timeline": timeline,
        "attachments": TicketAttachment.objects.restrict(user, "view").filter(ticket=ticket),
        "tasks": ticket.fulfilment_tasks.select_related("assignment_group", "done_by"),
        "agent": agent,
        "handed_over": (
            not agent
            and user.has_perm("servicedesk.work_tickets")
            and ticket.assignment_group is not None
            and ticket.assignment_group.supplier_id is not None
        ),
        "transition_form": TransitionForm(ticket=ticket, moves=selectors.ticket_moves(ticket, user=user)),
        "comment_form": CommentForm(),
        "assign_form": AssignForm(user=user, ticket=ticket) if router else None,
        "service_form": ServiceForm(user=user, ticket=ticket) if router and not user.supplier_id else None,
        "attach_form": AttachmentForm(),
        "decision_form": DecisionForm() if user in approvers else None,
        "incidents": ticket.incidents.restrict(user, "view") if ticket.ticket_type == "problem" else None,
        "changes": changes,
        "link_change_form": (
            LinkChangeForm(user=user, ticket=ticket) if agent and ticket.ticket_type != "request" else None
        ),
        # Panels of the apps above (the knowledge articles the ticket was resolved with …), as HTML.
        "panels": [html for _, panel in hooks.ticket_panels.items() if (html := panel(request, ticket))],
        **rating_context(ticket, user),
    }
    for name, form in (bound or {}).items():
        if name == "transition_form":  # the menu stays the viewer's moves, whatever was posted
            form.fields["status"].choices = context[name].fields["status"].choices
        context[name] = form
    response = render(request, "servicedesk/ticket_detail.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _done(request, ticket: Ticket, message: str):
    """Back to the ticket if the user still sees it, else to the queue saying where it went."""
    messages.success(request, message)
    if Ticket.objects.restrict(request.user, "view").filter(pk=ticket.pk).exists():
        return redirect(ticket.get_absolute_url())
    ticket.refresh_from_db(fields=["assignment_group"])
    messages.info(
        request,
        f"{ticket.number} is now with {ticket.assignment_group}: it has left the tickets you can see.",
    )
    return redirect("servicedesk:queue")


# The name each step's form has on the ticket's page.
_FORM_NAMES: dict[type, str] = {
    TransitionForm: "transition_form",
    CommentForm: "comment_form",
    AssignForm: "assign_form",
    ServiceForm: "service_form",
    AttachmentForm: "attach_form",
    DecisionForm: "decision_form",
    LinkChangeForm: "link_change_form",
}


def _failed(request, ticket: Ticket, form, exc: ValidationError | PermissionDenied | None = None):
    """The ticket's page again after a refused step: the step's form as typed, the reason said; 400 for
    bad input, 403 when the service refused the person."""
    if exc is not None:
        apply_validation_error(form, exc)
    errors = "; ".join(
        f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in form.errors.items()
    )
    messages.error(request, errors or "Invalid input.")
    status = 403 if isinstance(exc, PermissionDenied) else 400
    return _ticket_page(request, ticket, bound={_FORM_NAMES[type(form)]: form}, status=status)


@login_required
@require_POST
def ticket_transition(request, number: str):
    ticket = _ticket(request, number)
    form = TransitionForm(request.POST, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_transition(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Status changed.")
        except (ValidationError, PermissionDenied) as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_comment(request, number: str):
    ticket = _ticket(request, number)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_comment(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Comment added.")
        except (ValidationError, PermissionDenied) as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
@require_POST
def ticket_assign(request, number: str):
    ticket = _routable(request, number)
    form = AssignForm(request.POST, user=request.user, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_assign(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Assigned.")
        except (ValidationError, PermissionDenied) as exc:
            return _failed(request, ticket, form, exc)
    return _failed(request, ticket, form)


@login_required
def assignee_options(request, number: str):
    """The assignee choices for the group picked in the assignment form (htmx swaps the list)."""
    ticket = _routable(request, number)
    form = AssignForm(request.GET, user=request.user, ticket=ticket)
    response = render(request, "servicedesk/_assignee_options.html", {"assign_form": form})
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def ticket_set_service(request, number: str):
    """Move the ticket to another service; routing runs again unless a person chose its group."""
    ticket = _routable(request, number)
    form = ServiceForm(request.POST, user=request.user, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_set_service(actor=request.user, ticket=ticket, **form.cleaned_data)
            return _done(request, ticket, "Service changed.")
        except (ValidationError, PermissionDenied) as exc:
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
        except (ValidationError, PermissionDenied) as exc:
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
        except (ValidationError, PermissionDenied) as exc:
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
@require_POST
def ticket_link_change(request, number: str):
    """Link a change the user may see to the ticket."""
    ticket = _ticket(request, number, "change")
    form = LinkChangeForm(request.POST, user=request.user, ticket=ticket)
    if form.is_valid():
        try:
            services.ticket_link_change(actor=request.user, ticket=ticket, change=form.cleaned_data["change"])
            return _done(request, ticket, "Change linked.")
        except (ValidationError, PermissionDenied) as exc:
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

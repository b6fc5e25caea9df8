"""The requester portal and requests from the catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from bimodal.core.permissions import get_restricted_object
from bimodal.servicedesk import selectors, services
from bimodal.servicedesk.forms_schema import build_form_class
from bimodal.servicedesk.models import (
    CatalogueItem,
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
    for form_field in form.fields.values():
        form_field.widget.attrs.setdefault("class", "form-control")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "servicedesk/catalogue_request.html",
        {"active_area": "servicedesk", "item": item, "form": form},
        status=status,
    )

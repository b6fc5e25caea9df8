"""The knowledge panel of the ticket page (registered in servicedesk's `ticket_panels`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from bimodal.knowledge import selectors
from bimodal.servicedesk.models import Ticket


def ticket_panel(request: HttpRequest, ticket: Ticket) -> str:
    """The articles the ticket was resolved with and, for agents who work it, a form to link one."""
    user = request.user
    if not user.has_perm("knowledge.view_article"):
        return ""
    may_link = user.has_perm("knowledge.add_ticketarticle") and user.has_perm("servicedesk.change_ticket")
    context = {
        "ticket": ticket,
        "links": selectors.ticket_links_of_ticket(user=user, ticket=ticket),
        "candidates": selectors.link_candidates(user=user, ticket=ticket) if may_link else [],
        "may_link": may_link,
    }
    return render_to_string("knowledge/_ticket_panel.html", context, request=request)

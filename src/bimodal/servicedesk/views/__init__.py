"""Pages of the service desk, one module per area: the agent queue and tickets (detail with timeline and SLA
panel, workflow steps, links to changes), the requester portal and catalogue requests, notifications, and
the in-app administration of the catalogue, schedules, SLA definitions, the priority matrix and routing rules.

Reads start from restricted querysets; writes go through `services`. A refused write is a 403; an invalid
one is shown on the form and writes nothing."""

from __future__ import annotations

from bimodal.servicedesk.views.admin import (
    ADMIN_PERMS,
    admin_definition,
    admin_index,
    admin_item,
    admin_matrix,
    admin_routing_rule,
    admin_schedule,
)
from bimodal.servicedesk.views.notifications import (
    notification_preferences_page,
    notification_read,
    notification_read_all,
    notifications,
)
from bimodal.servicedesk.views.portal import (
    catalogue_request,
    portal,
)
from bimodal.servicedesk.views.satisfaction import (
    satisfaction,
    ticket_rate,
)
from bimodal.servicedesk.views.tickets import (
    PER_PAGE,
    assignee_options,
    queue,
    task_complete,
    ticket_assign,
    ticket_attach,
    ticket_comment,
    ticket_create,
    ticket_decide,
    ticket_detail,
    ticket_link_change,
    ticket_set_service,
    ticket_transition,
    ticket_unlink_change,
)

__all__ = [
    "ADMIN_PERMS",
    "PER_PAGE",
    "admin_definition",
    "admin_index",
    "admin_item",
    "admin_matrix",
    "admin_routing_rule",
    "admin_schedule",
    "assignee_options",
    "catalogue_request",
    "notification_preferences_page",
    "notification_read",
    "notification_read_all",
    "notifications",
    "portal",
    "queue",
    "satisfaction",
    "task_complete",
    "ticket_assign",
    "ticket_attach",
    "ticket_comment",
    "ticket_create",
    "ticket_decide",
    "ticket_detail",
    "ticket_link_change",
    "ticket_rate",
    "ticket_set_service",
    "ticket_transition",
    "ticket_unlink_change",
]

"""Writes of the service desk, one module per seam: tickets, requests, SLA clocks (with the suppliers'
contracted clocks and escalations), routing, Alertmanager alerts, satisfaction surveys, notifications and administration. Other apps
import from here, not from the modules."""

from __future__ import annotations

from bimodal.servicedesk.services.admin import (
    CATALOGUE_ITEM_FIELDS,
    SCHEDULE_FIELDS,
    SLA_DEFINITION_FIELDS,
    catalogue_item_create,
    catalogue_item_update,
    priority_matrix,
    priority_matrix_set,
    schedule_create,
    schedule_update,
    sla_definition_create,
    sla_definition_update,
)
from bimodal.servicedesk.services.alerts import (
    SEVERITY,
    alertmanager_ingest,
    alertmanager_secret,
)
from bimodal.servicedesk.services.base import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    PRIORITY_UP,
    priority_for,
)
from bimodal.servicedesk.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preferences_set,
)
from bimodal.servicedesk.services.requests import (
    request_decide,
    request_submit,
    task_complete,
)
from bimodal.servicedesk.services.routing import (
    ROUTING_RULE_FIELDS,
    route,
    routing_rule_create,
    routing_rule_update,
)
from bimodal.servicedesk.services.satisfaction import (
    RATEABLE_STATUSES,
    rating_url,
    ticket_rate,
)
from bimodal.servicedesk.services.sla_clocks import (
    sla_check,
    sla_escalate,
    sla_on_status,
    sla_rematch,
    sla_start,
    sla_supplier_accept,
    sla_supplier_hold,
    sla_supplier_release,
)
from bimodal.servicedesk.services.tickets import (
    TICKET_FIELDS,
    problem_mark_known_error,
    ticket_assign,
    ticket_attach,
    ticket_classify,
    ticket_comment,
    ticket_create,
    ticket_link_change,
    ticket_link_problem,
    ticket_set_service,
    ticket_transition,
    ticket_unlink_change,
)

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "CATALOGUE_ITEM_FIELDS",
    "MAX_ATTACHMENT_BYTES",
    "PRIORITY_UP",
    "RATEABLE_STATUSES",
    "ROUTING_RULE_FIELDS",
    "SCHEDULE_FIELDS",
    "SEVERITY",
    "SLA_DEFINITION_FIELDS",
    "TICKET_FIELDS",
    "alertmanager_ingest",
    "alertmanager_secret",
    "catalogue_item_create",
    "catalogue_item_update",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_preferences_set",
    "priority_for",
    "priority_matrix",
    "priority_matrix_set",
    "problem_mark_known_error",
    "rating_url",
    "request_decide",
    "request_submit",
    "route",
    "routing_rule_create",
    "routing_rule_update",
    "schedule_create",
    "schedule_update",
    "sla_check",
    "sla_definition_create",
    "sla_definition_update",
    "sla_escalate",
    "sla_on_status",
    "sla_rematch",
    "sla_start",
    "sla_supplier_accept",
    "sla_supplier_hold",
    "sla_supplier_release",
    "task_complete",
    "ticket_assign",
    "ticket_attach",
    "ticket_classify",
    "ticket_comment",
    "ticket_create",
    "ticket_link_change",
    "ticket_link_problem",
    "ticket_rate",
    "ticket_set_service",
    "ticket_transition",
    "ticket_unlink_change",
]

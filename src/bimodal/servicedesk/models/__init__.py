"""Models of the service desk, one module per area: the request catalogue (with schedules, priorities and
categories), routing rules, tickets, satisfaction ratings (with comments, attachments, events, hand-offs and tasks) and SLA definitions and
clocks; base holds who may see which tickets."""

from __future__ import annotations

from bimodal.servicedesk.models.base import (
    USER,
    ticket_visibility,
)
from bimodal.servicedesk.models.catalogue import (
    CatalogueItem,
    CatalogueItemQuerySet,
    Category,
    PriorityRule,
    SupportSchedule,
)
from bimodal.servicedesk.models.mail import InboundMail
from bimodal.servicedesk.models.routing import RoutingRule
from bimodal.servicedesk.models.satisfaction import (
    RATING_MAX,
    RATING_MIN,
    SATISFIED_FROM,
    SatisfactionRating,
)
from bimodal.servicedesk.models.sla import (
    SlaDefinition,
    SlaEscalation,
    SlaInstance,
    SlaInstanceQuerySet,
    SlaPause,
)
from bimodal.servicedesk.models.tickets import (
    FulfilmentTask,
    Ticket,
    TicketAttachment,
    TicketChildQuerySet,
    TicketComment,
    TicketEvent,
    TicketHandoff,
    TicketQuerySet,
    attachment_path,
)

__all__ = [
    "RATING_MAX",
    "RATING_MIN",
    "SATISFIED_FROM",
    "USER",
    "CatalogueItem",
    "CatalogueItemQuerySet",
    "Category",
    "FulfilmentTask",
    "InboundMail",
    "PriorityRule",
    "RoutingRule",
    "SatisfactionRating",
    "SlaDefinition",
    "SlaEscalation",
    "SlaInstance",
    "SlaInstanceQuerySet",
    "SlaPause",
    "SupportSchedule",
    "Ticket",
    "TicketAttachment",
    "TicketChildQuerySet",
    "TicketComment",
    "TicketEvent",
    "TicketHandoff",
    "TicketQuerySet",
    "attachment_path",
    "ticket_visibility",
]

"""Routing: which group owns a new ticket (rules, the catalogue item, the service's team), and the rules'
administration."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from django.core.exceptions import ValidationError
from django.db.models import Q

from bimodal.core.models import Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import CatalogueItem, Category, RoutingRule, Ticket
from bimodal.servicedesk.services.sla_clocks import _check_supplier_cover

# The fields a person sets on a rule, named once: the services' keyword arguments, the write serializer's
# and the admin form's fields.
ROUTING_RULE_FIELDS: Final = (
    "name",
    "order",
    "ticket_type",
    "service",
    "catalogue_item",
    "category",
    "group",
    "active",
)


def route(ticket: Ticket, *, at: datetime) -> tuple[Team, RoutingRule | None]:
    """The group that owns `ticket` (not yet routed by a person) and the rule that chose it, if any.

    In order: for a catalogue request, a rule naming its item, else the item's fulfilment group; then the
    matching rules, most specific first (more criteria, then the lower order number), the default rule
    (no criteria) last; then the service's support team. A supplier queue without a contract covering the
    ticket's service is passed over."""
    rules = (
        RoutingRule.objects.filter(active=True)
        .filter(
            Q(ticket_type="") | Q(ticket_type=ticket.ticket_type),
            Q(service__isnull=True) | Q(service_id=ticket.service_id),
            Q(category__isnull=True) | Q(category_id=ticket.category_id),
            Q(catalogue_item__isnull=True) | Q(catalogue_item_id=ticket.catalogue_item_id),
        )
        .select_related("group")
    )
    ordered = sorted(rules, key=lambda r: (-r.specificity, r.order, r.name))
    support = ticket.service.owner_team
    candidates: list[tuple[Team, RoutingRule | None]] = []
    if ticket.catalogue_item is not None:
        candidates += [(r.group or support, r) for r in ordered if r.catalogue_item_id]
        candidates.append((ticket.catalogue_item.fulfilment_group, None))
    candidates += [(r.group or support, r) for r in ordered]
    for group, rule in candidates:
        try:
            _check_supplier_cover(ticket, group, at=at)
        except ValidationError:
            continue
        return group, rule
    return support, None


@transactional
def routing_rule_create(
    *,
    actor: User,
    name: str,
    order: int = 100,
    ticket_type: str = "",
    service: Service | None = None,
    catalogue_item: CatalogueItem | None = None,
    category: Category | None = None,
    group: Team | None = None,
    active: bool = True,
) -> RoutingRule:
    """Add a routing rule; it routes tickets opened (or moved to another service) from now on."""
    require_perm(actor, "servicedesk.add_routingrule")
    for obj in (service, catalogue_item, group):
        if obj is not None:
            require_object(actor, "view", obj)
    rule = RoutingRule(
        name=name,
        order=order,
        ticket_type=ticket_type,
        service=service,
        catalogue_item=catalogue_item,
        category=category,
        group=group,
        active=active,
    )
    return create_audited(rule, actor=actor, verb=AuditVerb.ROUTING_RULE_CREATE)


@transactional
def routing_rule_update(
    *,
    actor: User,
    rule: RoutingRule,
    reason: str = "",
    name: str | NotGiven = UNSET,
    order: int | NotGiven = UNSET,
    ticket_type: str | NotGiven = UNSET,
    service: Service | NotGiven | None = UNSET,
    catalogue_item: CatalogueItem | NotGiven | None = UNSET,
    category: Category | NotGiven | None = UNSET,
    group: Team | NotGiven | None = UNSET,
    active: bool | NotGiven = UNSET,
) -> RoutingRule:
    """Change the given attributes of a routing rule; tickets already routed keep their group."""
    require_perm(actor, "servicedesk.change_routingrule")
    require_object(actor, "change", rule)
    for obj in (service, catalogue_item, group):
        if obj is not None and obj is not UNSET:
            require_object(actor, "view", obj)
    fields = given(
        name=name,
        order=order,
        ticket_type=ticket_type,
        service=service,
        catalogue_item=catalogue_item,
        category=category,
        group=group,
        active=active,
    )
    return update_audited(rule, actor=actor, fields=fields, reason=reason, verb=AuditVerb.ROUTING_RULE_UPDATE)

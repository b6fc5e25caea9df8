"""Routing rules: which group owns a ticket from the moment it exists."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager
from bimodal.servicedesk.choices import TicketType
from bimodal.servicedesk.models.catalogue import CatalogueItem, Category


class RoutingRule(TimeStampedModel):
    """Send new tickets that match its criteria (blank = any) to a group, or to their service's support team.

    The most specific active rule wins (more criteria before fewer, then the lower order number); a rule
    without criteria is the default (triage) rule. docs/servicedesk.md ("Routing") has the full order."""

    name = models.CharField(max_length=120, unique=True)
    order = models.PositiveIntegerField(default=100, help_text="Among equally specific rules, lower wins.")
    ticket_type = models.CharField(max_length=20, choices=TicketType.choices, blank=True)
    service = models.ForeignKey(
        "portfolio.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="routing_rules"
    )
    catalogue_item = models.ForeignKey(
        CatalogueItem, on_delete=models.PROTECT, null=True, blank=True, related_name="routing_rules"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="routing_rules"
    )
    group = models.ForeignKey(
        "core.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_rules",
        help_text="Blank: the ticket's service's support (owner) team.",
    )
    active = models.BooleanField(default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:admin_routing_rule", args=[self.pk])

    @property
    def specificity(self) -> int:
        """How many criteria the rule names (a rule naming more wins over one naming fewer)."""
        return sum(
            bool(v) for v in (self.ticket_type, self.service_id, self.catalogue_item_id, self.category_id)
        )

    @property
    def is_default(self) -> bool:
        """A rule without criteria: where tickets go that no other rule claims."""
        return self.specificity == 0

    def clean(self):
        if self.is_default and self.group_id is None:
            raise ValidationError({"group": "The default (triage) rule names its group."})

"""Customer satisfaction: the one-question survey a requester answers once a ticket is resolved."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.servicedesk.models.base import USER, ticket_visibility
from bimodal.servicedesk.models.tickets import Ticket

RATING_MIN, RATING_MAX = 1, 5
# A rating of 4 or 5 counts as satisfied (the usual CSAT definition: docs/servicedesk.md).
SATISFIED_FROM = 4


class SatisfactionQuerySet(RestrictedQuerySet):
    """Answers are visible with their ticket."""

    def restriction(self, user, action: str) -> Q | None:
        return ticket_visibility(user, "ticket__", action=action)


class SatisfactionRating(models.Model):
    """A requester's answer to "How satisfied are you with the resolution?": 1 to 5 and a comment, one
    per ticket (a unique key, so two answers at once leave one)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="satisfaction")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )
    comment = models.TextField(blank=True, max_length=2000)
    answered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager.from_queryset(SatisfactionQuerySet)()

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX),
                name="servicedesk_satisfaction_rating_1_5",
            )
        ]
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating}/5"

    @property
    def satisfied(self) -> bool:
        return self.rating >= SATISFIED_FROM

"""Demand: the scoring model's versions, the demand a user may see, the prioritised backlog."""

from __future__ import annotations

from django.db.models import (
    F,
)

from bimodal.core.models import Actor
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.delivery.choices import (
    OPEN_DEMAND,
)
from bimodal.delivery.models import (
    Demand,
    DemandQuerySet,
    ScoringModel,
)


def scoring_models(*, user: Actor) -> RestrictedQuerySet[ScoringModel]:
    """Every version of the scoring weights, newest first."""
    return ScoringModel.objects.restrict(user, "view").select_related("created_by").order_by("-version")


def demand_list(*, user: Actor) -> DemandQuerySet[Demand]:
    """Demand `user` may see."""
    return Demand.objects.restrict(user, "view").with_related()


def demand_backlog(*, user: Actor) -> DemandQuerySet[Demand]:
    """Open demand (draft and submitted), best score first: the prioritised backlog."""
    return (
        demand_list(user=user)
        .filter(status__in=OPEN_DEMAND)
        .order_by(F("score").desc(nulls_last=True), F("desired_start").asc(nulls_last=True), "reference")
    )

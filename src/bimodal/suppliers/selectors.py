"""Reads of the suppliers app: restricted lists, contract coverage, what a supplier agent may see."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from bimodal.core.models import Actor
from bimodal.core.permissions import get_restricted_object
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import Ticket
from bimodal.suppliers.choices import ContractStatus
from bimodal.suppliers.models import (
    Contract,
    ContractSlaTarget,
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    Supplier,
)


def _day(on: date | datetime | None) -> date:
    if on is None:
        return timezone.localdate()
    if isinstance(on, datetime):
        return timezone.localdate(on)
    return on


def supplier_has_contracts(supplier_id: int) -> bool:
    """Whether the supplier has any contract (from then on, contracts decide what it may work)."""
    return Contract.objects.filter(supplier_id=supplier_id).exists()


def current_contracts(*, supplier_id: int, on: date | datetime | None = None) -> QuerySet[Contract]:
    """Contracts of the supplier in force on a day (active, within their term)."""
    day = _day(on)
    return Contract.objects.filter(
        supplier_id=supplier_id, status=ContractStatus.ACTIVE, start_date__lte=day, end_date__gte=day
    )


def covering_contract(
    *, supplier_id: int, ticket: Ticket, on: date | datetime | None = None
) -> Contract | None:
    """The current contract of the supplier that covers the ticket's service or catalogue item (newest first)."""
    cover = Q(services=ticket.service_id)
    if ticket.catalogue_item_id:
        cover |= Q(catalogue_items=ticket.catalogue_item_id)
    return (
        current_contracts(supplier_id=supplier_id, on=on).filter(cover).order_by("-start_date", "-id").first()
    )


def supplier_list(*, user: Actor) -> RestrictedQuerySet[Supplier]:
    """Suppliers the user may see, with counts for the list, in flat queries."""
    today = timezone.localdate()
    return (
        Supplier.objects.restrict(user, "view")
        .prefetch_related("categories")
        .annotate(
            active_contracts=Count(
                "contracts",
                filter=Q(
                    contracts__status=ContractStatus.ACTIVE,
                    contracts__start_date__lte=today,
                    contracts__end_date__gte=today,
                ),
                distinct=True,
            ),
            queue_count=Count("teams", distinct=True),
        )
    )


def contract_list(*, user: Actor) -> RestrictedQuerySet[Contract]:
    """Contracts the user may see, with supplier, schedule and owner."""
    return Contract.objects.restrict(user, "view").select_related("supplier", "schedule", "owner")


def contract_detail_targets(contract: Contract) -> QuerySet[ContractSlaTarget]:
    """The contracted targets of a contract, with their SLA definitions."""
    return ContractSlaTarget.objects.filter(contract=contract).select_related("definition__schedule")


def visible_services(*, user: Actor) -> RestrictedQuerySet[Service]:
    """Services the user may see (a supplier agent: the ones its supplier is contracted for)."""

    return Service.objects.restrict(user, "view").select_related("mode", "owner_team")


def evaluation_list(*, user: Actor) -> RestrictedQuerySet[MspEvaluation]:
    return MspEvaluation.objects.restrict(user, "view").annotate(n_candidates=Count("candidates"))


def evaluation_full(*, user: Actor, slug: str) -> MspEvaluation:
    """One evaluation with everything the comparison needs, in flat queries (404 when not visible)."""

    queryset = MspEvaluation.objects.select_related(
        "chosen__supplier", "decided_by", "owner"
    ).prefetch_related(
        Prefetch("services", queryset=Service.objects.select_related("mode")),
        Prefetch("requirements", queryset=MspRequirement.objects.select_related("skill")),
        Prefetch(
            "candidates",
            queryset=MspCandidate.objects.select_related("supplier").prefetch_related("supplier__skills"),
        ),
    )
    return get_restricted_object(queryset, user, "view", slug=slug)

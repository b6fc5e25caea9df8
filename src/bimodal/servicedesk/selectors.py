"""Reads of the service desk: restricted ticket lists, a ticket's page data, SLA countdowns, customer
satisfaction figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from bimodal.changes.models import Change
from bimodal.core.models import Actor, User
from bimodal.core.querysets import RestrictedQuerySet
from bimodal.portfolio.models import Mode
from bimodal.servicedesk import sla
from bimodal.servicedesk.choices import (
    REQUESTER_MOVES,
    TRANSITIONS,
    Approver,
    Department,
    SlaState,
    TicketStatus,
)
from bimodal.servicedesk.models import (
    SATISFIED_FROM,
    CatalogueItem,
    RoutingRule,
    SatisfactionRating,
    SlaDefinition,
    SlaInstance,
    Ticket,
    TicketComment,
)


def ticket_list(*, user: Actor) -> RestrictedQuerySet[Ticket]:
    """The tickets `user` may see, with what lists show (service, groups, SLA clocks) in flat queries."""

    return _with_clocks_and_changes(
        Ticket.objects.restrict(user, "view").with_related().select_related("satisfaction__answered_by"),
        user=user,
    )


def ticket_api_list(*, user: Actor) -> RestrictedQuerySet[Ticket]:
    """The tickets `user` may see, joined only to what the API's ticket shows (no mode, no supplier)."""
    return _with_clocks_and_changes(
        Ticket.objects.restrict(user, "view").select_related(
            "service",
            "requester",
            "assignee",
            "assignment_group",
            "category",
            "catalogue_item",
            "satisfaction__answered_by",
        ),
        user=user,
    )


def _with_clocks_and_changes(
    tickets: RestrictedQuerySet[Ticket], *, user: Actor
) -> RestrictedQuerySet[Ticket]:
    """`tickets` with their SLA clocks and the linked changes `user` may see, one query each."""
    clocks = SlaInstance.objects.select_related("definition")
    changes = Change.objects.restrict(user, "view").only("id", "reference")
    return tickets.prefetch_related(
        Prefetch("sla_instances", queryset=clocks), Prefetch("changes", queryset=changes)
    )


@dataclass
class Clock:
    """One SLA clock as shown: elapsed (business time on its schedule), remaining, percentage, a colour,
    and the wall-clock time since it started."""

    instance: SlaInstance
    elapsed: float
    remaining: float
    percent: float
    colour: str
    wall: float = 0.0

    @property
    def remaining_label(self) -> str:
        text = sla.format_duration(self.remaining) if abs(self.remaining) >= 60 else "under 1m"
        return f"{text} over" if self.remaining < 0 else f"{text} left"

    @property
    def state_label(self) -> str:
        """One phrase that cannot contradict itself: met, cancelled, breached (· paused), paused, running."""
        state = self.instance.state
        if state == SlaState.MET:
            return f"met in {self.elapsed_label}"
        if state == SlaState.CANCELLED:
            return "cancelled"
        paused = self.instance.stopped_at is None and self.instance.running_since is None
        if self.colour == "breached":
            over = f"breached · {self.remaining_label}"
            if self.instance.stopped_at is not None:
                return over
            return f"{over} · paused" if paused else over
        return f"paused · {self.remaining_label}" if paused else self.remaining_label

    @property
    def wall_label(self) -> str:
        return sla.format_duration(self.wall)

    @property
    def elapsed_label(self) -> str:
        return sla.format_duration(self.elapsed)

    @property
    def target_label(self) -> str:
        return sla.format_duration(self.instance.definition.target_seconds)


def clock(instance: SlaInstance, now: datetime | None = None, *, exact: bool = True) -> Clock:
    """The clock's figures now: exact (detail page) or from the last periodic recompute (lists)."""
    now = now or timezone.now()
    target = instance.definition.target_seconds
    if instance.stopped_at is not None or instance.running_since is None:
        elapsed = instance.elapsed_seconds
    elif exact:
        elapsed = sla.elapsed_seconds(instance, now)
    else:
        elapsed = max(instance.computed_elapsed, instance.elapsed_seconds)
    percent = sla.percent_used(elapsed, target)
    if instance.state == SlaState.MET:
        colour = "met"
    elif instance.state == SlaState.BREACHED or elapsed > target:
        colour = "breached"
    elif instance.state == SlaState.PAUSED:
        colour = "paused"
    elif percent >= 75:
        colour = "warning"
    else:
        colour = "ok"
    return Clock(
        instance=instance,
        elapsed=elapsed,
        remaining=target - elapsed,
        percent=min(percent, 100),
        colour=colour,
        wall=max(((instance.stopped_at or now) - instance.started_at).total_seconds(), 0.0),
    )


def ticket_clocks(
    instances: Iterable[SlaInstance], now: datetime | None = None, *, exact: bool = True
) -> tuple[list[Clock], list[Clock]]:
    """A ticket's clocks as shown: its own clocks, one per target (response first), and the suppliers'
    contracted clocks of the hand-offs to them (the ticket page shows those behind a disclosure)."""
    now = now or timezone.now()
    own: list[Clock] = []
    suppliers: list[Clock] = []
    for instance in sorted(instances, key=lambda i: (i.target != "response", i.started_at, i.pk)):
        (suppliers if instance.supplier_id else own).append(clock(instance, now, exact=exact))
    return own, suppliers


def works_ticket(ticket: Ticket, *, user: Actor) -> bool:
    """Whether `user` works `ticket`: an agent who may change it (their group's, their supplier's)."""
    return (
        user is not None
        and user.has_perm("servicedesk.work_tickets")
        and (user.is_superuser or Ticket.objects.restrict(user, "change").filter(pk=ticket.pk).exists())
    )


def may_route(ticket: Ticket, *, user: Actor) -> bool:
    """Whether `user` may route `ticket` (its group, assignee, service), as the services decide: an agent
    who works it, or a desk lead (route_tickets) who sees it — who puts a misrouted ticket right."""
    if user is None or not user.is_active:
        return False
    if user.has_perm("servicedesk.route_tickets"):
        return Ticket.objects.restrict(user, "view").filter(pk=ticket.pk).exists()
    return works_ticket(ticket, user=user)


def ticket_moves(ticket: Ticket, *, user: Actor) -> list[str]:
    """The statuses `user` may move `ticket` to now, as `services.ticket_transition` decides: every allowed
    transition for an agent who works it; for its requester, answering, reopening, confirming and
    cancelling; nothing while a request awaits approval (approving and rejecting leave that state)."""
    if user is None or ticket.status == TicketStatus.AWAITING_APPROVAL:
        return []
    targets = TRANSITIONS.get(ticket.status, set())
    if not works_ticket(ticket, user=user):
        if ticket.requester_id != user.pk:
            return []
        targets = {t for t in targets if (ticket.status, t) in REQUESTER_MOVES or t == TicketStatus.CANCELLED}
    return sorted(targets)


def catalogue(*, user: Actor) -> list[tuple[str, list[CatalogueItem]]]:
    """Catalogue items the user may request, grouped by department."""
    items = CatalogueItem.objects.restrict(user, "view").filter(active=True).select_related("service")
    grouped: dict[str, list[CatalogueItem]] = {}
    for item in items:
        grouped.setdefault(item.department, []).append(item)
    return [(Department(key).label, grouped[key]) for key in Department.values if key in grouped]


def ticket_comments(ticket: Ticket, *, user: Actor) -> RestrictedQuerySet[TicketComment]:
    """Comments of a ticket the user may read (internal notes only for agents)."""
    return TicketComment.objects.restrict(user, "view").filter(ticket=ticket).select_related("author")


def ticket_changes(ticket: Ticket, *, user: Actor) -> RestrictedQuerySet[Change]:
    """The changes linked to a ticket that the user may see."""

    return Change.objects.restrict(user, "view").filter(tickets=ticket).order_by("reference")


def admin_catalogue(*, user: Actor) -> RestrictedQuerySet[CatalogueItem]:
    """Every catalogue item (active or not) with what the admin list shows, in flat queries."""
    return (
        CatalogueItem.objects.restrict(user, "view")
        .select_related("service", "fulfilment_group", "category")
        .order_by("department", "name")
    )


def admin_definitions(*, user: Actor) -> RestrictedQuerySet[SlaDefinition]:
    """SLA definitions with their schedule, mode, item and escalation team, in flat queries."""

    return SlaDefinition.objects.restrict(user, "view").select_related(
        "schedule", "mode", "catalogue_item", "escalation_team"
    )


def admin_routing_rules(*, user: Actor) -> RestrictedQuerySet[RoutingRule]:
    """Routing rules with their criteria and group, in flat queries (shown most specific first by the page)."""

    return RoutingRule.objects.restrict(user, "view").select_related(
        "service", "catalogue_item", "category", "group"
    )


def mode_sla_definitions(*, user: Actor, mode: Mode) -> list[SlaDefinition]:
    """The active SLA definitions that can start a clock on a ticket of a service in `mode`: those scoped
    to the mode and those for every mode (supplier contracts' underpinning targets aside), the scoped ones
    first. Which one a ticket gets is the most specific match (docs/servicedesk.md)."""

    definitions = (
        SlaDefinition.objects.restrict(user, "view")
        .filter(Q(mode=mode) | Q(mode__isnull=True), active=True, contract_target__isnull=True)
        .select_related("schedule", "mode", "catalogue_item")
    )
    return sorted(definitions, key=lambda d: (d.mode_id is None, d.target, d.priority, d.ticket_type, d.name))


def request_approvers(ticket: Ticket) -> list[User]:
    """Who may approve a catalogue request: the requester's manager, or the active holders of the item's
    approver role (none for a ticket not raised from the catalogue)."""
    item = ticket.catalogue_item
    if item is None:
        return []
    if item.approver == Approver.MANAGER:
        return [ticket.requester.manager] if ticket.requester.manager else []
    return list(User.objects.filter(groups__name=item.approver_role, is_active=True))


# --- customer satisfaction ---------------------------------------------------------------------------

#: The breakdowns of satisfaction figures: (key, label) paths from a ticket. A ticket counts for the
#: supplier whose queue holds it (its assignment group's supplier), as on the supplier scorecard.
CSAT_BREAKDOWNS: dict[str, tuple[str, str]] = {
    "service": ("service_id", "service__name"),
    "group": ("assignment_group_id", "assignment_group__name"),
    "supplier": ("assignment_group__supplier_id", "assignment_group__supplier__name"),
    "mode": ("service__mode_id", "service__mode__name"),
}


@dataclass
class Csat:
    """Satisfaction figures of one group of tickets over a period: answers given in the period (their
    count, the sum of ratings and how many were 4 or 5), and tickets resolved in the period (how many, and
    how many of those have an answer)."""

    key: int | None = None
    label: str = ""
    responses: int = 0
    rating_sum: int = 0
    satisfied: int = 0
    resolved: int = 0
    answered: int = 0

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.responses if self.responses else None

    @property
    def csat(self) -> float | None:
        """The share of answers that are 4 or 5 (0..1)."""
        return self.satisfied / self.responses if self.responses else None

    @property
    def response_rate(self) -> float | None:
        """The share of the tickets resolved in the period that have an answer (0..1)."""
        return self.answered / self.resolved if self.resolved else None

    @property
    def csat_pct(self) -> float | None:
        return None if self.csat is None else 100 * self.csat

    @property
    def response_rate_pct(self) -> float | None:
        return None if self.response_rate is None else 100 * self.response_rate


def ticket_rating(ticket: Ticket) -> SatisfactionRating | None:
    """The ticket's survey answer, if any (load `satisfaction` with select_related to spare a query)."""
    try:
        return ticket.satisfaction
    except SatisfactionRating.DoesNotExist:
        return None


def may_rate(ticket: Ticket, user: Actor) -> bool:
    """Whether `user` may answer the survey of `ticket` now: its requester, once it is resolved or closed,
    if nobody has answered yet."""
    if user is None or not user.is_authenticated or ticket.requester_id != user.pk:
        return False
    if ticket.status not in {TicketStatus.RESOLVED, TicketStatus.CLOSED}:
        return False
    return ticket_rating(ticket) is None


def csat(
    *,
    tickets: QuerySet[Ticket],
    start: datetime,
    end: datetime,
    by: str | None = None,
) -> dict[int | None, Csat]:
    """Satisfaction of `tickets` over [start, end), per breakdown (`CSAT_BREAKDOWNS`; None: one figure
    under the key None, or nothing when there is nothing to count), in two grouped queries: answers given
    in the period, tickets resolved in it."""
    if by is not None and by not in CSAT_BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    # By primary key, so a restriction that joins (group members …) counts each ticket once.
    ids = tickets.order_by().values("pk")
    answers = SatisfactionRating.objects.filter(
        ticket__in=ids, answered_at__gte=start, answered_at__lt=end
    ).order_by()
    resolved = Ticket.objects.filter(pk__in=ids, resolved_at__gte=start, resolved_at__lt=end).order_by()
    answer_figures: dict[str, Any] = dict(
        n=Count("id"), total=Sum("rating"), good=Count("id", filter=Q(rating__gte=SATISFIED_FROM))
    )
    resolved_figures: dict[str, Any] = dict(
        n=Count("id"), rated=Count("id", filter=Q(satisfaction__isnull=False))
    )
    if by is None:
        a, r = answers.aggregate(**answer_figures), resolved.aggregate(**resolved_figures)
        if not a["n"] and not r["n"]:
            return {}
        return {
            None: Csat(
                responses=a["n"],
                rating_sum=a["total"] or 0,
                satisfied=a["good"],
                resolved=r["n"],
                answered=r["rated"],
            )
        }
    key, label = CSAT_BREAKDOWNS[by]
    out: dict[int | None, Csat] = {}
    for row in answers.values(f"ticket__{key}", f"ticket__{label}").annotate(**answer_figures):
        k = row[f"ticket__{key}"]
        figures = out.setdefault(k, Csat(key=k, label=row[f"ticket__{label}"] or "—"))
        figures.responses, figures.rating_sum, figures.satisfied = row["n"], row["total"] or 0, row["good"]
    for row in resolved.values(key, label).annotate(**resolved_figures):
        k = row[key]
        figures = out.setdefault(k, Csat(key=k, label=row[label] or "—"))
        figures.resolved, figures.answered = row["n"], row["rated"]
    return out


def satisfaction_table(*, user: Actor, start: datetime, end: datetime) -> dict[str, Any]:
    """The satisfaction page: overall figures and one table per breakdown (service, group, supplier, mode)
    over the tickets `user` may see, each sorted by label; a fixed number of queries."""
    tickets = Ticket.objects.restrict(user, "view")
    tables = {
        by: sorted(csat(tickets=tickets, start=start, end=end, by=by).values(), key=lambda c: c.label)
        for by in CSAT_BREAKDOWNS
    }
    overall = csat(tickets=tickets, start=start, end=end).get(None) or Csat()
    return {"overall": overall, "tables": tables}


def recent_ratings(
    *, user: Actor, start: datetime, end: datetime, limit: int = 20
) -> list[SatisfactionRating]:
    """The latest answers with a comment that `user` may see, in the period."""
    return list(
        SatisfactionRating.objects.restrict(user, "view")
        .filter(answered_at__gte=start, answered_at__lt=end)
        .exclude(comment="")
        .select_related("ticket__service", "answered_by")
        .order_by("-answered_at", "-id")[:limit]
    )

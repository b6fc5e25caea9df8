"""Supplier scorecards computed from real ticket data for a period, in a fixed number of queries.

What is measured (see docs/suppliers.md for worked examples):
- the supplier's contracted clocks (SlaInstance rows with `supplier` set), grouped by the priority of the
  contract target that applied: a met clock counts in the period it stopped, a breached one in the period
  it breached — at once, while the ticket is still open, and not again when its clock stops; attainment =
  met / (met + breached); median and 90th percentile of the business time each stopped clock ran (on
  the contract's schedule);
- breaches and the service credit each earns (the contract target's credit), capped per contract at
  `credit_cap_percent` of the contract's charge for the period;
- volumes: tickets handed to the supplier in the period (received), tickets resolved in the period while in
  the supplier's queue (resolved), and tickets open in its queue now;
- reopen rate = resolved tickets that were ever reopened / resolved tickets;
- charge = each contract's value × days of its term inside the period / days of its term;
  cost per ticket = charge / resolved (net: (charge − credits) / resolved);
- customer satisfaction (CSAT) of the tickets in the supplier's queue: requesters' answers given in the
  period (1–5), their average, CSAT = the share rated 4 or 5, and the response rate = resolved tickets
  with an answer / resolved tickets (servicedesk.selectors.csat, docs/servicedesk.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from bimodal.core.stats import MEDIAN, P90, percentiles
from bimodal.servicedesk import selectors as servicedesk_selectors
from bimodal.servicedesk.choices import OPEN_STATUSES, SlaState
from bimodal.servicedesk.models import SlaInstance, Ticket, TicketHandoff
from bimodal.suppliers.choices import PRIORITIES, ContractStatus
from bimodal.suppliers.models import Contract, Supplier

CENT = Decimal("0.01")
TARGETS = ("response", "resolution")


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last full calendar month."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    end = first - timedelta(days=1)
    return end.replace(day=1), end


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class TargetFigures:
    """One priority × target (response or resolution) of a scorecard."""

    total: int = 0
    met: int = 0
    breached: int = 0
    credits: Decimal = Decimal("0")
    median: float | None = None
    p90: float | None = None

    @property
    def attainment(self) -> float | None:
        return _ratio(self.met, self.total)


@dataclass
class PriorityRow:
    """The figures of one priority."""

    priority: str
    response: TargetFigures = field(default_factory=TargetFigures)
    resolution: TargetFigures = field(default_factory=TargetFigures)


@dataclass
class ContractCharge:
    """A contract's share of the period: charge, credits earned, the cap and what is payable as credit."""

    contract: Contract
    days: int
    charge: Decimal
    credits_earned: Decimal
    cap: Decimal

    @property
    def credits(self) -> Decimal:
        return min(self.credits_earned, self.cap)


@dataclass
class Scorecard:
    """A supplier's scorecard for a period."""

    supplier: Supplier
    start: date
    end: date
    rows: list[PriorityRow]
    overall: dict[str, TargetFigures]
    received: int
    resolved: int
    reopened: int
    open_now: int
    contracts: list[ContractCharge]
    trend: list[dict]
    satisfaction: servicedesk_selectors.Csat = field(default_factory=servicedesk_selectors.Csat)

    @property
    def reopen_rate(self) -> float | None:
        return _ratio(self.reopened, self.resolved)

    @property
    def breaches(self) -> int:
        return sum(f.breached for f in self.overall.values())

    @property
    def credits_earned(self) -> Decimal:
        return sum((c.credits_earned for c in self.contracts), Decimal("0"))

    @property
    def credits(self) -> Decimal:
        return sum((c.credits for c in self.contracts), Decimal("0"))

    @property
    def charge(self) -> Decimal:
        return sum((c.charge for c in self.contracts), Decimal("0"))

    @property
    def cost_per_ticket(self) -> Decimal | None:
        return (self.charge / self.resolved).quantize(CENT, ROUND_HALF_UP) if self.resolved else None

    @property
    def net_cost_per_ticket(self) -> Decimal | None:
        if not self.resolved:
            return None
        return ((self.charge - self.credits) / self.resolved).quantize(CENT, ROUND_HALF_UP)

    @property
    def currency(self) -> str:
        return self.contracts[0].contract.currency if self.contracts else ""


def _clocks(supplier_id: int, t0: datetime, t1: datetime):
    """The supplier's clocks counted in [t0, t1): met ones when they stopped, breached ones when they
    breached (`counted_at`)."""

    return SlaInstance.objects.annotate(
        counted_at=Case(
            When(state=SlaState.BREACHED, then=Coalesce("breached_at", "stopped_at")),
            default=F("stopped_at"),
        )
    ).filter(
        supplier_id=supplier_id,
        counted_at__gte=t0,
        counted_at__lt=t1,
        state__in=[SlaState.MET, SlaState.BREACHED],
    )


def _counts(queryset, *group):

    return queryset.values(*group).annotate(
        total=Count("id"),
        met=Count("id", filter=Q(state=SlaState.MET)),
        breached=Count("id", filter=Q(state=SlaState.BREACHED)),
        credits=Sum("definition__contract_target__credit", filter=Q(state=SlaState.BREACHED)),
    )


def _month_key(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _months_back(end: date, months: int) -> date:
    year, month = end.year, end.month - (months - 1)
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def compute(supplier: Supplier, start: date, end: date, *, trend_months: int = 6) -> Scorecard:
    """The scorecard of `supplier` for [start, end] (inclusive dates). A fixed number of queries."""

    if end < start:
        raise ValueError("The period ends before it starts.")
    t0, t1 = period_bounds(start, end)
    clocks = _clocks(supplier.pk, t0, t1)
    prio = "definition__contract_target__priority"

    rows = {p: PriorityRow(priority=p) for p in PRIORITIES}
    overall = {t: TargetFigures() for t in TARGETS}
    for row in _counts(clocks, prio, "target"):
        if row[prio] not in rows:
            continue
        figures = getattr(rows[row[prio]], row["target"])
        figures.total, figures.met, figures.breached = row["total"], row["met"], row["breached"]
        figures.credits = row["credits"] or Decimal("0")
        total = overall[row["target"]]
        total.total += row["total"]
        total.met += row["met"]
        total.breached += row["breached"]
        total.credits += figures.credits
    stopped = clocks.filter(stopped_at__isnull=False)  # a running clock has no final time yet
    for (p, target), values in percentiles(stopped, "elapsed_seconds", (prio, "target")).items():
        if p in rows:
            figures = getattr(rows[p], target)
            figures.median, figures.p90 = values[MEDIAN], values[P90]
    for (target,), values in percentiles(stopped, "elapsed_seconds", ("target",)).items():
        overall[target].median, overall[target].p90 = values[MEDIAN], values[P90]

    # Credits per contract, capped at the contract's share of the period's charge.

    earned = {
        r["contract"]: r["credits"] or Decimal("0")
        for r in clocks.filter(state=SlaState.BREACHED)
        .values(contract=F("definition__contract_target__contract"))
        .annotate(credits=Sum("definition__contract_target__credit"))
    }
    contracts = (
        Contract.objects.filter(supplier=supplier)
        .exclude(status=ContractStatus.DRAFT)
        .filter(Q(start_date__lte=end, end_date__gte=start) | Q(pk__in=list(earned)))
    )
    charges = []
    for contract in contracts.order_by("start_date", "id"):
        days = max((min(end, contract.end_date) - max(start, contract.start_date)).days + 1, 0)
        charge = (contract.value * days / contract.term_days).quantize(CENT, ROUND_HALF_UP)
        cap = (charge * contract.credit_cap_percent / 100).quantize(CENT, ROUND_HALF_UP)
        charges.append(ContractCharge(contract, days, charge, earned.get(contract.pk, Decimal("0")), cap))

    received = TicketHandoff.objects.filter(to_supplier=supplier, at__gte=t0, at__lt=t1).aggregate(
        n=Count("ticket", distinct=True)
    )["n"]
    in_period = Q(resolved_at__gte=t0, resolved_at__lt=t1)
    volumes = Ticket.objects.filter(assignment_group__supplier=supplier).aggregate(
        resolved=Count("id", filter=in_period),
        reopened=Count("id", filter=in_period & Q(reopen_count__gt=0)),
        open_now=Count("id", filter=Q(status__in=OPEN_STATUSES)),
    )

    # Trend: month by month up to the period's end.
    m0, _ = period_bounds(_months_back(end, trend_months), end)
    trend_clocks = _clocks(supplier.pk, m0, t1).annotate(month=TruncMonth("counted_at"))
    months = {}
    cursor = _months_back(end, trend_months)
    while cursor <= end:
        months[cursor] = {
            "month": cursor,
            "response": TargetFigures(),
            "resolution": TargetFigures(),
            "resolved": 0,
        }
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    for row in _counts(trend_clocks, "month", "target"):
        key = _month_key(row["month"])
        if key in months:
            f = months[key][row["target"]]
            f.total, f.met, f.breached = row["total"], row["met"], row["breached"]
            f.credits = row["credits"] or Decimal("0")
    trend_stopped = trend_clocks.filter(stopped_at__isnull=False)
    for (month, target), values in percentiles(trend_stopped, "elapsed_seconds", ("month", "target")).items():
        key = _month_key(month)
        if key in months:
            months[key][target].median, months[key][target].p90 = values[MEDIAN], values[P90]
    for row in (
        Ticket.objects.filter(assignment_group__supplier=supplier, resolved_at__gte=m0, resolved_at__lt=t1)
        .annotate(month=TruncMonth("resolved_at"))
        .values("month")
        .annotate(n=Count("id"))
    ):
        key = _month_key(row["month"])
        if key in months:
            months[key]["resolved"] = row["n"]

    satisfaction = (
        servicedesk_selectors.csat(
            tickets=Ticket.objects.filter(assignment_group__supplier=supplier), start=t0, end=t1
        ).get(None)
        or servicedesk_selectors.Csat()
    )

    return Scorecard(
        satisfaction=satisfaction,
        supplier=supplier,
        start=start,
        end=end,
        rows=[rows[p] for p in PRIORITIES],
        overall=overall,
        received=received,
        resolved=volumes["resolved"],
        reopened=volumes["reopened"],
        open_now=volumes["open_now"],
        contracts=charges,
        trend=list(months.values()),
    )


def breaches(supplier: Supplier, start: date, end: date, limit: int = 200):
    """The supplier's clocks that breached in the period (still running or stopped), with ticket and
    credit (for the page/export)."""

    t0, t1 = period_bounds(start, end)
    return (
        _clocks(supplier.pk, t0, t1)
        .filter(state=SlaState.BREACHED)
        .select_related("ticket", "definition__contract_target__contract")
        .order_by("counted_at", "id")[:limit]
    )


def csv_rows(card: Scorecard, breached) -> list[list]:
    """The scorecard as CSV rows: per-priority figures, totals, the money, then each breach."""

    def pct(v):
        return "" if v is None else f"{100 * v:.1f}"

    def hours(v):
        return "" if v is None else f"{v / 3600:.2f}"

    out = [
        ["supplier", card.supplier.name, "period", card.start.isoformat(), card.end.isoformat()],
        [],
        [
            "priority",
            "target",
            "clocks",
            "met",
            "breached",
            "attainment_pct",
            "median_hours",
            "p90_hours",
            "credits",
        ],
    ]
    for row in card.rows:
        for target in TARGETS:
            f = getattr(row, target)
            out.append(
                [
                    row.priority,
                    target,
                    f.total,
                    f.met,
                    f.breached,
                    pct(f.attainment),
                    hours(f.median),
                    hours(f.p90),
                    f"{f.credits:.2f}",
                ]
            )
    for target in TARGETS:
        f = card.overall[target]
        out.append(
            [
                "all",
                target,
                f.total,
                f.met,
                f.breached,
                pct(f.attainment),
                hours(f.median),
                hours(f.p90),
                f"{f.credits:.2f}",
            ]
        )
    out += [
        [],
        ["received", card.received],
        ["resolved", card.resolved],
        ["reopened", card.reopened],
        ["reopen_rate_pct", pct(card.reopen_rate)],
        ["open_now", card.open_now],
        ["charge", f"{card.charge:.2f}", card.currency],
        ["credits_earned", f"{card.credits_earned:.2f}"],
        ["credits_after_cap", f"{card.credits:.2f}"],
        ["cost_per_ticket", "" if card.cost_per_ticket is None else f"{card.cost_per_ticket:.2f}"],
        [
            "net_cost_per_ticket",
            "" if card.net_cost_per_ticket is None else f"{card.net_cost_per_ticket:.2f}",
        ],
        ["csat_responses", card.satisfaction.responses],
        [
            "csat_average_rating",
            "" if card.satisfaction.average is None else f"{card.satisfaction.average:.2f}",
        ],
        ["csat_pct", pct(card.satisfaction.csat)],
        ["csat_response_rate_pct", pct(card.satisfaction.response_rate)],
        [],
        ["breach", "ticket", "priority", "target", "elapsed_hours", "target_hours", "contract", "credit"],
    ]
    for clock in breached:
        target = clock.definition.contract_target
        out.append(
            [
                "breach",
                clock.ticket.number,
                target.priority,
                clock.target,
                hours(clock.elapsed_seconds if clock.stopped_at else clock.computed_elapsed),
                hours(clock.definition.target_seconds),
                target.contract.reference,
                f"{target.credit:.2f}",
            ]
        )
    return out

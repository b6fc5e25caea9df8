"""What-if reallocation: move FTE (a team's capacity between modes, or an allocation between initiatives
and modes) or money (between budgets) and see the result before anything is saved.

A plan names its source row and its target as text references so that a form or an API call can carry
it: source "capacity:<id>", "allocation:<id>" or "budget:<id>"; target "mode:<id>" or "initiative:<id>".
`build()` validates and resolves them; `services.reallocate_apply()` writes the same plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

from bimodal.delivery.choices import InvestmentClass
from bimodal.delivery.models import Budget, CapacityAllocation, Initiative, TeamCapacity
from bimodal.portfolio.models import Mode

CAPACITY, ALLOCATION, BUDGET = "capacity", "allocation", "budget"
SOURCES = {CAPACITY: TeamCapacity, ALLOCATION: CapacityAllocation, BUDGET: Budget}


@dataclass
class Plan:
    """A reallocation: `quantity` moves from `source` to `target` (target may be a new, unsaved row)."""

    kind: str
    source_ref: str
    target_ref: str
    quantity: Decimal
    source: models.Model | None = field(default=None, repr=False)
    target: models.Model | None = field(default=None, repr=False)

    @property
    def unit(self) -> str:
        return "money" if self.kind == BUDGET else "fte"


def _split(ref: str, allowed: set[str], name: str) -> tuple[str, int]:
    kind, _, pk = (ref or "").partition(":")
    if kind not in allowed or not pk.isdigit():
        raise ValidationError({name: f"Choose a {name}."})
    return kind, int(pk)


def build(*, source: str, target: str, quantity) -> Plan:
    """Validate and resolve a plan (nothing is written)."""
    kind, source_pk = _split(source, set(SOURCES), "source")
    try:
        quantity = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        raise ValidationError({"quantity": "Enter a number."}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError({"quantity": "Move a positive quantity."})
    row = SOURCES[kind].objects.filter(pk=source_pk).select_related("mode").first()
    if row is None:
        raise ValidationError({"source": "That source does not exist."})
    available = row.amount if kind == BUDGET else row.fte
    if quantity > available:
        raise ValidationError({"quantity": f"The source holds only {available}."})
    target_kind, target_pk = _split(
        target, {"mode", "initiative"} if kind != CAPACITY else {"mode"}, "target"
    )
    if target_kind == "mode":
        mode = Mode.objects.filter(pk=target_pk).first()
        if mode is None:
            raise ValidationError({"target": "That mode does not exist."})
        initiative = None
    else:
        initiative = Initiative.objects.filter(pk=target_pk).select_related("mode").first()
        if initiative is None:
            raise ValidationError({"target": "That initiative does not exist."})
        mode = initiative.mode
    new = _target_row(kind, row, mode=mode, initiative=initiative)
    if new.pk == row.pk and new.pk is not None:
        raise ValidationError({"target": "The target is the source itself."})
    return Plan(kind=kind, source_ref=source, target_ref=target, quantity=quantity, source=row, target=new)


def _target_row(kind: str, source, *, mode: Mode, initiative: Initiative | None):
    """The row that receives the quantity: existing, or a new unsaved one."""
    if kind == CAPACITY:
        lookup = {"team_id": source.team_id, "fiscal_year": source.fiscal_year, "mode": mode}
        return TeamCapacity.objects.filter(**lookup).first() or TeamCapacity(fte=Decimal(0), **lookup)
    if kind == ALLOCATION:
        if initiative is not None:
            lookup = {"team_id": source.team_id, "fiscal_year": source.fiscal_year, "initiative": initiative}
            extra = {"mode": initiative.mode, "investment_class": initiative.investment_class}
        else:
            lookup = {
                "team_id": source.team_id,
                "fiscal_year": source.fiscal_year,
                "initiative": None,
                "mode": mode,
                "investment_class": InvestmentClass.RUN,
            }
            extra = {}
        return CapacityAllocation.objects.filter(**lookup).first() or CapacityAllocation(
            fte=Decimal(0), **lookup, **extra
        )
    if initiative is not None:
        lookup = {"fiscal_year": source.fiscal_year, "initiative": initiative}
        extra = {"mode": initiative.mode, "investment_class": initiative.investment_class}
    else:
        lookup = {
            "fiscal_year": source.fiscal_year,
            "initiative": None,
            "mode": mode,
            "investment_class": source.investment_class,
        }
        extra = {}
    return Budget.objects.filter(**lookup).first() or Budget(amount=Decimal(0), **lookup, **extra)


def resolve(plan: Plan) -> Plan:
    """The same plan, validated again against the rows as they are now."""
    return build(source=plan.source_ref, target=plan.target_ref, quantity=plan.quantity)


def capacity_adjustments(plan: Plan) -> list[tuple[int, int, str, Decimal]]:
    """(team, mode, "supply"|"demand", delta) the plan makes to the capacity roll-up."""
    if plan.kind == CAPACITY:
        key = "supply"
    elif plan.kind == ALLOCATION:
        key = "demand"
    else:
        return []
    return [
        (plan.source.team_id, plan.source.mode_id, key, -plan.quantity),
        (plan.target.team_id, plan.target.mode_id, key, plan.quantity),
    ]


def budget_adjustments(plan: Plan) -> list[tuple[int, str, int | None, Decimal]]:
    """(mode, investment class, initiative or None, delta) the plan makes to budgets."""
    if plan.kind != BUDGET:
        return []
    s, t = plan.source, plan.target
    return [
        (s.mode_id, s.investment_class, s.initiative_id, -plan.quantity),
        (t.mode_id, t.investment_class, t.initiative_id, plan.quantity),
    ]

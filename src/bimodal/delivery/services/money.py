"""Money and people: budgets, actuals, team capacity and allocations by mode and investment class."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from bimodal.core.models import Actor, Team, User
from bimodal.core.services import (
    create_audited,
    put_audited,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.delivery import whatif
from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Initiative,
    TeamCapacity,
)
from bimodal.portfolio.models import Mode

# --- money ----------------------------------------------------------------------------------------


def _budget_put(
    *,
    actor: Actor,
    fiscal_year: int,
    mode: Mode | None,
    investment_class: str,
    initiative: Initiative | None = None,
    amount: Decimal,
    note: str = "",
) -> Budget:
    if initiative is not None:
        mode, investment_class = initiative.mode, initiative.investment_class
    lookup: dict[str, Any] = {"fiscal_year": fiscal_year, "initiative": initiative}
    if initiative is None:
        lookup |= {"mode": mode, "investment_class": investment_class}
    return put_audited(
        Budget,
        actor=actor,
        lookup=lookup,
        fields={"amount": amount, **({"note": note} if note else {})},  # a blank note keeps the one there
        defaults={"mode": mode, "investment_class": investment_class},
        verb=AuditVerb.BUDGET_SET,
        update_verb=AuditVerb.BUDGET_UPDATE,
    )


@transactional
def budget_set(
    *,
    actor: User,
    fiscal_year: int,
    amount: Decimal,
    mode: Mode | None = None,
    investment_class: str = "",
    initiative: Initiative | None = None,
    note: str = "",
) -> Budget:
    """Set a mode's envelope for an investment class, or an initiative's budget, for a year."""
    require_perm(actor, "delivery.add_budget")
    require_perm(actor, "delivery.change_budget")
    if initiative is None and (mode is None or not investment_class):
        raise ValidationError({"mode": "A mode envelope needs a mode and an investment class."})
    return _budget_put(
        actor=actor,
        fiscal_year=fiscal_year,
        mode=mode,
        investment_class=investment_class,
        initiative=initiative,
        amount=amount,
        note=note,
    )


@transactional
def actual_record(
    *,
    actor: User,
    period: date,
    amount: Decimal,
    mode: Mode | None = None,
    investment_class: str = "",
    initiative: Initiative | None = None,
    description: str = "",
) -> Actual:
    """Record money spent in a month (on an initiative, or on running a mode's services)."""
    require_perm(actor, "delivery.add_actual")
    if initiative is not None:
        mode, investment_class = initiative.mode, initiative.investment_class
    if mode is None or not investment_class:
        raise ValidationError({"mode": "Spend outside an initiative needs a mode and an investment class."})
    period = period.replace(day=1)
    return create_audited(
        Actual(
            period=period,
            fiscal_year=period.year,
            mode=mode,
            investment_class=investment_class,
            initiative=initiative,
            amount=amount,
            description=description,
            recorded_by=actor,
        ),
        actor=actor,
        verb=AuditVerb.ACTUAL_RECORD,
    )


# --- people ---------------------------------------------------------------------------------------


@transactional
def capacity_set(*, actor: User, team: Team, fiscal_year: int, mode: Mode, fte: Decimal) -> TeamCapacity:
    """Set how many FTE a team gives to a mode in a year (the supply)."""
    require_perm(actor, "delivery.add_teamcapacity")
    require_perm(actor, "delivery.change_teamcapacity")
    return put_audited(
        TeamCapacity,
        actor=actor,
        lookup={"team": team, "fiscal_year": fiscal_year, "mode": mode},
        fields={"fte": fte},
        verb=AuditVerb.CAPACITY_SET,
        update_verb=AuditVerb.CAPACITY_UPDATE,
    )


def _allocation_put(
    *,
    actor: Actor,
    team: Team,
    fiscal_year: int,
    mode: Mode | None,
    investment_class: str,
    initiative: Initiative | None = None,
    fte: Decimal,
    note: str = "",
) -> CapacityAllocation:
    if initiative is not None:
        mode, investment_class = initiative.mode, initiative.investment_class
    lookup: dict[str, Any] = {"team": team, "fiscal_year": fiscal_year, "initiative": initiative}
    if initiative is None:
        lookup |= {"mode": mode, "investment_class": investment_class}
    return put_audited(
        CapacityAllocation,
        actor=actor,
        lookup=lookup,
        fields={"fte": fte, **({"note": note} if note else {})},  # a blank note keeps the one there
        defaults={"mode": mode, "investment_class": investment_class},
        verb=AuditVerb.ALLOCATION_SET,
        update_verb=AuditVerb.ALLOCATION_UPDATE,
    )


@transactional
def allocation_set(
    *,
    actor: User,
    team: Team,
    fiscal_year: int,
    fte: Decimal,
    mode: Mode | None = None,
    investment_class: str = "",
    initiative: Initiative | None = None,
    note: str = "",
) -> CapacityAllocation:
    """Ask for a team's FTE for an initiative, or for running a mode's services (the demand for people)."""
    require_perm(actor, "delivery.add_capacityallocation")
    require_perm(actor, "delivery.change_capacityallocation")
    if initiative is None and (mode is None or not investment_class):
        raise ValidationError(
            {"mode": "An allocation outside an initiative needs a mode and an investment class."}
        )
    return _allocation_put(
        actor=actor,
        team=team,
        fiscal_year=fiscal_year,
        mode=mode,
        investment_class=investment_class,
        initiative=initiative,
        fte=fte,
        note=note,
    )


@transactional
def reallocate_apply(
    *, actor: User, plan: whatif.Plan, reason: str = ""
) -> tuple[models.Model, models.Model]:
    """Apply a what-if (see whatif.py) that was previewed: move the quantity from its source row to its
    target row, both audited with the reason."""

    perm = {
        whatif.CAPACITY: "delivery.change_teamcapacity",
        whatif.ALLOCATION: "delivery.change_capacityallocation",
        whatif.BUDGET: "delivery.change_budget",
    }[plan.kind]
    require_perm(actor, perm)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the reallocation is made."})
    plan = whatif.resolve(plan)  # re-validated against the rows as they are now
    field = "amount" if plan.kind == whatif.BUDGET else "fte"
    if plan.source is None or plan.target is None:  # resolve() names both rows or raises
        raise ValidationError({"source": "The reallocation names no source or target."})
    source = type(plan.source)._default_manager.select_for_update(no_key=True).get(pk=plan.source.pk)
    if getattr(source, field) < plan.quantity:
        raise ValidationError({"quantity": f"The source holds only {getattr(source, field)}."})
    update_audited(
        source,
        actor=actor,
        fields={field: getattr(source, field) - plan.quantity},
        reason=reason,
        verb=AuditVerb.REALLOCATE_FROM,
    )
    target = plan.target
    if target.pk is None:
        setattr(target, field, plan.quantity)
        target = create_audited(target, actor=actor, reason=reason, verb=AuditVerb.REALLOCATE_TO)
    else:
        target = type(target)._default_manager.select_for_update(no_key=True).get(pk=target.pk)
        target = update_audited(
            target,
            actor=actor,
            fields={field: getattr(target, field) + plan.quantity},
            reason=reason,
            verb=AuditVerb.REALLOCATE_TO,
        )
    return source, target

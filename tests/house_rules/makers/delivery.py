"""Makers of delivery rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bimodal.delivery.models import (
    Actual,
    Budget,
    CapacityAllocation,
    Epic,
    GateCriterion,
    InitiativeDependency,
    InitiativeRisk,
    Milestone,
    Phase,
    ScoringModel,
    Sprint,
    StageGate,
    Story,
    TeamCapacity,
)
from bimodal.delivery.tests.factories import DemandFactory, InitiativeFactory
from bimodal.portfolio.tests.factories import mode
from tests.house_rules.makers.base import Side, _numbers, maker
from tests.house_rules.makers.catalogue import _team

# --- delivery --------------------------------------------------------------------------------------------


def _initiative(side: Side, **fields):
    values = {
        "reference": f"INI-{side.label.upper()}{next(_numbers)}",
        "name": side.name("initiative"),
        "org_unit": side.org_unit,
        "owner": side.owner,
        "team": side.team,
    }
    initiative = InitiativeFactory(**{**values, **fields})
    initiative.services.set([side.service])
    return initiative


@maker("delivery.ScoringModel")
def _scoring_model(side: Side):
    return ScoringModel.objects.create(
        version=1000 + next(_numbers), note=side.name("weights"), created_by=side.admin
    )


@maker("delivery.Demand")
def _demand(side: Side):
    return DemandFactory(
        reference=f"DEM-{side.label.upper()}{next(_numbers)}",
        title=side.name("demand"),
        requester=side.requester,
        org_unit=side.org_unit,
        service=side.service,
        team=side.team,
        scoring_model=ScoringModel.objects.order_by("version").first(),
    )


@maker("delivery.Initiative")
def _initiative_maker(side: Side):
    return _initiative(side)


def _phase(side: Side) -> Phase:
    initiative = _initiative(side, approach="waterfall")
    return Phase.objects.create(initiative=initiative, kind="initiation", order=1)


@maker("delivery.Phase")
def _phase_maker(side: Side):
    phase = _phase(side)
    StageGate.objects.create(phase=phase, name=side.name("gate"), decided_by=side.owner)
    return phase


@maker("delivery.StageGate")
def _gate(side: Side):
    gate = StageGate.objects.create(phase=_phase(side), name=side.name("gate"), decided_by=side.owner)
    GateCriterion.objects.create(gate=gate, name=side.name("criterion"), met_by=side.member)
    return gate


@maker("delivery.GateCriterion")
def _gate_criterion(side: Side):
    gate = StageGate.objects.create(phase=_phase(side), name=side.name("gate"))
    return GateCriterion.objects.create(gate=gate, name=side.name("criterion"), met_by=side.member)


@maker("delivery.Milestone")
def _milestone(side: Side):
    today = timezone.localdate()
    return Milestone.objects.create(
        initiative=_initiative(side), name=side.name("milestone"), baseline_date=today, forecast_date=today
    )


@maker("delivery.Epic")
def _epic(side: Side):
    return Epic.objects.create(initiative=_initiative(side), title=side.name("epic"))


@maker("delivery.Sprint")
def _sprint(side: Side):
    today = timezone.localdate()
    return Sprint.objects.create(
        initiative=_initiative(side), name=side.name("sprint"), start=today, end=today + timedelta(days=14)
    )


@maker("delivery.Story")
def _story(side: Side):
    initiative = _initiative(side)
    epic = Epic.objects.create(initiative=initiative, title=side.name("epic"))
    return Story.objects.create(
        initiative=initiative, epic=epic, title=side.name("story"), assignee=side.member
    )


@maker("delivery.InitiativeRisk")
def _risk(side: Side):
    return InitiativeRisk.objects.create(
        initiative=_initiative(side), title=side.name("risk"), owner=side.owner
    )


@maker("delivery.InitiativeDependency")
def _initiative_dependency(side: Side):
    return InitiativeDependency.objects.create(
        initiative=_initiative(side), depends_on=_initiative(side), description=side.name("needs")
    )


@maker("delivery.Budget")
def _budget(side: Side):
    initiative = _initiative(side)
    return Budget.objects.create(
        fiscal_year=timezone.localdate().year,
        mode=initiative.mode,
        investment_class="grow",
        initiative=initiative,
        amount=Decimal("1000"),
        note=side.name("budget"),
    )


@maker("delivery.Actual")
def _actual(side: Side):
    initiative = _initiative(side)
    today = timezone.localdate()
    return Actual.objects.create(
        period=today.replace(day=1),
        fiscal_year=today.year,
        mode=initiative.mode,
        investment_class="grow",
        initiative=initiative,
        amount=Decimal("10"),
        description=side.name("spend"),
        recorded_by=side.owner,
    )


@maker("delivery.TeamCapacity")
def _capacity(side: Side):
    return TeamCapacity.objects.create(
        team=_team(side), fiscal_year=timezone.localdate().year, mode=mode("mode-1"), fte=Decimal("3")
    )


@maker("delivery.CapacityAllocation")
def _allocation(side: Side):
    initiative = _initiative(side)
    return CapacityAllocation.objects.create(
        team=side.team,
        fiscal_year=timezone.localdate().year,
        mode=initiative.mode,
        investment_class="grow",
        initiative=initiative,
        fte=Decimal("1"),
        note=side.name("allocation"),
    )

"""Makers of changes, suppliers and service desk rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bimodal.changes.models import Change, ChangeApproval, ChangeWindow, Release, StandardChangeTemplate
from bimodal.core.tests.factories import SupplierFactory
from bimodal.governance.tests.factories import (
    ForumFactory,
)
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory
from bimodal.people.models import Skill
from bimodal.portfolio.tests.factories import mode
from bimodal.servicedesk.models import RoutingRule, TicketHandoff
from bimodal.servicedesk.tests.factories import CatalogueItemFactory, ScheduleFactory, SlaDefinitionFactory
from bimodal.suppliers.models import MspCandidate, MspEvaluation, MspRequirement
from bimodal.suppliers.tests.factories import ContractFactory
from tests.house_rules.makers.base import Side, _numbers, maker

# --- changes ---------------------------------------------------------------------------------------------


@maker("changes.Change")
def _change(side: Side):
    reference = f"CHG-{side.label.upper()}{next(_numbers)}"
    change = Change.objects.create(
        reference=reference,
        title=side.name("change"),
        requester=side.member,
        approver_forum=ForumFactory(name=side.name("cab"), slug=side.name("cab")),
    )
    change.services.set([side.service])
    ChangeApproval.objects.create(
        change=change, approver=side.owner, vote="approve", created_at=timezone.now()
    )
    return change


@maker("changes.ChangeWindow")
def _window(side: Side):
    start = timezone.now() + timedelta(days=7)
    window = ChangeWindow.objects.create(
        name=side.name("window"), start=start, end=start + timedelta(hours=4)
    )
    window.modes.set([mode("mode-1")])
    window.services.set([side.service])
    return window


@maker("changes.Release")
def _release(side: Side):
    release = Release.objects.create(
        mode=side.service.mode,
        name=side.name("release"),
        planned_date=timezone.localdate() + timedelta(days=30),
        notes=side.name("notes"),
    )
    return release


@maker("changes.StandardChangeTemplate")
def _template(side: Side):
    template = StandardChangeTemplate.objects.create(
        key=side.name("template"),
        name=side.name("template"),
        status="approved",
        implementation_plan="Restart",
        backout_plan="Undo",
        test_plan="Smoke tests",
        owner=side.owner,
        review_date=timezone.localdate() + timedelta(days=90),
    )
    template.services.set([side.service])
    return template


@maker("changes.Deployment")
def _deployment(side: Side):
    return DeploymentFactory(service=side.service, change=_change(side), version=side.name("v"))


# --- suppliers -------------------------------------------------------------------------------------------


@maker("suppliers.Supplier")
def _supplier(side: Side):
    name = side.name("supplier")
    supplier = SupplierFactory(name=name, slug=name, relationship_owner=side.owner)
    supplier.skills.add(Skill.objects.create(name=side.name("skill"), slug=side.name("skill")))
    return supplier


@maker("suppliers.Contract")
def _contract(side: Side):
    today = timezone.localdate()
    contract = ContractFactory(
        supplier=side.supplier,
        reference=f"CT-{side.label.upper()}{next(_numbers)}",
        title=side.name("contract"),
        status="active",
        start_date=today - timedelta(days=100),
        end_date=today + timedelta(days=265),
        owner=side.owner,
        schedule=ScheduleFactory(name=side.name("schedule"), slug=side.name("schedule")),
    )
    contract.services.set([side.service])
    return contract


@maker("suppliers.MspEvaluation")
def _evaluation(side: Side):
    name = side.name("evaluation")
    evaluation = MspEvaluation.objects.create(name=name, slug=name, owner=side.owner)
    evaluation.services.set([side.service])
    skill = Skill.objects.create(name=side.name("skill"), slug=side.name("skill"))
    MspRequirement.objects.create(evaluation=evaluation, skill=skill)
    MspCandidate.objects.create(evaluation=evaluation, supplier=side.supplier, annual_cost=Decimal("1000"))
    return evaluation


# --- service desk ----------------------------------------------------------------------------------------


def _ticket(side: Side, **fields):
    values = {
        "title": side.name("ticket"),
        "service": side.service,
        "requester": side.requester,
        "assignment_group": side.queue,
        "assignee": side.agent,
    }
    return TicketFactory(**{**values, **fields})


@maker("servicedesk.Ticket")
def _ticket_maker(side: Side):
    return _ticket(side)


@maker("servicedesk.TicketHandoff")
def _handoff(side: Side):
    ticket = _ticket(side)
    return TicketHandoff.objects.create(
        ticket=ticket,
        actor=side.desk_agent,
        from_team=side.desk,
        to_team=side.queue,
        to_supplier=side.supplier,
        reason=side.name("handoff"),
    )


@maker("servicedesk.CatalogueItem")
def _catalogue_item(side: Side):
    name = side.name("item")
    return CatalogueItemFactory(name=name, slug=name, service=side.service, fulfilment_group=side.queue)


@maker("servicedesk.RoutingRule")
def _routing_rule(side: Side):
    return RoutingRule.objects.create(name=side.name("rule"), service=side.service, group=side.desk)


@maker("servicedesk.SupportSchedule")
def _schedule(side: Side):
    name = side.name("schedule")
    return ScheduleFactory(name=name, slug=name)


@maker("servicedesk.SlaDefinition")
def _sla_definition(side: Side):
    return SlaDefinitionFactory(
        name=side.name("sla"),
        mode=mode("mode-1"),
        escalation_team=side.desk,
        schedule=ScheduleFactory(name=side.name("schedule"), slug=side.name("schedule")),
    )

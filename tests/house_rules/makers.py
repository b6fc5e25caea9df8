"""One maker per model that pages or API endpoints list: `MAKERS["app.Model"](side)` creates one new row,
with the relations its list and detail show filled in (so a missing select_related shows up as extra
queries), belonging to one "side" of the organisation.

A side is one supplier with its queue, an internal team that owns a live service the supplier supports,
and people in the roles whose view is restricted. Rows are written directly or with the apps' factory_boy
factories (the services are tested elsewhere; these are fixtures), and each name carries the side's label,
so another side's rows can be recognised in a response.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from bimodal.changes.models import Change, ChangeApproval, ChangeWindow
from bimodal.core import audit
from bimodal.core.models import Notification, OrgUnit, Team, User
from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory, UserFactory
from bimodal.core.verbs import AuditVerb
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
from bimodal.governance import routing
from bimodal.governance.models import DecisionRequest, Policy
from bimodal.governance.tests.factories import (
    DecisionRightFactory,
    DecisionTypeFactory,
    ForumFactory,
    MeetingFactory,
)
from bimodal.insights.models import MaturityAssessment, MaturityScore, Transition
from bimodal.insights.tests.factories import CapabilityAreaFactory, DeploymentFactory, TicketFactory
from bimodal.integrations.models import Commit, PullRequest, WebhookDelivery
from bimodal.integrations.tests.factories import RepositoryFactory
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio.models import (
    Assessment,
    BusinessCapability,
    Criterion,
    MigrationPathway,
    Mode,
    PathwayStep,
    Questionnaire,
    ReadinessCriterion,
    ReclassificationProposal,
    RegulatoryTag,
    Service,
)
from bimodal.portfolio.tests.factories import DependencyFactory, ServiceFactory, mode
from bimodal.registers.models import CloudCost, ReviewTask
from bimodal.registers.tests.factories import AIUseCaseFactory, CloudAccountFactory, LowCodeAppFactory
from bimodal.servicedesk.models import TicketHandoff
from bimodal.servicedesk.tests.factories import CatalogueItemFactory, ScheduleFactory, SlaDefinitionFactory
from bimodal.suppliers.models import MspCandidate, MspEvaluation, MspRequirement, Supplier
from bimodal.suppliers.tests.factories import ContractFactory

_numbers = itertools.count(1)


@dataclass
class Side:
    """One supplier's part of the organisation and the people whose view of it is restricted."""

    label: str
    admin: User
    supplier: Supplier
    org_unit: OrgUnit
    team: Team  # internal team owning `service`: `owner` leads it, `member` is in it
    desk: Team  # a service-desk group with `desk_agent` in it
    queue: Team  # the supplier's queue with `agent` in it
    service: Service
    owner: User
    member: User
    requester: User
    desk_agent: User
    agent: User

    def name(self, kind: str) -> str:
        """A name unique in the database that says which side it belongs to."""
        return f"{self.label}-{kind}-{next(_numbers)}"

    @property
    def people(self) -> dict[str, User]:
        return {
            "owner": self.owner,
            "member": self.member,
            "requester": self.requester,
            "desk_agent": self.desk_agent,
            "agent": self.agent,
        }


def make_side(label: str, admin: User) -> Side:
    """A supplier, its queue and agent, an internal team owning a live Mode 1 service it supports, a
    service-desk group, and a person in each restricted role."""
    supplier = SupplierFactory(name=f"{label} supplier", slug=f"{label}-supplier")
    org_unit = OrgUnitFactory(name=f"{label} division", slug=f"{label}-division")
    owner = UserFactory(username=f"{label}-owner", roles=["service_owner"])
    member = UserFactory(username=f"{label}-member", roles=["product_team_member"])
    requester = UserFactory(username=f"{label}-requester", roles=["requester"])
    desk_agent = UserFactory(username=f"{label}-desk", roles=["service_desk_agent"])
    agent = UserFactory(username=f"{label}-agent", roles=["supplier_agent"], supplier=supplier)
    team = TeamFactory(
        name=f"{label} team", slug=f"{label}-team", org_unit=org_unit, lead=owner, members=[owner, member]
    )
    desk = TeamFactory(name=f"{label} desk", slug=f"{label}-desk", org_unit=org_unit, members=[desk_agent])
    queue = TeamFactory(
        name=f"{label} queue", slug=f"{label}-queue", org_unit=org_unit, supplier=supplier, members=[agent]
    )
    service = ServiceFactory(
        name=f"{label} service",
        slug=f"{label}-service",
        owner_team=team,
        service_owner=owner,
        supplier=supplier,
        mode=mode("mode-1"),
    )
    return Side(
        label,
        admin,
        supplier,
        org_unit,
        team,
        desk,
        queue,
        service,
        owner,
        member,
        requester,
        desk_agent,
        agent,
    )


MAKERS: dict[str, Callable[[Side], models.Model]] = {}


def maker(label: str):
    def register(fn):
        MAKERS[label] = fn
        return fn

    return register


def make(model: type[models.Model], side: Side) -> models.Model:
    return MAKERS[model._meta.label](side)


# --- core ------------------------------------------------------------------------------------------------


@maker("core.OrgUnit")
def _org_unit(side: Side):
    name = side.name("unit")
    return OrgUnitFactory(name=name, slug=name, parent=side.org_unit, head=side.owner)


@maker("core.Team")
def _team(side: Side):
    name = side.name("team")
    return TeamFactory(
        name=name,
        slug=name,
        org_unit=side.org_unit,
        lead=side.owner,
        supplier=side.supplier,
        members=[side.member, side.agent],
    )


@maker("core.AuditEntry")
def _audit_entry(side: Side):
    with transaction.atomic():
        return audit.record(
            actor=side.owner,
            action="update",
            obj=side.service,
            before={"description": ""},
            after={"description": side.name("audited")},
            reason=side.name("reason"),
            verb=AuditVerb.SERVICE_UPDATE,
        )


@maker("core.Notification")
def _notification(side: Side):
    return Notification.objects.create(recipient=side.requester, subject=side.name("notification"), url="/")


# --- portfolio -------------------------------------------------------------------------------------------


def _service(side: Side, **fields) -> Service:
    name = side.name("service")
    tag = RegulatoryTag.objects.create(name=side.name("regulation"))
    capability = BusinessCapability.objects.create(name=side.name("capability"))
    values = {
        "name": name,
        "slug": name,
        "owner_team": side.team,
        "service_owner": side.owner,
        "supplier": side.supplier,
        "capability": capability,
        "mode": mode("mode-1"),
    }
    service = ServiceFactory(**{**values, **fields})
    service.regulatory_tags.add(tag)
    return service


@maker("portfolio.Service")
def _service_maker(side: Side):
    return _service(side)


@maker("portfolio.ServiceDependency")
def _dependency(side: Side):
    return DependencyFactory(source=_service(side), target=side.service)


@maker("portfolio.Mode")
def _mode(side: Side):
    name = side.name("mode")
    return Mode.objects.create(key=name, name=name, short_name=name[:20], order=50 + next(_numbers))


@maker("portfolio.BusinessCapability")
def _capability(side: Side):
    parent = BusinessCapability.objects.create(name=side.name("parent-capability"))
    return BusinessCapability.objects.create(name=side.name("capability"), parent=parent)


@maker("portfolio.RegulatoryTag")
def _regulatory_tag(side: Side):
    return RegulatoryTag.objects.create(name=side.name("regulation"))


@maker("portfolio.Questionnaire")
def _questionnaire(side: Side):
    questionnaire = Questionnaire.objects.create(
        version=1000 + next(_numbers), name=side.name("questionnaire")
    )
    Criterion.objects.create(
        questionnaire=questionnaire,
        key="cost",
        label="Cost of change",
        dimension=Criterion._meta.get_field("dimension").choices[0][0],
        options=[
            {"value": "low", "label": "Low", "score": 0},
            {"value": "high", "label": "High", "score": 4},
        ],
    )
    return questionnaire


def _published_questionnaire() -> Questionnaire:
    return Questionnaire.objects.get(status="published")


@maker("portfolio.Assessment")
def _assessment(side: Side):
    service = _service(side)
    questionnaire = _published_questionnaire()
    criterion = questionnaire.criteria.order_by("order", "pk").first()
    return Assessment.objects.create(
        service=service,
        questionnaire=questionnaire,
        answers={criterion.key: criterion.options[0]["value"]},
        assessed_by=side.owner,
        current_mode=service.mode,
        recommended_mode=mode("mode-2"),
        notes=side.name("assessment"),
    )


@maker("portfolio.ReclassificationProposal")
def _proposal(side: Side):
    service = _service(side)
    return ReclassificationProposal.objects.create(
        service=service,
        from_mode=service.mode,
        to_mode=mode("mode-2"),
        reason=side.name("proposal"),
        proposed_by=side.owner,
    )


@maker("portfolio.MigrationPathway")
def _pathway(side: Side):
    service = _service(side)
    pathway = MigrationPathway.objects.create(
        service=service,
        title=side.name("pathway"),
        from_mode=service.mode,
        to_mode=mode("mode-2"),
        owner=side.owner,
    )
    PathwayStep.objects.create(pathway=pathway, title=side.name("step"), owner=side.member)
    ReadinessCriterion.objects.create(pathway=pathway, label=side.name("readiness"))
    return pathway


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


# --- governance ------------------------------------------------------------------------------------------


@maker("governance.Forum")
def _forum(side: Side):
    name = side.name("forum")
    return ForumFactory(name=name, slug=name, chair=side.owner, members=[side.owner, side.member])


@maker("governance.Policy")
def _policy(side: Side):
    name = side.name("policy")
    return Policy.objects.create(
        key=name,
        name=name,
        effect="require_approval",
        expression="change.risk_score > 1000",
        approver_forum=_forum(side),
        created_by=side.owner,
    )


@maker("governance.DecisionType")
def _decision_type(side: Side):
    name = side.name("decision").replace("-", "_")
    return DecisionTypeFactory(key=name, name=name)


@maker("governance.DecisionRight")
def _decision_right(side: Side):
    return DecisionRightFactory(
        decision_type=_decision_type(side),
        org_unit=side.org_unit,
        party_kind="team",
        role="",
        team=side.team,
        raci="R",
    )


@maker("governance.DecisionRequest")
def _decision_request(side: Side):
    decision_type = _decision_type(side)
    return DecisionRequest.objects.create(
        decision_type=decision_type,
        route=routing.route(decision_type=decision_type, org_unit=side.org_unit).to_dict(),
        org_unit=side.org_unit,
        mode=mode("mode-1"),
        title=side.name("decision"),
        requested_by=side.owner,
        requested_at=timezone.now(),
        forum=_forum(side),
        content_type=ContentType.objects.get_for_model(Service),
        object_id=side.service.pk,
    )


@maker("governance.Meeting")
def _meeting(side: Side):
    meeting = MeetingFactory(forum=_forum(side))
    meeting.attendees.set([side.owner])
    return meeting


# --- registers -------------------------------------------------------------------------------------------


@maker("registers.LowCodeApp")
def _low_code(side: Side):
    name = side.name("app")
    app = LowCodeAppFactory(
        name=name, slug=name, owner=side.member, owner_team=side.team, business_unit=side.org_unit
    )
    app.integrations.set([side.service])
    return app


@maker("registers.AIUseCase")
def _ai(side: Side):
    name = side.name("ai")
    use_case = AIUseCaseFactory(name=name, slug=name, owner=side.member, owner_team=side.team)
    use_case.services.set([side.service])
    return use_case


@maker("registers.CloudAccount")
def _cloud_account(side: Side):
    name = side.name("account")
    account = CloudAccountFactory(
        name=name, slug=name, owner=side.member, owner_team=side.team, account_ref=name
    )
    account.services.set([side.service])
    return account


@maker("registers.CloudCost")
def _cloud_cost(side: Side):
    month = timezone.localdate().replace(day=1)
    return CloudCost.objects.create(account=_cloud_account(side), month=month, amount=Decimal("123.45"))


@maker("registers.ReviewTask")
def _review_task(side: Side):
    app = _low_code(side)
    return ReviewTask.objects.create(
        register="low_code",
        object_id=app.pk,
        item_name=app.name,
        item_url=app.get_absolute_url(),
        assignee=side.member,
        due_on=timezone.localdate(),
    )


# --- people ----------------------------------------------------------------------------------------------


@maker("people.Skill")
def _skill(side: Side):
    name = side.name("skill")
    return Skill.objects.create(name=name, slug=name)


@maker("people.Proficiency")
def _proficiency(side: Side):
    return Proficiency.objects.create(
        person=side.member, skill=_skill(side), proficiency_level=2, assessed_by=side.owner
    )


@maker("people.SkillRequirement")
def _requirement(side: Side):
    return SkillRequirement.objects.create(
        skill=_skill(side), service=side.service, min_level=2, headcount=1, notes=side.name("need")
    )


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


# --- integrations ----------------------------------------------------------------------------------------


def _repository(side: Side):
    return RepositoryFactory(full_name=f"org/{side.name('repo')}", service=side.service)


@maker("integrations.Repository")
def _repository_maker(side: Side):
    return _repository(side)


@maker("integrations.WebhookDelivery")
def _webhook_delivery(side: Side):
    return WebhookDelivery.objects.create(
        provider="github",
        delivery_id=side.name("delivery"),
        event="push",
        outcome="processed",
        repository=_repository(side),
    )


@maker("integrations.Commit")
def _commit(side: Side):
    sha = f"{next(_numbers):040x}"
    return Commit.objects.create(
        repository=_repository(side), sha=sha, authored_at=timezone.now(), message=side.name("commit")
    )


@maker("integrations.PullRequest")
def _pull_request(side: Side):
    return PullRequest.objects.create(
        repository=_repository(side),
        number=next(_numbers),
        title=side.name("pull"),
        created_at=timezone.now(),
    )


# --- insights --------------------------------------------------------------------------------------------


@maker("insights.Transition")
def _transition(side: Side):
    ticket = _ticket(side)
    return Transition.objects.create(
        stream="ticket",
        kind="incident",
        object_id=ticket.pk,
        reference=ticket.number,
        service=side.service,
        to_state="new",
        party=side.queue.name,
    )


@maker("insights.CapabilityArea")
def _capability_area(side: Side):
    name = side.name("area")
    return CapabilityAreaFactory(name=name, slug=name)


@maker("insights.MaturityAssessment")
def _maturity(side: Side):
    assessment = MaturityAssessment.objects.create(
        org_unit=_org_unit(side), assessed_by=side.owner, notes=side.name("maturity")
    )
    MaturityScore.objects.create(assessment=assessment, area=_capability_area(side), score=2, target=3)
    return assessment

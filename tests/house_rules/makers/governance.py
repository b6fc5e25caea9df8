"""Makers of governance, registers and people rows."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bimodal.governance import routing
from bimodal.governance.models import DecisionRequest, Policy
from bimodal.governance.tests.factories import (
    DecisionRightFactory,
    DecisionTypeFactory,
    ForumFactory,
    MeetingFactory,
)
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio.models import (
    Service,
)
from bimodal.portfolio.tests.factories import mode
from bimodal.registers.models import CloudCost, ReviewTask
from bimodal.registers.tests.factories import AIUseCaseFactory, CloudAccountFactory, LowCodeAppFactory
from tests.house_rules.makers.base import Side, maker

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

"""Makers of core and portfolio rows."""

from __future__ import annotations

from django.db import transaction

from bimodal.core import audit
from bimodal.core.models import Notification
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory
from bimodal.core.verbs import AuditVerb
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
from tests.house_rules.makers.base import Side, _numbers, maker

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

"""Makers of integrations and insights rows."""

from __future__ import annotations

from django.utils import timezone

from bimodal.insights.models import MaturityAssessment, MaturityScore, Transition
from bimodal.insights.tests.factories import CapabilityAreaFactory
from bimodal.integrations.models import Commit, PullRequest, WebhookDelivery
from bimodal.integrations.tests.factories import RepositoryFactory
from tests.house_rules.makers.base import Side, _numbers, maker
from tests.house_rules.makers.catalogue import _org_unit
from tests.house_rules.makers.operations import _ticket

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

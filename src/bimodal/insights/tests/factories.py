"""Factories of the insights tests: deployments, incidents, commits and transitions written directly."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from bimodal.changes.models import Deployment
from bimodal.core.tests.factories import UserFactory
from bimodal.insights.models import CapabilityArea
from bimodal.integrations.models import Commit, DeploymentCommit, Repository
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.servicedesk.models import Ticket


def at(day: int, hour: float = 0, month: int = 1, year: int = 2026) -> datetime:
    """2026-01-<day> <hour>:00 UTC (hours may be fractional)."""
    return datetime(year, month, day, tzinfo=UTC).replace(hour=int(hour), minute=int((hour % 1) * 60))


class DeploymentFactory(factory.django.DjangoModelFactory):
    """A successful production deployment without a change (as a webhook reports it)."""

    class Meta:
        model = Deployment

    service = factory.SubFactory(ServiceFactory)
    environment = "production"
    status = "succeeded"
    version = factory.Sequence(lambda n: f"v{n}")
    source = "api"


class TicketFactory(factory.django.DjangoModelFactory):
    """An incident."""

    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"INC9{n:05d}")
    ticket_type = "incident"
    title = factory.Sequence(lambda n: f"Incident {n}")
    service = factory.SubFactory(ServiceFactory)
    requester = factory.SubFactory(UserFactory)
    status = "new"


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repository

    provider = "github"
    full_name = factory.Sequence(lambda n: f"org/repo{n}")
    service = factory.SubFactory(ServiceFactory)
    webhook_secret = "s3cret"


def commit(repository: Repository, authored_at: datetime, *deployments: Deployment) -> Commit:
    """A commit contained in the given deployments."""
    row = Commit.objects.create(
        repository=repository, sha=f"{Commit.objects.count():040x}", authored_at=authored_at
    )
    for deployment in deployments:
        DeploymentCommit.objects.create(deployment=deployment, commit=row)
    return row


class CapabilityAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapabilityArea
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")

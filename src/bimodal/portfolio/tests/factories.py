"""factory_boy factories for portfolio models."""

import factory

from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio.models import Mode, Service, ServiceDependency


def mode(key: str = "mode-1") -> Mode:
    """One of the seeded modes (mode-1 or mode-2 of the bimodal preset)."""
    return Mode.objects.get(key=key)


class ServiceFactory(factory.django.DjangoModelFactory):
    """A live service in Mode 1 by default."""

    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    mode = factory.LazyFunction(mode)
    owner_team = factory.SubFactory(TeamFactory)
    lifecycle = "live"
    criticality = 2


class DependencyFactory(factory.django.DjangoModelFactory):
    """`source` depends on `target`."""

    class Meta:
        model = ServiceDependency

    source = factory.SubFactory(ServiceFactory)
    target = factory.SubFactory(ServiceFactory)
    kind = "runtime"

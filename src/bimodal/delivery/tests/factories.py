"""factory_boy factories for delivery models."""

from decimal import Decimal

import factory

from bimodal.core.tests.factories import OrgUnitFactory, UserFactory
from bimodal.delivery.models import Demand, Initiative
from bimodal.portfolio.tests.factories import mode


class DemandFactory(factory.django.DjangoModelFactory):
    """A draft demand in Mode 2."""

    class Meta:
        model = Demand

    reference = factory.Sequence(lambda n: f"DEM-T{n:04d}")
    title = factory.Sequence(lambda n: f"Demand {n}")
    requester = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    mode = factory.LazyFunction(lambda: mode("mode-2"))
    cost_estimate = Decimal("50000")


class InitiativeFactory(factory.django.DjangoModelFactory):
    """An agile initiative in Mode 2 (use services.initiative_create for waterfall phases and gates)."""

    class Meta:
        model = Initiative

    reference = factory.Sequence(lambda n: f"INI-T{n:03d}")
    name = factory.Sequence(lambda n: f"Initiative {n}")
    approach = "agile"
    mode = factory.LazyFunction(lambda: mode("mode-2"))
    org_unit = factory.SubFactory(OrgUnitFactory)
    owner = factory.SubFactory(UserFactory)

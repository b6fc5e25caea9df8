"""factory_boy factories for register items (created directly: services are tested separately)."""

import factory

from bimodal.core.tests.factories import OrgUnitFactory, UserFactory
from bimodal.registers.models import AIUseCase, CloudAccount, LowCodeApp


class LowCodeAppFactory(factory.django.DjangoModelFactory):
    """A low-code app in use."""

    class Meta:
        model = LowCodeApp

    name = factory.Sequence(lambda n: f"App {n}")
    slug = factory.Sequence(lambda n: f"app-{n}")
    owner = factory.SubFactory(UserFactory)
    business_unit = factory.SubFactory(OrgUnitFactory)
    platform = "power_apps"
    purpose = "Something useful"
    stage = "in_use"


class AIUseCaseFactory(factory.django.DjangoModelFactory):
    """An AI use case in use."""

    class Meta:
        model = AIUseCase

    name = factory.Sequence(lambda n: f"AI {n}")
    slug = factory.Sequence(lambda n: f"ai-{n}")
    owner = factory.SubFactory(UserFactory)
    purpose = "Helps"
    model_vendor = "Vendor"
    stage = "in_use"


class CloudAccountFactory(factory.django.DjangoModelFactory):
    """A cloud account in use."""

    class Meta:
        model = CloudAccount

    name = factory.Sequence(lambda n: f"Account {n}")
    slug = factory.Sequence(lambda n: f"account-{n}")
    provider = "aws"
    account_ref = factory.Sequence(lambda n: f"ref-{n}")
    owner = factory.SubFactory(UserFactory)
    stage = "in_use"

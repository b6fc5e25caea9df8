"""factory_boy factories for core models."""

import factory
from django.contrib.auth.models import Group

from bimodal.core.models import OrgUnit, Team, User
from bimodal.suppliers.models import Supplier


class UserFactory(factory.django.DjangoModelFactory):
    """A user; pass roles=["service_owner", …] to put them in role groups."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=str(role)) for role in extracted])


class SupplierFactory(factory.django.DjangoModelFactory):
    """A supplier."""

    class Meta:
        model = Supplier
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Supplier {n}")
    slug = factory.Sequence(lambda n: f"supplier-{n}")


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """An org unit."""

    class Meta:
        model = OrgUnit
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Division {n}")
    slug = factory.Sequence(lambda n: f"division-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    """A team; pass members=[user, …]."""

    class Meta:
        model = Team
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    org_unit = factory.SubFactory(OrgUnitFactory)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)

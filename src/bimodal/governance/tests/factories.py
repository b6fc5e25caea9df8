"""factory_boy factories for governance models."""

import factory
from django.utils import timezone

from bimodal.core.tests.factories import UserFactory
from bimodal.governance.models import DecisionRight, DecisionType, Forum, Meeting


class ForumFactory(factory.django.DjangoModelFactory):
    """A forum; pass members=[user, …]."""

    class Meta:
        model = Forum
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Forum {n}")
    slug = factory.Sequence(lambda n: f"forum-{n}")
    kind = "cab"
    quorum = 2

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class DecisionTypeFactory(factory.django.DjangoModelFactory):
    """A decision type."""

    class Meta:
        model = DecisionType
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"decide_{n}")
    name = factory.Sequence(lambda n: f"Decision {n}")


class DecisionRightFactory(factory.django.DjangoModelFactory):
    """A decision right (a role's, by default)."""

    class Meta:
        model = DecisionRight

    decision_type = factory.SubFactory(DecisionTypeFactory)
    party_kind = "role"
    role = "governance_lead"
    raci = "A"


class MeetingFactory(factory.django.DjangoModelFactory):
    """A planned meeting."""

    class Meta:
        model = Meeting

    forum = factory.SubFactory(ForumFactory)
    scheduled_for = factory.LazyFunction(timezone.now)


__all__ = ["DecisionRightFactory", "DecisionTypeFactory", "ForumFactory", "MeetingFactory", "UserFactory"]

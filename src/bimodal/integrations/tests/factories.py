"""factory_boy factories of the integrations app."""

import factory

from bimodal.integrations.models import Repository
from bimodal.portfolio.tests.factories import ServiceFactory

SECRET = "It's a Secret to Everybody"


class RepositoryFactory(factory.django.DjangoModelFactory):
    """A GitHub repository mapped to a new service, with a known webhook secret."""

    class Meta:
        model = Repository

    provider = "github"
    full_name = factory.Sequence(lambda n: f"northbridge/repo-{n}")
    external_id = ""
    service = factory.SubFactory(ServiceFactory)
    default_branch = "master"
    webhook_secret = SECRET

"""Integrations services: a repository's fields named once, updates that change only what is given."""

from __future__ import annotations

import pytest

from bimodal.core.models import AuditEntry
from bimodal.core.tests.fieldspec import spec_mismatches
from bimodal.integrations import services
from bimodal.integrations.api.serializers import RepositoryWriteSerializer
from bimodal.integrations.forms import RepositoryForm
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory

pytestmark = pytest.mark.django_db


def test_repository_fields_are_named_once():
    # the secret is given only on create: the update service has no such parameter
    with_secret = (*services.REPOSITORY_FIELDS, "webhook_secret")
    assert not spec_mismatches(
        with_secret,
        services={services.repository_create: ()},
        serializer=RepositoryWriteSerializer,
        form=RepositoryForm,
    )
    assert not spec_mismatches(
        services.REPOSITORY_FIELDS, services={services.repository_update: ("repository",)}
    )


def test_repository_update_changes_only_the_given_fields(make_user):
    repository = RepositoryFactory(deploy_workflow="release")
    services.repository_update(
        actor=make_user("governance_lead"),
        repository=repository,
        production_environments=[" prod ", "prod", "live"],
        reason="second region",
    )
    repository.refresh_from_db()
    assert repository.production_environments == ["prod", "live"]  # trimmed, duplicates dropped
    assert (repository.deploy_workflow, repository.default_branch, repository.webhook_secret) == (
        "release",
        "master",
        SECRET,
    )
    entry = AuditEntry.objects.get(verb="repository_update")
    assert entry.reason == "second region" and entry.after["webhook_secret"] == "(set)"


def test_api_update_ignores_a_secret_in_the_body(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("governance_lead"))
    response = client.patch(
        f"/api/integrations/repositories/{repository.pk}/",
        {"default_branch": "trunk", "webhook_secret": "guessable"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    repository.refresh_from_db()
    assert (repository.default_branch, repository.webhook_secret) == ("trunk", SECRET)

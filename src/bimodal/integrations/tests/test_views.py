"""Pages of the integrations app: repositories (secret shown once), deliveries, a service's deployments;
permission denials; flat query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.changes.choices import DeploymentSource
from bimodal.changes.models import Deployment
from bimodal.core.models import AuditEntry
from bimodal.integrations.importing import deployments_load
from bimodal.integrations.models import Repository, WebhookDelivery
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_governance_lead_adds_a_repository_and_sees_the_secret_once(client_for, make_user):
    service = ServiceFactory()
    client = client_for(make_user("governance_lead"))
    response = client.post(
        "/integrations/repositories/new/",
        {
            "provider": "github",
            "full_name": "northbridge/app",
            "service": service.slug,
            "production_environments": "production, live",
            "default_branch": "main",
            "active": "on",
        },
    )
    repository = Repository.objects.get()
    assert response.status_code == 302
    assert repository.production_environments == ["production", "live"]
    page = client.get(repository.get_absolute_url()).content.decode()
    assert repository.webhook_secret in page
    again = client.get(repository.get_absolute_url()).content.decode()
    assert repository.webhook_secret not in again
    entry = AuditEntry.objects.get(verb="repository_create")
    assert repository.webhook_secret not in str(entry.after)


def test_rotate_secret(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("administrator"))
    client.post(f"/integrations/repositories/{repository.pk}/rotate-secret/")
    repository.refresh_from_db()
    assert repository.webhook_secret != SECRET
    assert repository.webhook_secret in client.get(repository.get_absolute_url()).content.decode()


def test_edit_keeps_the_secret(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("governance_lead"))
    response = client.post(
        f"/integrations/repositories/{repository.pk}/edit/",
        {
            "full_name": repository.full_name,
            "service": repository.service.slug,
            "production_environments": "prod",
            "default_branch": "trunk",
            "deploy_workflow": "deploy",
        },
    )
    assert response.status_code == 302
    repository.refresh_from_db()
    assert (repository.default_branch, repository.deploy_workflow, repository.webhook_secret) == (
        "trunk",
        "deploy",
        SECRET,
    )
    assert repository.active is False


@pytest.mark.parametrize("role", ["service_owner", "product_team_member", "auditor"])
def test_readers_see_but_cannot_manage(client_for, make_user, role):
    repository = RepositoryFactory()
    client = client_for(make_user(role))
    assert client.get("/integrations/").status_code == 200
    assert client.get(repository.get_absolute_url()).status_code == 200
    assert "rotate-secret" not in client.get(repository.get_absolute_url()).content.decode()
    assert client.get("/integrations/repositories/new/").status_code == 403
    assert client.get(f"/integrations/repositories/{repository.pk}/edit/").status_code == 403
    assert client.post(f"/integrations/repositories/{repository.pk}/rotate-secret/").status_code == 403
    repository.refresh_from_db()
    assert repository.webhook_secret == SECRET


def test_requester_sees_nothing(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("requester"))
    assert client.get("/integrations/").status_code == 403
    assert client.get("/integrations/deliveries/").status_code == 403
    assert client.get(repository.get_absolute_url()).status_code == 404


def test_delivery_list_query_count_is_flat(client_for, make_user):
    client = client_for(make_user("auditor"))
    repository = RepositoryFactory()

    def add(n):
        for i in range(n):
            WebhookDelivery.objects.create(
                provider="github",
                delivery_id=f"{WebhookDelivery.objects.count()}-{i}",
                event="push",
                outcome="processed",
                repository=repository,
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/integrations/deliveries/").status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/integrations/deliveries/")
    assert "22 deliveries" in page.content.decode()
    assert len(many) == len(few)


def _history(repository, n):
    rows = [
        {
            "service": repository.service.slug,
            "environment": "production",
            "status": "succeeded" if i % 3 else "failed",
            "started_at": f"2026-02-{i + 1:02d}T10:00:00Z",
            "finished_at": f"2026-02-{i + 1:02d}T10:09:00Z",
            "commit": f"{i:040d}",
            "commits": [
                {
                    "sha": f"{i:040d}",
                    "authored_at": f"2026-02-{i + 1:02d}T08:00:00Z",
                    "message": f"change {i}",
                },
                {"sha": f"{i:039d}f", "authored_at": f"2026-02-{i + 1:02d}T07:00:00Z"},
            ],
            "external_id": f"h-{repository.pk}-{i}",
        }
        for i in range(n)
    ]
    deployments_load(actor=None, rows=rows, source=DeploymentSource.IMPORT)


def test_service_deployments_page_shows_commits_with_flat_queries(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("service_owner"))
    url = f"/integrations/services/{repository.service.slug}/deployments/"
    _history(repository, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    Deployment.objects.all().delete()
    _history(repository, 12)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "12 deployments" in page and "change 11" in page and "Import" in page
    assert len(many) == len(few)

"""Integrations API: repositories through services (secret returned once), read-only lists, denials."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.integrations.models import Commit, Repository
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
BASE = "/api/integrations/"


def test_create_repository_returns_secret_once(client_for, make_user):
    service = ServiceFactory()
    client = client_for(make_user("governance_lead"))
    response = client.post(
        f"{BASE}repositories/",
        {
            "provider": "gitlab",
            "full_name": "bank/portal",
            "service": service.slug,
            "production_environments": ["prod"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["webhook_secret"]) == 64 and body["webhook_path"] == "/api/integrations/webhooks/gitlab/"
    repository = Repository.objects.get()
    assert repository.webhook_secret == body["webhook_secret"]
    read = client.get(f"{BASE}repositories/{repository.pk}/").json()
    assert "webhook_secret" not in read
    rotated = client.post(f"{BASE}repositories/{repository.pk}/rotate-secret/").json()["webhook_secret"]
    repository.refresh_from_db()
    assert repository.webhook_secret == rotated != body["webhook_secret"]


def test_update_repository(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("administrator"))
    response = client.patch(
        f"{BASE}repositories/{repository.pk}/",
        {"deploy_workflow": "release"},
        content_type="application/json",
    )
    assert response.status_code == 200
    repository.refresh_from_db()
    assert repository.deploy_workflow == "release" and repository.webhook_secret == SECRET


def test_duplicate_repository_is_400(client_for, make_user):
    repository = RepositoryFactory()
    client = client_for(make_user("governance_lead"))
    response = client.post(
        f"{BASE}repositories/",
        {"provider": "github", "full_name": repository.full_name, "service": repository.service.slug},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Repository.objects.count() == 1


@pytest.mark.parametrize("role", ["service_owner", "product_team_member", "auditor"])
def test_readers_cannot_write(client_for, make_user, role):
    repository = RepositoryFactory()
    client = client_for(make_user(role))
    assert client.get(f"{BASE}repositories/").status_code == 200
    assert (
        client.post(
            f"{BASE}repositories/",
            {"provider": "github", "full_name": "x/y", "service": repository.service.slug},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"{BASE}repositories/{repository.pk}/", {"active": False}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.post(f"{BASE}repositories/{repository.pk}/rotate-secret/").status_code == 403
    repository.refresh_from_db()
    assert repository.active and repository.webhook_secret == SECRET


def test_requester_sees_no_integration_data(client_for, make_user):
    RepositoryFactory()
    client = client_for(make_user("requester"))
    for path in ("repositories/", "deliveries/", "commits/", "pull-requests/"):
        assert client.get(f"{BASE}{path}").status_code == 403


def test_commit_list_query_count_is_flat(client_for, make_user):
    from datetime import UTC, datetime

    repository = RepositoryFactory()
    client = client_for(make_user("auditor"))

    def add(n, start):
        Commit.objects.bulk_create(
            Commit(
                repository=repository, sha=f"{start + i:040d}", authored_at=datetime(2026, 1, 1, tzinfo=UTC)
            )
            for i in range(n)
        )

    add(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{BASE}commits/").status_code == 200
    add(30, 100)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{BASE}commits/?service={repository.service.slug}").json()
    assert body["count"] == 32
    assert len(many) == len(few)

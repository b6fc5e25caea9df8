"""What the database would refuse is refused before anything is written: a 400 naming the field, recorded
as an error delivery (a redelivery is processed again); only a delivery already received is "duplicate".

Payloads are the fixtures in `payloads/`: the examples of GitHub's "Webhook events and payloads"
(https://docs.github.com/en/webhooks/webhook-events-and-payloads) and GitLab's "Webhook events"
(https://docs.gitlab.com/user/project/integrations/webhook_events/) documentation."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from bimodal.changes.models import Deployment
from bimodal.integrations.models import Commit, PullRequest, WebhookDelivery
from bimodal.integrations.services.deliveries import unique_violation
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory
from bimodal.integrations.tests.helpers import payload, send_github, send_gitlab

pytestmark = pytest.mark.django_db


@pytest.fixture
def repo():
    return RepositoryFactory(full_name="Codertocat/Hello-World", external_id="186853002")


@pytest.fixture
def gl_repo():
    return RepositoryFactory(provider="gitlab", full_name="gitlab-org/gitlab-test", external_id="1")


def _nothing_written():
    return not (Commit.objects.exists() or PullRequest.objects.exists() or Deployment.objects.exists())


def _push(**change):
    body = payload("github_push")
    body["commits"][-1].update(change)
    return body


def _pull_request(**change):
    body = payload("github_pull_request_merged")
    body["pull_request"].update(change)
    return body


@pytest.mark.parametrize(
    ("event", "body", "field"),
    [
        ("push", _push(timestamp=None), "commits[1].timestamp"),
        ("push", _push(id="a" * 80), "commits[1].id"),
        ("push", _push(id=""), "commits[1].id"),
        ("pull_request", _pull_request(number=-5), "pull_request.number"),
        ("pull_request", _pull_request(number=2**40), "pull_request.number"),
        ("pull_request", _pull_request(created_at=None), "pull_request.created_at"),
        ("pull_request", _pull_request(html_url="https://github.com/" + "a" * 600), "pull_request.html_url"),
        ("pull_request", _pull_request(merge_commit_sha="b" * 80), "pull_request.merge_commit_sha"),
    ],
)
def test_a_value_the_database_refuses_is_a_400_naming_it_and_an_error_delivery(
    client, repo, event, body, field
):
    response = send_github(client, event, body, secret=SECRET, delivery="d-1")
    assert response.status_code == 400, response.json()
    assert response.json()["outcome"] == "error"
    assert field in response.json()["detail"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivery_id, delivery.outcome) == ("d-1", "error") and field in delivery.detail
    assert _nothing_written()  # not even the other, valid commits of the push


def test_a_gitlab_deployment_with_an_overlong_url_or_id_is_a_400(client, gl_repo):
    body = payload("gitlab_deployment")
    body["deployable_url"] = "http://example.com/" + "j" * 600
    response = send_gitlab(client, "Deployment Hook", body, token=SECRET)
    assert response.status_code == 400 and "deployable_url" in response.json()["detail"]
    body = payload("gitlab_deployment")
    body["deployment_id"] = "9" * 120
    response = send_gitlab(client, "Deployment Hook", body, token=SECRET)
    assert response.status_code == 400 and "deployment_id" in response.json()["detail"]
    assert _nothing_written()
    assert list(WebhookDelivery.objects.values_list("outcome", flat=True)) == ["error", "error"]


def test_the_errored_delivery_is_processed_when_redelivered_fixed(client, repo):
    assert (
        send_github(client, "push", _push(timestamp=None), secret=SECRET, delivery="d-1").status_code == 400
    )
    response = send_github(client, "push", payload("github_push"), secret=SECRET, delivery="d-1")
    assert response.status_code == 200 and response.json()["outcome"] == "processed"
    assert Commit.objects.count() == 2
    assert WebhookDelivery.objects.get().outcome == "processed"
    again = send_github(client, "push", payload("github_push"), secret=SECRET, delivery="d-1")
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"


def test_only_a_unique_key_is_a_unique_violation(repo):
    WebhookDelivery.objects.create(provider="github", delivery_id="x", event="push", outcome="processed")
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        WebhookDelivery.objects.create(provider="github", delivery_id="x", event="push", outcome="processed")
    assert unique_violation(duplicate.value)
    with pytest.raises(IntegrityError) as missing, transaction.atomic():
        Commit.objects.create(repository=repo, sha="c" * 40, authored_at=None)
    assert not unique_violation(missing.value)
    with pytest.raises(IntegrityError) as negative, transaction.atomic():
        PullRequest.objects.create(repository=repo, number=-5, created_at="2026-01-01T00:00:00Z")
    assert not unique_violation(negative.value)

"""Webhook endpoints: signature and token checks, idempotency, real payload shapes, mapping to rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bimodal.changes.choices import DeploymentSource, DeploymentStatus, Environment
from bimodal.changes.models import Change, Deployment
from bimodal.core.models import AuditEntry
from bimodal.insights.models import Transition
from bimodal.integrations.models import Commit, DeploymentCommit, PullRequest, WebhookDelivery
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory
from bimodal.integrations.tests.helpers import GITHUB_URL, payload, send_github, send_gitlab
from bimodal.integrations.webhooks import github_signature

pytestmark = pytest.mark.django_db

SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
GL_SHA = "bcbb5ec396a2c0f828686f14fac9b80b780504f2"


@pytest.fixture
def repo():
    return RepositoryFactory(full_name="Codertocat/Hello-World", external_id="186853002")


@pytest.fixture
def gl_repo():
    return RepositoryFactory(provider="gitlab", full_name="gitlab-org/gitlab-test", external_id="1")


def _counts():
    return (
        WebhookDelivery.objects.count(),
        Commit.objects.count(),
        PullRequest.objects.count(),
        Deployment.objects.count(),
        DeploymentCommit.objects.count(),
        AuditEntry.objects.count(),
    )


# --- authenticity -----------------------------------------------------------------------------------


def test_signature_matches_githubs_documented_example():
    # The test vector of GitHub's "Validating webhook deliveries" documentation.
    assert github_signature(SECRET, b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_bad_github_signature_is_401_and_writes_nothing(client, repo, signature):
    before = _counts()
    response = send_github(client, "push", payload("github_push"), secret=SECRET, signature=signature)
    assert response.status_code == 401
    assert _counts() == before


def test_signature_of_another_secret_is_401(client, repo):
    response = send_github(client, "push", payload("github_push"), secret="not the secret")
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_signature_covers_the_raw_body(client, repo):
    raw = json.dumps(payload("github_push")).encode()
    tampered = raw.replace(b"Initial commit", b"Evil commit!!")
    response = send_github(client, "push", tampered, secret=SECRET, signature=github_signature(SECRET, raw))
    assert response.status_code == 401
    assert not Commit.objects.exists()


def test_bad_gitlab_token_is_401_and_writes_nothing(client, gl_repo):
    before = _counts()
    response = send_gitlab(client, "Push Hook", payload("gitlab_pipeline"), token="wrong")
    assert response.status_code == 401
    missing = send_gitlab(client, "Push Hook", payload("gitlab_pipeline"), token="")
    assert missing.status_code == 401
    assert _counts() == before


def test_unknown_repository_is_404_and_writes_nothing(client):
    RepositoryFactory(full_name="someone/else")
    response = send_github(client, "push", payload("github_push"), secret=SECRET)
    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_inactive_repository_is_401_like_an_unknown_one(client, repo):
    # No active repository can have signed it: the same answer as a bad signature, so an anonymous caller
    # cannot tell which repositories exist.
    repo.active = False
    repo.save()
    assert send_github(client, "push", payload("github_push"), secret=SECRET).status_code == 401


def test_not_json_is_400(client, repo):
    response = send_github(client, "push", b"not json", secret=SECRET)
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_get_is_405(client):
    assert client.get(GITHUB_URL).status_code == 405


def test_repository_found_by_name_when_id_unknown(client):
    RepositoryFactory(full_name="codertocat/hello-world")  # no external id, other case
    response = send_github(client, "push", payload("github_push"), secret=SECRET)
    assert response.status_code == 200


def test_form_encoded_github_delivery(client, repo):
    from urllib.parse import urlencode

    raw = urlencode({"payload": json.dumps(payload("github_push"))}).encode()
    response = client.post(
        GITHUB_URL,
        data=raw,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY="form-1",
        HTTP_X_HUB_SIGNATURE_256=github_signature(SECRET, raw),
    )
    assert response.status_code == 200
    assert Commit.objects.count() == 2


# --- idempotency ------------------------------------------------------------------------------------


def test_duplicate_delivery_is_ignored(client, repo):
    body = payload("github_deployment_status")
    first = send_github(client, "deployment_status", body, secret=SECRET, delivery="abc-1")
    assert first.status_code == 200 and first.json()["outcome"] == "processed"
    before = _counts()
    second = send_github(client, "deployment_status", body, secret=SECRET, delivery="abc-1")
    assert second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert _counts() == before


def test_same_deployment_new_delivery_updates_in_place(client, repo):
    body = payload("github_deployment_status")
    send_github(client, "deployment_status", body, secret=SECRET, delivery="d-1")
    body["deployment_status"]["updated_at"] = "2019-05-15T15:21:00Z"
    send_github(client, "deployment_status", body, secret=SECRET, delivery="d-2")
    assert Deployment.objects.count() == 1
    assert WebhookDelivery.objects.count() == 2


def test_unknown_event_is_acknowledged_and_skipped(client, repo):
    response = send_github(
        client,
        "star",
        {"action": "created", "repository": payload("github_push")["repository"]},
        secret=SECRET,
    )
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "skipped" and delivery.event == "star"
    assert Deployment.objects.count() == 0


def test_malformed_payload_is_recorded_as_error_and_redelivery_retries(client, repo):
    body = payload("github_deployment_status")
    del body["deployment"]["id"]
    response = send_github(client, "deployment_status", body, secret=SECRET, delivery="bad-1")
    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == "error" and "deployment.id: required" in delivery.detail
    assert not Deployment.objects.exists()
    fixed = send_github(
        client, "deployment_status", payload("github_deployment_status"), secret=SECRET, delivery="bad-1"
    )
    assert fixed.status_code == 200
    assert WebhookDelivery.objects.get().outcome == "processed"
    assert Deployment.objects.count() == 1


# --- GitHub mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("repositories", [1, 2])
def test_organisation_ping_is_acknowledged_and_recorded(client, repositories):
    # The ping of an organisation hook names no repository (octokit/webhooks, payload-examples/
    # api.github.com/ping/with-organization.payload.json, commit a97ab8f); one organisation hook signs for
    # each of the organisation's repositories mapped here with its secret.
    for n in range(repositories):
        RepositoryFactory(full_name=f"Octocoders/repo-{n}", external_id=str(100 + n))
    body = payload("github_ping_organization")
    response = send_github(client, "ping", body, secret=SECRET, delivery="ping-1")
    assert response.status_code == 202, response.json()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivery_id, delivery.event, delivery.outcome) == ("ping-1", "ping", "skipped")
    assert "Octocoders" in delivery.detail
    assert not Deployment.objects.exists()
    again = send_github(client, "ping", body, secret=SECRET, delivery="ping-1")
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    # Another event without a repository is still not ours to guess.
    assert send_github(client, "push", body, secret=SECRET).status_code == (404 if repositories > 1 else 202)


def test_push_to_default_branch_records_commits(client, repo):
    response = send_github(client, "push", payload("github_push"), secret=SECRET)
    assert response.status_code == 200
    commit = Commit.objects.get(sha=SHA)
    assert commit.repository == repo
    assert commit.authored_at == datetime(2019, 5, 15, 15, 20, 30, tzinfo=UTC)
    assert commit.message == "Update the README with new information."
    assert commit.author.startswith("Codertocat <")
    assert commit.pushed_at == datetime(2019, 5, 15, 15, 20, 57, tzinfo=UTC)


def test_push_to_another_branch_or_tag_is_skipped(client, repo):
    body = payload("github_push")
    body["ref"] = "refs/heads/feature"
    assert send_github(client, "push", body, secret=SECRET).status_code == 202
    body["ref"] = "refs/tags/v1.0"
    assert send_github(client, "push", body, secret=SECRET).status_code == 202
    assert not Commit.objects.exists()


def test_merged_pull_request(client, repo):
    response = send_github(client, "pull_request", payload("github_pull_request_merged"), secret=SECRET)
    assert response.status_code == 200
    pr = PullRequest.objects.get()
    assert (pr.number, pr.merge_commit_sha) == (2, SHA)
    assert pr.merged_at == datetime(2019, 5, 15, 15, 21, 18, tzinfo=UTC)
    assert pr.url == "https://github.com/Codertocat/Hello-World/pull/2"


def test_closed_unmerged_pull_request_is_skipped(client, repo):
    body = payload("github_pull_request_merged")
    body["pull_request"].update(merged=False, merged_at=None)
    assert send_github(client, "pull_request", body, secret=SECRET).status_code == 202
    body = payload("github_pull_request_merged")
    body["action"] = "opened"
    assert send_github(client, "pull_request", body, secret=SECRET).status_code == 202
    assert not PullRequest.objects.exists()


def test_deployment_status_success_creates_production_deployment_with_commits(client, repo):
    send_github(client, "push", payload("github_push"), secret=SECRET)
    response = send_github(client, "deployment_status", payload("github_deployment_status"), secret=SECRET)
    assert response.status_code == 200
    deployment = Deployment.objects.get()
    assert deployment.source == DeploymentSource.GITHUB
    assert deployment.external_id == "145988746"
    assert deployment.service == repo.service and deployment.repository == repo
    assert deployment.environment == Environment.PRODUCTION
    assert deployment.status == DeploymentStatus.SUCCEEDED
    assert deployment.commit == SHA and deployment.change is None
    assert deployment.started_at == datetime(2019, 5, 15, 15, 20, 53, tzinfo=UTC)
    assert deployment.finished_at == datetime(2019, 5, 15, 15, 30, 55, tzinfo=UTC)
    linked = set(deployment.deployment_commits.values_list("commit__sha", flat=True))
    assert linked == {SHA, "6113728f27ae82c7b1a177c8d03f9e96e0adf246"}
    assert AuditEntry.objects.filter(verb="deployment_report", actor__isnull=True).exists()


def test_deployment_status_lifecycle_and_late_in_progress(client, repo):
    body = payload("github_deployment_status")
    body["deployment_status"]["state"] = "in_progress"
    send_github(client, "deployment_status", body, secret=SECRET)
    deployment = Deployment.objects.get()
    assert deployment.status == DeploymentStatus.IN_PROGRESS and deployment.finished_at is None
    body["deployment_status"]["state"] = "failure"
    send_github(client, "deployment_status", body, secret=SECRET)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.FAILED and deployment.finished_at is not None
    body["deployment_status"]["state"] = "in_progress"  # arrives late: does not reopen it
    send_github(client, "deployment_status", body, secret=SECRET)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.FAILED
    # The value-stream log has the run once: opened, then failed (the late report adds nothing).
    steps = Transition.objects.filter(stream="deployment", object_id=deployment.pk).order_by("at", "pk")
    assert [(t.from_state, t.to_state) for t in steps] == [("", "in_progress"), ("in_progress", "failed")]


def test_a_finished_deployment_reported_at_once_is_in_the_value_stream_log(client, repo):
    send_github(client, "deployment_status", payload("github_deployment_status"), secret=SECRET)
    deployment = Deployment.objects.get()
    steps = Transition.objects.filter(stream="deployment", object_id=deployment.pk).order_by("at", "pk")
    assert [(t.from_state, t.to_state) for t in steps] == [("", "in_progress"), ("in_progress", "succeeded")]
    assert steps[1].wall_seconds == (deployment.finished_at - deployment.started_at).total_seconds()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("production", "production"),
        ("prod", "production"),
        ("Live", "production"),
        ("staging", "staging"),
        ("qa", "test"),
    ],
)
def test_environment_mapping(client, repo, name, expected):
    repo.production_environments = ["production", "prod", "live"]
    repo.save()
    body = payload("github_deployment_status")
    body["deployment_status"]["environment"] = name
    send_github(client, "deployment_status", body, secret=SECRET)
    assert Deployment.objects.get().environment == expected


def test_second_deployment_gets_only_new_commits(client, repo):
    send_github(client, "push", payload("github_push"), secret=SECRET)
    send_github(client, "deployment_status", payload("github_deployment_status"), secret=SECRET)
    push = payload("github_push")
    push["commits"] = [{**push["commits"][1], "id": "a" * 40, "timestamp": "2019-05-16T09:00:00Z"}]
    push["repository"]["pushed_at"] = 1558000000
    send_github(client, "push", push, secret=SECRET)
    second = payload("github_deployment_status")
    second["deployment"].update(id=145988747, sha="a" * 40, created_at="2019-05-16T10:00:00Z")
    second["deployment_status"]["created_at"] = "2019-05-16T10:05:00Z"
    send_github(client, "deployment_status", second, secret=SECRET)
    latest = Deployment.objects.get(external_id="145988747")
    assert list(latest.deployment_commits.values_list("commit__sha", flat=True)) == ["a" * 40]


def test_workflow_run_is_a_deployment_only_when_configured(client, repo):
    response = send_github(client, "workflow_run", payload("github_workflow_run"), secret=SECRET)
    assert response.status_code == 202
    assert not Deployment.objects.exists()
    repo.deploy_workflow = "deploy"
    repo.save()
    response = send_github(client, "workflow_run", payload("github_workflow_run"), secret=SECRET)
    assert response.status_code == 200
    deployment = Deployment.objects.get()
    assert deployment.external_id == "run:289782451:1"
    assert (deployment.environment, deployment.status) == ("production", "succeeded")
    assert deployment.pipeline_url.endswith("/actions/runs/289782451")


def test_workflow_run_on_another_branch_is_skipped(client, repo):
    repo.deploy_workflow = "deploy"
    repo.save()
    body = payload("github_workflow_run")
    body["workflow_run"]["head_branch"] = "feature"
    assert send_github(client, "workflow_run", body, secret=SECRET).status_code == 202
    assert not Deployment.objects.exists()


def test_webhook_updates_matching_gate_deployment(client, repo, make_user):
    change = Change.objects.create(reference="CHG-000001", title="Deploy", requester=make_user())
    gate = Deployment.objects.create(
        change=change, service=repo.service, environment="production", commit=SHA, version="1.2.3"
    )
    send_github(client, "deployment_status", payload("github_deployment_status"), secret=SECRET)
    assert Deployment.objects.count() == 1
    gate.refresh_from_db()
    assert gate.source == DeploymentSource.GATE
    assert gate.external_id == f"github:{repo.pk}:145988746"  # the provider's id within its repository
    assert gate.repository == repo
    assert gate.status == DeploymentStatus.IN_PROGRESS  # the gate's own result call ends it
    # The next status of the same GitHub deployment lands on the gate deployment again.
    body = payload("github_deployment_status")
    body["deployment_status"]["state"] = "failure"
    send_github(client, "deployment_status", body, secret=SECRET)
    assert Deployment.objects.count() == 1


# --- GitLab mapping ---------------------------------------------------------------------------------


def test_gitlab_deployment_hook(client, gl_repo):
    response = send_gitlab(client, "Deployment Hook", payload("gitlab_deployment"), token=SECRET)
    assert response.status_code == 200
    deployment = Deployment.objects.get()
    assert deployment.source == DeploymentSource.GITLAB and deployment.external_id == "15"
    assert deployment.commit == GL_SHA  # the full sha, from commit_url
    assert deployment.status == DeploymentStatus.SUCCEEDED
    assert deployment.finished_at == datetime(2021, 4, 28, 19, 50, tzinfo=UTC)
    assert deployment.environment == Environment.PRODUCTION


def test_two_gitlab_projects_with_the_same_deployment_id_keep_their_own_deployment(client, gl_repo):
    # GitLab's documented Deployment event (docs.gitlab.com/user/project/integrations/webhook_events,
    # "Deployment events"; payloads/gitlab_deployment.json) from two projects, both numbering it 15.
    other = RepositoryFactory(provider="gitlab", full_name="gitlab-org/gitlab-other", external_id="2")
    assert (
        send_gitlab(client, "Deployment Hook", payload("gitlab_deployment"), token=SECRET).status_code == 200
    )
    body = payload("gitlab_deployment")
    body["project"].update(id=2, path_with_namespace="gitlab-org/gitlab-other")
    body["status"] = "failed"
    response = send_gitlab(client, "Deployment Hook", body, token=SECRET)
    assert response.status_code == 200 and "created" in response.json()["detail"]
    first = Deployment.objects.get(repository=gl_repo)
    second = Deployment.objects.get(repository=other)
    assert (first.external_id, first.status, first.service) == (
        "15",
        DeploymentStatus.SUCCEEDED,
        gl_repo.service,
    )
    assert (second.external_id, second.status, second.service) == (
        "15",
        DeploymentStatus.FAILED,
        other.service,
    )
    # The second project's next status for its deployment 15 updates its own row only.
    body["status"] = "success"
    body["status_changed_at"] = "2021-04-28 22:10:00 +0200"
    assert "updated" in send_gitlab(client, "Deployment Hook", body, token=SECRET).json()["detail"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (DeploymentStatus.SUCCEEDED, DeploymentStatus.SUCCEEDED)
    assert Deployment.objects.count() == 2


def test_gitlab_deployment_running_then_failed(client, gl_repo):
    body = payload("gitlab_deployment")
    body["status"] = "running"
    send_gitlab(client, "Deployment Hook", body, token=SECRET)
    assert Deployment.objects.get().status == DeploymentStatus.IN_PROGRESS
    body["status"] = "failed"
    send_gitlab(client, "Deployment Hook", body, token=SECRET)
    assert Deployment.objects.get().status == DeploymentStatus.FAILED
    body["status"] = "canceled"
    assert send_gitlab(client, "Deployment Hook", body, token=SECRET).status_code == 202


def test_gitlab_pipeline_records_commit_and_deployment_when_configured(client, gl_repo):
    assert send_gitlab(client, "Pipeline Hook", payload("gitlab_pipeline"), token=SECRET).status_code == 200
    assert Commit.objects.get().sha == GL_SHA
    assert not Deployment.objects.exists()
    gl_repo.deploy_workflow = "Deploy"
    gl_repo.save()
    rerun = payload("gitlab_pipeline")  # the same body again would be a replay (test_replay.py)
    rerun["object_attributes"]["duration"] = 64
    assert send_gitlab(client, "Pipeline Hook", rerun, token=SECRET).status_code == 200
    deployment = Deployment.objects.get()
    assert deployment.external_id == "pipeline:31"
    assert deployment.started_at == datetime(2016, 8, 12, 15, 23, 28, tzinfo=UTC)
    assert deployment.finished_at == datetime(2016, 8, 12, 15, 26, 29, tzinfo=UTC)
    assert list(deployment.deployment_commits.values_list("commit__sha", flat=True)) == [GL_SHA]


def test_gitlab_merge_request_merge(client, gl_repo):
    assert (
        send_gitlab(client, "Merge Request Hook", payload("gitlab_merge_request"), token=SECRET).status_code
        == 200
    )
    pr = PullRequest.objects.get()
    assert (pr.number, pr.title, pr.merge_commit_sha) == (1, "MS-Viewport", GL_SHA)
    body = payload("gitlab_merge_request")
    body["object_attributes"].update(action="open", state="opened")
    assert send_gitlab(client, "Merge Request Hook", body, token=SECRET).status_code == 202


def test_gitlab_push_hook(client, gl_repo):
    body = {
        "object_kind": "push",
        "ref": "refs/heads/master",
        "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
        "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "project_id": 1,
        "project": {"id": 1, "path_with_namespace": "gitlab-org/gitlab-test", "default_branch": "master"},
        "commits": [
            {
                "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                "message": "fixed readme",
                "title": "fixed readme",
                "timestamp": "2012-01-03T23:36:29+02:00",
                "author": {"name": "GitLab dev user", "email": "gitlabdev@dv6700.(none)"},
            }
        ],
        "total_commits_count": 1,
    }
    assert send_gitlab(client, "Push Hook", body, token=SECRET).status_code == 200
    assert Commit.objects.get().authored_at == datetime(2012, 1, 3, 21, 36, 29, tzinfo=UTC)

"""Webhooks against hostile input: the signature is checked before the body is read, an anonymous caller
learns nothing about which repositories exist, any JSON is a 2xx or 4xx answer (never a 5xx), large
bodies are taken up to GitHub's 25 MB, and a captured signed body sent again is ignored.

The payloads start from the fixtures in `payloads/`, which are the examples of GitHub's "Webhook events
and payloads" (https://docs.github.com/en/webhooks/webhook-events-and-payloads) and GitLab's "Webhook
events" (https://docs.gitlab.com/user/project/integrations/webhook_events/) documentation."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.changes.models import Deployment
from bimodal.integrations.api.webhooks import MAX_BODY
from bimodal.integrations.models import Commit, PullRequest, WebhookDelivery
from bimodal.integrations.tests.factories import SECRET, RepositoryFactory
from bimodal.integrations.tests.helpers import GITHUB_URL, GITLAB_URL, payload, send_github, send_gitlab
from bimodal.integrations.webhooks import github_signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def repo():
    return RepositoryFactory(full_name="Codertocat/Hello-World", external_id="186853002")


@pytest.fixture
def gl_repo():
    return RepositoryFactory(provider="gitlab", full_name="gitlab-org/gitlab-test", external_id="1")


def _written():
    return Commit.objects.count(), PullRequest.objects.count(), Deployment.objects.count()


# --- the findings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "repository", ["Codertocat/Hello-World", ["a", "b"], {"full_name": "a\x00b"}, 7, None]
)
def test_unsigned_odd_repository_is_401_and_writes_nothing(client, repo, repository):
    body = {**payload("github_push"), "repository": repository}
    response = send_github(client, "push", body, secret="not the secret")
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "repository", ["Codertocat/Hello-World", ["a", "b"], {"full_name": "a\x00b", "id": "x\x00"}]
)
def test_signed_odd_repository_is_never_a_server_error(client, repo, repository):
    body = {**payload("github_push"), "repository": repository}
    response = send_github(client, "push", body, secret=SECRET)
    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("signature", ["sha256=é" + "0" * 63, "sha256=\u2603", "\xff"])
def test_non_ascii_signature_is_401(client, repo, signature):
    response = send_github(client, "push", payload("github_push"), secret=SECRET, signature=signature)
    assert response.status_code == 401


@pytest.mark.parametrize("project", ["gitlab-org/gitlab-test", ["x"], {"id": [1], "path_with_namespace": {}}])
def test_gitlab_odd_project_is_never_a_server_error(client, gl_repo, project):
    body = {**payload("gitlab_pipeline"), "project": project}
    assert send_gitlab(client, "Pipeline Hook", body, token="wrong").status_code == 401
    assert send_gitlab(client, "Pipeline Hook", body, token=SECRET).status_code < 500


def test_anonymous_caller_cannot_tell_which_repositories_exist(client, repo):
    known = payload("github_push")
    unknown = {**known, "repository": {**known["repository"], "id": 1, "full_name": "nobody/nothing"}}
    answers = {send_github(client, "push", body, secret="guess").status_code for body in (known, unknown)}
    assert answers == {401}


def test_the_signature_is_checked_before_the_body_is_parsed(client, repo):
    response = send_github(client, "push", b"{not json", secret="guess")
    assert response.status_code == 401  # not 400: nothing of the body was read


def test_repository_url_checks_that_repositorys_secret(client, repo):
    other = RepositoryFactory(full_name="someone/else", webhook_secret="another secret")
    raw = json.dumps(payload("github_push")).encode()
    headers = {"HTTP_X_GITHUB_EVENT": "push", "HTTP_X_GITHUB_DELIVERY": str(uuid.uuid4())}
    signed = {**headers, "HTTP_X_HUB_SIGNATURE_256": github_signature(SECRET, raw)}
    url = f"{GITHUB_URL}{other.pk}/"
    assert client.post(url, raw, content_type="application/json", **signed).status_code == 401
    assert (
        client.post(f"{GITHUB_URL}{repo.pk}/", raw, content_type="application/json", **signed).status_code
        == 200
    )


def test_a_body_over_django_s_form_limit_is_processed(client, repo, settings):
    # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) when a view reads request.body;
    # a push of many commits is larger, and GitHub sends up to 25 MB.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = payload("github_push")
    body["padding"] = "x" * 5000
    response = send_github(client, "push", body, secret=SECRET)
    assert response.status_code == 200, response.content
    assert Commit.objects.count() == 2


def test_a_body_over_25_mb_is_413_json(client, repo):
    raw = b" " * (MAX_BODY + 1)
    response = send_github(client, "push", raw, secret=SECRET)
    assert response.status_code == 413
    assert response.json()["detail"]
    assert not WebhookDelivery.objects.exists()


def test_a_replayed_body_under_a_new_delivery_id_is_ignored(client, repo):
    body = payload("github_deployment_status")
    first = send_github(client, "deployment_status", body, secret=SECRET, delivery="d-1")
    assert first.json()["outcome"] == "processed"
    written = _written()
    replay = send_github(client, "deployment_status", body, secret=SECRET, delivery="d-2")
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    assert "replay" in replay.json()["detail"]
    assert _written() == written and WebhookDelivery.objects.count() == 1


def test_the_same_body_after_the_replay_window_is_processed_again(client, repo):
    body = payload("github_deployment_status")
    send_github(client, "deployment_status", body, secret=SECRET, delivery="d-1")
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        later = send_github(client, "deployment_status", body, secret=SECRET, delivery="d-2")
    assert later.json()["outcome"] == "processed"
    assert Deployment.objects.count() == 1  # the deployment is updated in place


# --- generated hostile JSON -------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.just(10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["\x00", "a\x00b", "2026-13-45", "2026-02-30T25:61:00Z", "2026-01-01T00:00:00+18:45"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)


def _paths(data, prefix=()):
    """Every key path of a fixture payload, to put a hostile value at."""
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _paths(value, (*prefix, key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield from _paths(value[0], (*prefix, key, 0))


def _put(data, path, value):
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


CASES = {
    "github": [
        (name, event, sorted(set(_paths(payload(name))), key=str))
        for name, event in [
            ("github_push", "push"),
            ("github_pull_request_merged", "pull_request"),
            ("github_deployment_status", "deployment_status"),
            ("github_workflow_run", "workflow_run"),
        ]
    ],
    "gitlab": [
        (name, event, sorted(set(_paths(payload(name))), key=str))
        for name, event in [
            ("gitlab_pipeline", "Pipeline Hook"),
            ("gitlab_merge_request", "Merge Request Hook"),
            ("gitlab_deployment", "Deployment Hook"),
        ]
    ],
}


@st.composite
def hostile_delivery(draw, provider):
    name, event, paths = draw(st.sampled_from(CASES[provider]))
    body = payload(name)
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=4)):
        with contextlib.suppress(TypeError, KeyError, IndexError):  # a replacement took the parent away
            _put(body, path, draw(HOSTILE))
    return event, body


HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HYPOTHESIS
@given(delivery=hostile_delivery("github"))
def test_hostile_github_json_is_answered_without_a_server_error(client, repo, delivery):
    event, body = delivery
    repo.deploy_workflow = "*"
    repo.save()
    raw = json.dumps(body, allow_nan=True).encode()
    before = _written()
    unsigned = send_github(client, event, raw, secret="not the secret")
    assert unsigned.status_code == 401 and _written() == before
    response = send_github(client, event, raw, secret=SECRET)
    assert response.status_code in (200, 202, 400, 404), response.content
    if response.status_code >= 400:
        assert _written() == before


@HYPOTHESIS
@given(delivery=hostile_delivery("gitlab"))
def test_hostile_gitlab_json_is_answered_without_a_server_error(client, gl_repo, delivery):
    event, body = delivery
    gl_repo.deploy_workflow = "*"
    gl_repo.save()
    raw = json.dumps(body, allow_nan=True).encode()
    before = _written()
    assert send_gitlab(client, event, raw, token="wrong").status_code == 401 and _written() == before
    response = send_gitlab(client, event, raw, token=SECRET)
    assert response.status_code in (200, 202, 400, 404), response.content
    if response.status_code >= 400:
        assert _written() == before


def test_gitlab_url_without_id_still_answers(client):
    assert client.post(GITLAB_URL, b"{}", content_type="application/json").status_code == 401

"""An idempotency key is bound to its request (issue 17, item 5).

As Stripe's API does ("the idempotency layer compares incoming parameters to those of the original
request and errors unless they're the same", https://docs.stripe.com/api/idempotent_requests) and as the
IETF draft "The Idempotency-Key HTTP Header Field" says (draft-ietf-httpapi-idempotency-key-header,
section 2.7: a key reused with a different request payload is answered 422 or 409 Conflict), the gate
stores a hash of the request's canonical JSON with the key and answers 409 to the same key with another
body. A replay says it is one: `replayed`, `decided_at` and a reason line, with what has changed since."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bimodal.changes import services
from bimodal.changes.models import Change, Deployment, GateRequest
from bimodal.changes.services.idempotency import request_hash
from bimodal.portfolio.models import Service

GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}


@pytest.fixture
def gate(client, estate):
    _, secret = services.pipeline_token_create(actor=estate.admin, name="app ci", services=[estate.app])

    def call(**extra):
        body = {
            "service": "mobile-app",
            "version": "1.2.3",
            "idempotency_key": "run-1",
            "pipeline_url": "https://ci.example.com/1",
            "evidence": GOOD,
            **extra,
        }
        return client.post(
            "/api/gate/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    return call


@pytest.mark.parametrize(
    "other",
    [
        {"version": "1.2.4"},
        {"environment": "staging"},
        {"evidence": {**GOOD, "tests_passed": False}},
        {"evidence": {**GOOD, "coverage": 85.1}},
        {"commit": "abcdef1"},
        {"change": "CHG-000001"},
    ],
)
def test_same_key_with_another_body_is_409_and_writes_nothing(gate, other):
    first = gate()
    assert first.status_code == 201 and first.json()["outcome"] == "allow"
    counts = (Change.objects.count(), GateRequest.objects.count(), Deployment.objects.count())
    response = gate(**other)
    assert response.status_code == 409, response.content
    [message] = response.json()["idempotency_key"]
    assert "different request" in message and "new key" in message
    assert counts == (Change.objects.count(), GateRequest.objects.count(), Deployment.objects.count())


def test_the_hash_ignores_key_order(gate):
    assert gate(evidence={"security_scan": "pass", "coverage": 85.0, "tests_passed": True}).status_code == 201
    assert gate(evidence=GOOD).status_code == 200


def test_request_hash_is_the_canonical_json(estate):
    service = Service.objects.get(slug="mobile-app")
    fields = dict(environment="production", version="1", commit="", pipeline_url="", change_reference="")
    a = request_hash(service=service, evidence={"a": 1, "b": [1, 2]}, **fields)
    b = request_hash(service=service, evidence={"b": [1, 2], "a": 1}, **fields)
    c = request_hash(service=service, evidence={"a": 1, "b": [2, 1]}, **fields)
    assert a == b != c and len(a) == 64


def test_a_replay_says_it_is_one(gate):
    first = gate().json()
    replay = gate()
    assert replay.status_code == 200
    body = replay.json()
    assert body["replayed"] is True and first["replayed"] is False
    assert body["decided_at"] == first["decided_at"] == first["created_at"]
    assert body["reasons"][-1].startswith(f"Replay: this is the answer given at {first['created_at'][:19]}")


def test_a_replay_during_a_freeze_says_a_new_request_would_be_denied(gate, estate):
    # The finding: a key replayed during a freeze returned the original "allow" without a word.
    first = gate().json()
    assert first["outcome"] == "allow"
    now = timezone.now()
    services.window_create(
        actor=estate.admin,
        name="Freeze",
        kind="freeze",
        start=now - timedelta(minutes=1),
        end=now + timedelta(hours=1),
    )
    body = gate().json()
    assert body["outcome"] == "allow" and body["replayed"] is True
    assert body["decided_at"] == first["decided_at"]
    assert "A change freeze is in force now: a new request would be denied." in body["reasons"]
    fresh = gate(idempotency_key="run-2").json()
    assert fresh["outcome"] == "deny" and fresh["replayed"] is False


def test_polling_an_answer_is_not_a_replay(client, gate, estate):
    body = gate(evidence={**GOOD, "coverage": 40.0}).json()
    assert body["outcome"] == "needs_approval"
    secret = services.pipeline_token_create(actor=estate.admin, name="poll ci", services=[estate.app])[1]
    poll = client.get(f"/api/gate/{body['id']}/", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert poll["replayed"] is False and poll["reasons"] == body["reasons"]

"""The gate's per-process snapshot (tokens and services held between calls) never outlives a write: a
token revoked, a freeze added, a policy added or a service moved to another mode takes effect on the
very next call in the same process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bimodal.changes import selectors, services
from bimodal.changes.models import PipelineToken
from bimodal.changes.tests.test_api import gate, payload, token  # noqa: F401 (fixtures)
from bimodal.governance import services as governance
from bimodal.portfolio import services as portfolio
from bimodal.portfolio.tests.factories import mode

pytestmark = pytest.mark.django_db


def _allowed_and_held(gate):  # noqa: F811
    response = gate(payload(idempotency_key="first"))
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "allow"
    # The call left the token and the service in the snapshot: the next call does not look them up.
    assert selectors._snapshot["tokens"] and "mobile-app" in selectors._snapshot["services"]


def test_a_revoked_token_is_refused_on_the_very_next_call(gate, estate):  # noqa: F811
    _allowed_and_held(gate)
    services.pipeline_token_revoke(actor=estate.admin, token=PipelineToken.objects.get())
    response = gate(payload(idempotency_key="second"))
    assert response.status_code == 401, response.content
    assert "revoked" in response.json()["detail"]
    assert not selectors._snapshot["tokens"]  # forgotten, not kept


def test_a_freeze_added_denies_the_very_next_call(gate, estate):  # noqa: F811
    _allowed_and_held(gate)
    now = timezone.now()
    services.window_create(
        actor=estate.admin,
        name="Year-end freeze",
        kind="freeze",
        start=now - timedelta(hours=1),
        end=now + timedelta(days=1),
    )
    body = gate(payload(idempotency_key="second")).json()
    assert body["outcome"] == "deny"
    assert any("freeze" in r.lower() for r in body["reasons"])


def test_a_policy_added_applies_to_the_very_next_call(gate, estate):  # noqa: F811
    _allowed_and_held(gate)
    governance.policy_create(
        actor=estate.admin,
        key="no-deploys",
        name="No deploys today",
        expression='service.mode == "mode-2"',
        effect="deny",
        message="Deploys are stopped.",
    )
    body = gate(payload(idempotency_key="second")).json()
    assert body["outcome"] == "deny"
    assert any("Deploys are stopped." in r for r in body["reasons"])


def test_a_service_moved_to_another_mode_is_decided_in_its_new_mode(gate, estate):  # noqa: F811
    _allowed_and_held(gate)
    portfolio.service_change_mode(
        actor=estate.admin, service=estate.app, mode=mode("mode-1"), reason="regulated now"
    )
    body = gate(payload(idempotency_key="second")).json()
    assert body["outcome"] == "deny"
    assert any("approved change" in r for r in body["reasons"])
    held = selectors._snapshot["services"]["mobile-app"]
    assert held.mode.key == "mode-1"  # the snapshot holds the service as it is now

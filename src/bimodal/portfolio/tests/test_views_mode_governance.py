"""The mode page shows the effective governance of the mode, and previews what a profile edit writes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bimodal.core.tests.factories import UserFactory
from bimodal.governance import services as governance_services
from bimodal.governance.defaults import apply_default_policies
from bimodal.governance.models import Policy
from bimodal.portfolio.models import Mode

pytestmark = pytest.mark.django_db


@pytest.fixture
def policies():
    admin = UserFactory(username="root", is_superuser=True)
    apply_default_policies(actor=admin)
    return admin


def _edit_data(form, **changes):
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    for flag in ("change_windows_required", "standard_changes_preapproved", "deployment_gate"):
        data[flag] = "on" if form.initial[flag] else ""
    data.update(changes)
    return data


def test_mode_page_lists_the_rules_with_where_they_come_from(make_user, client_for, policies):
    hand = governance_services.policy_create(
        actor=policies,
        key="mode1-standard-allow",
        name="Standard changes go",
        modes=["mode-1"],
        change_types=["standard"],
        effect="allow",
    )
    response = client_for(make_user("cab_member")).get(reverse("portfolio:mode_detail", args=["mode-1"]))
    assert response.status_code == 200
    rules = {rule["key"]: rule for rule in response.context["rules"]}
    assert rules["profile-mode-1-normal-cab"]["source"] == "profile"
    assert rules["freeze-deny"]["source"] == "every mode"
    assert rules[hand.key]["source"] == "hand-written" and rules[hand.key]["contradictions"]
    assert not any(key.startswith("profile-mode-2-") for key in rules)
    html = response.content.decode()
    assert 'data-testid="mode-governance"' in html and "profile → generated policy" in html
    assert 'data-testid="rule-contradiction"' in html


def test_preview_shows_the_policy_changes_and_writes_nothing(lead, client_for, policies):
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    client = client_for(lead)
    form = client.get(url).context["form"]
    count = Policy.objects.count()
    response = client.post(url, {**_edit_data(form, change_approval="cab"), "preview": "1"})
    assert response.status_code == 200
    actions = {row["key"]: row["action"] for row in response.context["preview"]}
    assert actions["profile-mode-2-normal-cab"] == "create"
    assert 'data-testid="mode-preview"' in response.content.decode()
    assert Policy.objects.count() == count
    assert Mode.objects.get(key="mode-2").change_approval == "automated"


def test_saving_the_profile_regenerates_the_policies(lead, client_for, policies):
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    client = client_for(lead)
    form = client.get(url).context["form"]
    response = client.post(url, _edit_data(form, deployment_gate="", reason="pipelines report only"))
    assert response.status_code == 302
    record_only = Policy.objects.get(key="profile-mode-2-gate-record-only", is_current=True)
    assert record_only.effect == "record_only" and record_only.enabled
    evidence = Policy.objects.get(key="profile-mode-2-gate-evidence", is_current=True)
    assert (evidence.version, evidence.enabled) == (2, False)


def test_policy_page_flags_a_contradiction(make_user, client_for, policies):
    governance_services.policy_create(
        actor=policies, key="windows-everywhere", name="Windows everywhere", effect="require_window"
    )
    client = client_for(make_user("governance_lead"))
    html = client.get(reverse("governance:policy_detail", args=["windows-everywhere"])).content.decode()
    assert 'data-testid="policy-contradictions"' in html and "Mode 2" in html
    html = client.get(reverse("governance:policy_detail", args=["profile-mode-1-window"])).content.decode()
    assert 'data-testid="policy-generated"' in html and 'data-testid="policy-contradictions"' not in html


def test_try_it_runs_a_sample_through_the_engine(make_user, client_for, policies):
    client = client_for(make_user("cab_member"))
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    sample = {"try": "1", "change_type": "standard", "source": "gate", "risk_score": "20"}
    passing = client.get(url, {**sample, "tests_passed": "on", "security_scan": "on"})
    assert passing.context["tried"]["outcome"] == "allow"
    failing = client.get(url, sample)
    assert failing.context["tried"]["outcome"] == "deny"
    assert 'data-testid="mode-try-result"' in failing.content.decode()
    mode1 = client.get(reverse("portfolio:mode_detail", args=["mode-1"]), {**sample, "tests_passed": "on"})
    assert mode1.context["tried"]["window_required"] and mode1.context["tried"]["record_only"]
    bad = client.get(url, {**sample, "risk_score": "500", "change_type": "\x00"})
    assert bad.status_code == 400 and bad.context["tried"] is None
    assert set(bad.context["try_form"].errors) == {"risk_score", "change_type"}


def test_without_the_policies_permission_no_rules_and_no_try(make_user, client_for, policies):
    client = client_for(make_user("requester"))
    url = reverse("portfolio:mode_detail", args=["mode-2"])
    response = client.get(url, {"try": "1", "change_type": "standard", "source": "gate", "risk_score": "20"})
    assert response.status_code == 200
    assert response.context["rules"] == [] and response.context["tried"] is None
    html = response.content.decode()
    assert "You may not see the policies." in html and 'data-testid="mode-try"' not in html

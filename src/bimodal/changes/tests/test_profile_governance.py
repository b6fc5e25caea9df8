"""A mode's governance profile acts: flipping each profile field changes what the gate and the engine decide."""

import copy

import pytest
from django.contrib.contenttypes.models import ContentType

from bimodal.changes import services
from bimodal.changes.models import Deployment
from bimodal.core.models import AuditEntry
from bimodal.governance import engine, selectors
from bimodal.governance import services as governance_services
from bimodal.governance.defaults import apply_default_policies
from bimodal.governance.models import Policy
from bimodal.governance.profiles import profile_key, profile_policies
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.models import Mode
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.tests.factories import mode

GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}
_runs = iter(range(1, 10_000))


@pytest.fixture
def gate(estate):
    """Ask the gate for the Mode 2 mobile app; returns the gate request."""
    token, _ = services.pipeline_token_create(actor=estate.admin, name="app ci", services=[estate.app])

    def call(evidence=GOOD):
        answer, _ = services.gate_decide(
            token=token,
            service=estate.app,
            idempotency_key=f"run-{next(_runs)}",
            version="1",
            evidence=evidence,
        )
        return answer

    return call


def flip(estate, key="mode-2", **profile):
    """Change a mode's profile through the portfolio's service (which regenerates its policies)."""
    engine._cache.update(signature=None, snapshot=None)
    return portfolio_services.mode_update(actor=estate.admin, mode=mode(key), **profile)


def decide(key, *, change_type="normal", risk_score=42, evidence=GOOD, template_approved=None):
    """The real engine's decision, over the current policies, for a change of a service of mode `key`
    (a standard change from an approved template unless `template_approved` says otherwise)."""
    context = copy.deepcopy(engine.SAMPLE_CONTEXT)
    context["service"]["mode"] = key
    approved = change_type == "standard" if template_approved is None else template_approved
    context["change"].update(type=change_type, risk_score=risk_score, template_approved=approved)
    context["evidence"] = dict(evidence)
    return engine.evaluate(context, engine.current_policies())


def test_the_issue_example_cab_windows_and_gate_off_end_the_plain_allow(estate, gate):
    assert gate().outcome == "allow"
    flip(estate, change_approval="cab", change_windows_required=True, deployment_gate=False)
    answer = gate()
    assert answer.outcome == "deny"
    assert answer.requirements["window_required"] and answer.change is None
    assert any("change window" in reason for reason in answer.reasons)
    normal = decide("mode-2")
    assert [a["forum"] for a in normal.approvals] == ["Change Advisory Board"]


def test_deployment_gate_off_records_only_and_says_so(estate, gate):
    assert gate(evidence={}).outcome == "deny"  # gate on: missing evidence is refused
    flip(estate, deployment_gate=False)
    answer = gate(evidence={})
    assert answer.outcome == "allow" and answer.requirements["record_only"]
    assert any(reason.startswith("Record only") for reason in answer.reasons)
    assert Deployment.objects.filter(pk=answer.deployment_id, change__source="gate").exists()
    flip(estate, deployment_gate=True)
    assert gate(evidence={}).outcome == "deny"


def test_change_windows_required_refuses_a_gate_deploy_outside_a_window(estate, gate):
    assert not decide("mode-2", change_type="standard").window_required
    flip(estate, change_windows_required=True)
    assert decide("mode-2", change_type="standard").window_required
    answer = gate()
    assert answer.outcome == "deny" and answer.requirements["window_required"]


def test_standard_changes_not_preapproved_need_a_change_manager(estate, gate):
    assert decide("mode-2", change_type="standard").outcome == "allow"
    flip(estate, standard_changes_preapproved=False)
    decision = decide("mode-2", change_type="standard")
    assert decision.outcome == "needs_approval"
    assert [a["role"] for a in decision.approvals] == ["change_manager"]
    assert gate().outcome == "needs_approval"
    flip(estate, "mode-1", standard_changes_preapproved=True)
    assert decide("mode-1", change_type="standard").approvals == []


@pytest.mark.parametrize(
    ("route", "approvers"),
    [("cab", ["Change Advisory Board"]), ("peer_review", ["product_team_member"]), ("automated", [])],
)
def test_change_approval_route_decides_who_approves_a_normal_change(estate, route, approvers):
    flip(estate, change_approval=route)
    decision = decide("mode-2", evidence={**GOOD, "backout_plan": "x", "test_plan": "y"})
    assert [a["forum"] or a["role"] for a in decision.approvals] == approvers
    assert decision.outcome == ("allow" if route == "automated" else "needs_approval")


def test_automated_route_without_passing_evidence_gets_a_peer_review(estate):
    flip(estate, change_approval="automated")
    decision = decide("mode-2", evidence={"tests_passed": False})
    assert [a["role"] for a in decision.approvals] == ["product_team_member"]


@pytest.mark.parametrize(("appetite", "needs_lead"), [("low", True), ("medium", False), ("high", False)])
def test_risk_appetite_sets_the_score_that_needs_the_governance_lead(estate, appetite, needs_lead):
    flip(estate, risk_appetite=appetite)
    decision = decide("mode-2", change_type="standard", risk_score=80)
    assert ("governance_lead" in [a["role"] for a in decision.approvals]) is needs_lead
    assert "governance_lead" in [a["role"] for a in decide("mode-2", risk_score=96).approvals]


def test_a_profile_change_writes_new_audited_versions_and_disables_what_it_no_longer_means(estate):
    peer = Policy.objects.get(key=profile_key(mode("mode-2"), "normal-peer"), is_current=True)
    flip(estate, change_approval="cab")
    cab = Policy.objects.get(key=profile_key(mode("mode-2"), "normal-cab"), is_current=True)
    assert (cab.version, cab.enabled, cab.modes, cab.policy_set) == (1, True, ["mode-2"], "profile:mode-2")
    retired = Policy.objects.get(key=peer.key, is_current=True)
    assert (retired.version, retired.enabled) == (peer.version + 1, False)
    policy_type = ContentType.objects.get_for_model(Policy)
    verbs = set(
        AuditEntry.objects.filter(content_type=policy_type, object_id__in=[cab.pk, retired.pk]).values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"policy_create", "policy_update"}
    # Nothing changed, nothing written.
    assert governance_services.profile_policies_apply(actor=estate.admin, mode=mode("mode-2")) == []


def test_the_preview_says_what_would_change_without_writing(estate):
    m2 = mode("mode-2")
    assert governance_services.profile_policies_preview(mode=m2) == []
    m2.change_approval = "cab"
    count = Policy.objects.count()
    rows = {row["key"]: row["action"] for row in governance_services.profile_policies_preview(mode=m2)}
    assert rows[profile_key(m2, "normal-cab")] == "create"
    assert rows[profile_key(m2, "normal-peer")] == "disable"
    assert Policy.objects.count() == count


def test_hand_written_policies_stay_and_are_flagged_where_they_contradict(estate):
    hand = governance_services.policy_create(
        actor=estate.admin,
        key="mode1-standard-allow",
        name="Mode 1 standard changes are pre-approved",
        modes=["mode-1"],
        change_types=["standard"],
        effect="allow",
    )
    flip(estate, "mode-1", risk_appetite="medium")
    rules = {row["key"]: row for row in selectors.mode_governance(user=estate.admin, mode=mode("mode-1"))}
    assert rules[hand.key]["source"] == "hand-written"
    assert rules[hand.key]["contradictions"]
    assert rules[profile_key(mode("mode-1"), "normal-cab")]["source"] == "profile"
    assert rules["freeze-deny"]["source"] == "every mode"
    assert profile_key(mode("mode-2"), "standard-allow") not in rules
    assert selectors.policy_contradictions(hand)
    flip(estate, "mode-1", standard_changes_preapproved=True)
    assert not selectors.policy_contradictions(Policy.objects.get(key=hand.key))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_mode_gets_its_own_generated_policies(preset):
    for spec in PRESETS[preset]:
        generated = profile_policies(Mode(**spec))
        assert generated and all(fields["modes"] == [spec["key"]] for _, fields in generated)
        assert all(key.startswith(f"profile-{spec['key']}-") for key, _ in generated)
        assert all(
            engine.expression_errors(fields.get("expression", "true")) == "" for _, fields in generated
        )


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_is_governed_by_its_profiles(estate, preset):
    modes = portfolio_services.modes_apply_preset(preset=preset, actor=estate.admin)
    apply_default_policies(actor=estate.admin)
    engine._cache.update(signature=None, snapshot=None)
    expected = {"cab": "needs_approval", "peer_review": "needs_approval", "automated": "allow"}
    for m in modes:
        evidence = {**GOOD, "backout_plan": "x", "test_plan": "y"}
        normal = decide(m.key, evidence=evidence)
        assert normal.outcome == expected[m.change_approval], m.key
        standard = decide(m.key, change_type="standard", evidence=evidence)
        assert standard.window_required is m.change_windows_required
        assert (not standard.approvals) is m.standard_changes_preapproved
        assert any(rule.key.startswith(f"profile-{m.key}-") for rule in standard.fired)

"""The policy engine: validation of CEL, scope pre-filtering and decisions (hand-checked and properties)."""

import copy

from hypothesis import given
from hypothesis import strategies as st

from bimodal.governance.engine import SAMPLE_CONTEXT, CompiledPolicy, evaluate, expression_errors
from bimodal.governance.models import Policy


def policy(key, effect, expression="true", **fields):
    return CompiledPolicy.of(
        Policy(key=key, name=key, version=1, expression=expression, effect=effect, **fields)
    )


def ctx(**change):
    context = copy.deepcopy(SAMPLE_CONTEXT)
    context["change"].update(change)
    context["service"]["mode"] = "mode-1"
    return context


def test_valid_expressions_have_no_errors():
    assert expression_errors('change.type == "standard" && service.criticality <= 1') == ""
    assert expression_errors("has(evidence.coverage) && evidence.coverage < 60.0") == ""
    assert expression_errors('"PCI DSS" in service.tags') == ""


def test_syntax_error_is_reported():
    assert expression_errors("change.type ==").startswith("CEL syntax error")


def test_type_error_is_reported():
    assert "type error" in expression_errors('change.risk_score + "x" > 1')


def test_non_boolean_result_is_refused():
    assert "true or false" in expression_errors("change.risk_score")


def test_unknown_variable_is_refused():
    assert "Unknown variable" in expression_errors("user.name == 'x'")


def test_unguarded_optional_evidence_is_refused_with_a_hint():
    assert "has(evidence.coverage)" in expression_errors("evidence.coverage > 50.0")


def test_empty_expression_is_refused():
    assert expression_errors("  ")


def test_deny_beats_approval_and_allow():
    rules = [
        policy("a", "allow"),
        policy("r", "require_approval", approver_role="change_manager"),
        policy("d", "deny"),
    ]
    decision = evaluate(ctx(), rules)
    assert decision.outcome == "deny"
    assert [r.key for r in decision.fired] == ["a", "r", "d"]


def test_approval_beats_allow():
    decision = evaluate(
        ctx(),
        [
            policy("a", "allow"),
            policy("r", "require_approval", approver_role="cab_member", approvals_required=2),
        ],
    )
    assert decision.outcome == "needs_approval"
    assert decision.approvals[0]["role"] == "cab_member" and decision.approvals[0]["count"] == 2


def test_allow_alone_allows():
    assert evaluate(ctx(), [policy("a", "allow")]).outcome == "allow"


def test_nothing_fired_means_a_change_manager_decides():
    decision = evaluate(ctx(), [policy("a", "allow", expression="false")])
    assert decision.outcome == "needs_approval"
    assert decision.fired[-1].key == "default"
    assert decision.approvals == [
        {"policy": "", "role": "change_manager", "forum_id": None, "forum": "", "count": 1}
    ]


def test_missing_evidence_denies_with_the_names():
    rule = policy("e", "require_evidence", evidence=["tests_passed", "security_scan"])
    context = ctx()
    context["evidence"] = {"tests_passed": True, "security_scan": "fail"}
    decision = evaluate(context, [policy("a", "allow"), rule])
    assert decision.outcome == "deny"
    assert decision.missing_evidence == ["security_scan"]


def test_present_evidence_passes():
    rule = policy("e", "require_evidence", evidence=["tests_passed"])
    assert evaluate(ctx(), [policy("a", "allow"), rule]).outcome == "allow"


def test_window_requirement_is_reported():
    decision = evaluate(ctx(), [policy("a", "allow"), policy("w", "require_window")])
    assert decision.window_required and decision.outcome == "allow"


def test_scope_prefilters_by_mode_type_and_tier():
    rules = [
        policy("m2", "deny", modes=["mode-2"]),
        policy("std", "deny", change_types=["standard"]),
        policy("t3", "deny", criticalities=[3]),
        policy("ok", "allow", modes=["mode-1"], change_types=["normal"], criticalities=[0]),
    ]
    decision = evaluate(ctx(), rules)  # mode-1, normal, tier 0
    assert decision.evaluated == 1 and decision.outcome == "allow"


def test_a_rule_that_errors_fails_closed():
    decision = evaluate(
        ctx(), [policy("a", "allow"), policy("boom", "deny", expression="evidence.nothing == 1")]
    )
    assert decision.outcome == "needs_approval"
    assert any(r.effect == "error" for r in decision.fired)


effects = st.sampled_from(["allow", "deny", "require_approval", "require_window"])


@given(st.lists(st.tuples(effects, st.booleans()), max_size=8))
def test_outcome_follows_precedence(rules):
    compiled = [
        policy(f"p{i}", effect, expression="true" if fires else "false", approver_role="change_manager")
        for i, (effect, fires) in enumerate(rules)
    ]
    fired = {effect for effect, fires in rules if fires}
    outcome = evaluate(ctx(), compiled).outcome
    if "deny" in fired:
        assert outcome == "deny"
    elif "require_approval" in fired or "allow" not in fired:
        assert outcome == "needs_approval"
    else:
        assert outcome == "allow"


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=100))
def test_threshold_rule_fires_exactly_above_threshold(score, threshold):
    rule = policy("t", "deny", expression=f"change.risk_score >= {threshold}")
    decision = evaluate(ctx(risk_score=score), [policy("a", "allow"), rule])
    assert (decision.outcome == "deny") == (score >= threshold)

"""A mode's governance profile as policies: each profile field becomes generated policies of that mode.

The profile (portfolio.Mode) is the one source: `profile_policies(mode)` says which policies it means,
`services.profile_policies_apply` writes them as ordinary, versioned and audited policies in the set
`profile:<mode key>`, and `contradictions` names where a hand-written policy says otherwise. Nothing here
knows a mode by its key: any number of modes, from any preset, get their own generated set."""

from __future__ import annotations

from typing import Any

from bimodal.core.roles import Role
from bimodal.governance.choices import PolicyEffect
from bimodal.portfolio.choices import ChangeApproval, ReleaseCadence, RiskAppetite
from bimodal.portfolio.models import Mode

CAB_SLUG = "cab"
PROFILE_SET_PREFIX = "profile:"
# The risk score (0–100) from which a change of a mode needs the governance lead as well.
RISK_THRESHOLDS: dict[str, int] = {RiskAppetite.LOW: 75, RiskAppetite.MEDIUM: 85, RiskAppetite.HIGH: 95}
PIPELINE_EVIDENCE = ["tests_passed", "security_scan"]
# A standard change is pre-approved only when it instantiates an approved, in-date template of the
# catalogue that covers its services (or is a pipeline deployment through the deployment gate, whose
# own rules — passing tests and scan — are its template).
CATALOGUED = 'change.template_approved || change.source == "gate"'
EVIDENCE_PASSES = (
    "has(evidence.tests_passed) && evidence.tests_passed == true"
    ' && has(evidence.security_scan) && evidence.security_scan == "pass"'
)


def profile_set(mode: Mode) -> str:
    """The policy set that holds the policies generated from `mode`'s profile."""
    return f"{PROFILE_SET_PREFIX}{mode.key}"


def profile_key(mode: Mode, rule: str) -> str:
    """The stable key of one generated policy of `mode`."""
    return f"profile-{mode.key}-{rule}"


def _label(mode: Mode) -> str:
    return mode.short_name or mode.name


def profile_policies(mode: Mode) -> list[tuple[str, dict[str, Any]]]:
    """The policies `mode`'s profile means, as (key, fields); `"forum": "cab"` names the CAB by slug."""
    label = _label(mode)
    common: dict[str, Any] = {"policy_set": profile_set(mode), "modes": [mode.key]}
    specs: list[tuple[str, dict[str, Any]]] = []

    def add(rule: str, **fields: Any) -> None:
        specs.append((profile_key(mode, rule), {**common, **fields}))

    # standard_changes_preapproved
    if mode.standard_changes_preapproved:
        add(
            "standard-allow",
            name=f"{label}: standard changes from an approved template are pre-approved",
            change_types=["standard"],
            expression=CATALOGUED,
            effect=PolicyEffect.ALLOW,
            message="A standard change from an approved, in-date template of the catalogue is pre-approved "
            "(profile).",
        )
    else:
        add(
            "standard-approval",
            name=f"{label}: standard changes are approved by a change manager",
            priority=20,
            change_types=["standard"],
            effect=PolicyEffect.REQUIRE_APPROVAL,
            approver_role=Role.CHANGE_MANAGER,
            message="Standard changes are not pre-approved in this mode (profile): a change manager approves.",
        )
    # change_approval: the route of a normal change
    if mode.change_approval == ChangeApproval.CAB:
        add(
            "normal-cab",
            name=f"{label}: normal changes need the CAB",
            priority=20,
            change_types=["normal"],
            effect=PolicyEffect.REQUIRE_APPROVAL,
            forum=CAB_SLUG,
            approvals_required=2,
            message="Normal changes are approved by two CAB members (profile: CAB approval).",
        )
        add(
            "normal-plans",
            name=f"{label}: normal changes carry a backout and test plan",
            priority=40,
            change_types=["normal"],
            effect=PolicyEffect.REQUIRE_EVIDENCE,
            evidence=["backout_plan", "test_plan"],
            message="A backout plan and a test plan are required (profile: CAB approval).",
        )
    elif mode.change_approval == ChangeApproval.PEER_REVIEW:
        add(
            "normal-peer",
            name=f"{label}: normal changes get a peer review",
            priority=30,
            change_types=["normal"],
            effect=PolicyEffect.REQUIRE_APPROVAL,
            approver_role=Role.PRODUCT_TEAM_MEMBER,
            message="A team mate reviews a normal change (profile: peer review).",
        )
    else:  # automated: the pipeline's evidence approves; without it, a team mate
        add(
            "normal-automated",
            name=f"{label}: normal changes with passing evidence are approved automatically",
            priority=30,
            change_types=["normal"],
            expression=EVIDENCE_PASSES,
            effect=PolicyEffect.ALLOW,
            message="Passing tests and security scan approve the change (profile: automated gate).",
        )
        add(
            "normal-peer",
            name=f"{label}: normal changes without passing evidence get a peer review",
            priority=30,
            change_types=["normal"],
            expression=f"!({EVIDENCE_PASSES})",
            effect=PolicyEffect.REQUIRE_APPROVAL,
            approver_role=Role.PRODUCT_TEAM_MEMBER,
            message="No passing tests and security scan: a team mate reviews (profile: automated gate).",
        )
    # change_windows_required
    if mode.change_windows_required:
        add(
            "window",
            name=f"{label}: changes go in a change window",
            priority=30,
            change_types=["standard", "normal"],
            effect=PolicyEffect.REQUIRE_WINDOW,
            message="Services of this mode change only inside an open change window (profile).",
        )
    # release_cadence: a mode with a release train changes on its release dates; otherwise it asks
    if mode.release_cadence != ReleaseCadence.ON_DEMAND:
        cadence = mode.get_release_cadence_display().lower()
        by_cab = mode.change_approval == ChangeApproval.CAB
        route: dict[str, Any] = (
            {"forum": CAB_SLUG, "approvals_required": 2} if by_cab else {"approver_role": Role.CHANGE_MANAGER}
        )
        add(
            "release-train",
            name=f"{label}: changes off the release train need approval",
            priority=30,
            change_types=["standard", "normal"],
            expression="change.release_train && !change.on_release_date",
            effect=PolicyEffect.REQUIRE_APPROVAL,
            message=f"Not on a release date of the mode's {cadence} (profile: release cadence): "
            + ("the CAB approves." if by_cab else "a change manager approves."),
            **route,
        )
    # deployment_gate
    if mode.deployment_gate:
        add(
            "gate-evidence",
            name=f"{label}: pipeline deployments show passing tests and a clean security scan",
            priority=40,
            change_types=["standard"],
            effect=PolicyEffect.REQUIRE_EVIDENCE,
            evidence=PIPELINE_EVIDENCE,
            message="The pipeline must report passing tests and a passing security scan (profile: gate on).",
        )
        add(
            "gate-coverage",
            name=f"{label}: low test coverage needs a second pair of eyes",
            priority=50,
            expression="has(evidence.coverage) && evidence.coverage < 60.0",
            effect=PolicyEffect.REQUIRE_APPROVAL,
            approver_role=Role.SERVICE_OWNER,
            message="Coverage under 60 %: the service owner approves (profile: gate on).",
        )
        add(
            "gate-failing-service",
            name=f"{label}: a service failing too often loses automatic approval",
            priority=50,
            expression="service.change_failure_rate > 0.3",
            effect=PolicyEffect.REQUIRE_APPROVAL,
            approver_role=Role.CHANGE_MANAGER,
            message="More than 30 % of recent changes failed: a change manager approves (profile: gate on).",
        )
    else:
        add(
            "gate-record-only",
            name=f"{label}: the deployment gate records only",
            priority=60,
            change_types=["standard"],
            expression='change.source == "gate"',
            effect=PolicyEffect.RECORD_ONLY,
            message="The deployment gate is off for this mode (profile): the deployment is recorded, not gated.",
        )
    # risk_appetite
    threshold = RISK_THRESHOLDS.get(mode.risk_appetite, RISK_THRESHOLDS[RiskAppetite.LOW])
    add(
        "risk",
        name=f"{label}: changes scoring {threshold} or more need the governance lead",
        priority=25,
        expression=f"change.risk_score >= {threshold}",
        effect=PolicyEffect.REQUIRE_APPROVAL,
        approver_role=Role.GOVERNANCE_LEAD,
        message=f"Risk score {threshold} or more (profile: {mode.get_risk_appetite_display().lower()} "
        "risk appetite): the governance lead signs off as well.",
    )
    return specs


def _types(policy: Any) -> set[str]:
    return set(policy.change_types or ()) or {"standard", "normal", "emergency"}


def contradictions(policy: Any, mode: Mode) -> list[str]:
    """Where a hand-written policy that applies to `mode` says otherwise than the mode's profile."""
    if (policy.policy_set or "").startswith(PROFILE_SET_PREFIX) or not policy.enabled:
        return []
    if policy.modes and mode.key not in policy.modes:
        return []
    found: list[str] = []
    types = _types(policy)
    always = (policy.expression or "").strip() == "true"
    if policy.effect == PolicyEffect.ALLOW:
        if "standard" in types and not mode.standard_changes_preapproved:
            found.append("pre-approves standard changes; the profile says they are not pre-approved")
        if "normal" in types and mode.change_approval == ChangeApproval.CAB:
            found.append("allows normal changes; the profile sends them to the CAB")
    if policy.effect == PolicyEffect.REQUIRE_WINDOW and always and not mode.change_windows_required:
        found.append("requires a change window; the profile does not")
    if policy.effect == PolicyEffect.RECORD_ONLY and mode.deployment_gate:
        found.append("makes the deployment gate record only; the profile has the gate on")
    return [f"{_label(mode)}: {text}" for text in found]

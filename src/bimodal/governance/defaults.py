"""The default policy sets for Mode 1 and Mode 2 (and one rule for every mode), applied idempotently."""

from __future__ import annotations

from bimodal.core.models import User
from bimodal.governance import services
from bimodal.governance.models import Forum, Policy

CAB_SLUG = "cab"

# (key, fields); "forum": "cab" names the approving forum by slug.
DEFAULT_POLICIES: list[tuple[str, dict]] = [
    (
        "freeze-deny",
        dict(
            name="No changes in a freeze",
            policy_set="all-modes",
            priority=10,
            expression='change.in_freeze && change.type != "emergency"',
            effect="deny",
            message="A change freeze is in force for this service; only emergency changes may proceed.",
        ),
    ),
    (
        "m1-standard-allow",
        dict(
            name="Mode 1 standard changes are pre-approved",
            policy_set="mode-1-defaults",
            modes=["mode-1"],
            change_types=["standard"],
            expression="true",
            effect="allow",
            message="A catalogued standard change is pre-approved.",
        ),
    ),
    (
        "m1-cab",
        dict(
            name="Mode 1 normal changes need the CAB",
            policy_set="mode-1-defaults",
            priority=20,
            modes=["mode-1"],
            change_types=["normal"],
            expression="true",
            effect="require_approval",
            forum=CAB_SLUG,
            approvals_required=2,
            message="Normal changes to Mode 1 services are approved by two CAB members.",
        ),
    ),
    (
        "m1-window",
        dict(
            name="Mode 1 changes go in a change window",
            policy_set="mode-1-defaults",
            priority=30,
            modes=["mode-1"],
            change_types=["standard", "normal"],
            expression="true",
            effect="require_window",
            message="Mode 1 services change only inside an open change window.",
        ),
    ),
    (
        "m1-plans",
        dict(
            name="Mode 1 changes carry a backout and test plan",
            policy_set="mode-1-defaults",
            priority=40,
            modes=["mode-1"],
            change_types=["normal"],
            expression="true",
            effect="require_evidence",
            evidence=["backout_plan", "test_plan"],
            message="A backout plan and a test plan are required.",
        ),
    ),
    (
        "m1-emergency",
        dict(
            name="Emergency changes: a change manager approves (retrospectively if need be)",
            policy_set="mode-1-defaults",
            priority=20,
            change_types=["emergency"],
            expression="true",
            effect="require_approval",
            approver_role="change_manager",
            approvals_required=1,
            message="An emergency change is approved by a change manager.",
        ),
    ),
    (
        "m1-very-high-risk",
        dict(
            name="Very high risk Mode 1 changes need the governance lead",
            policy_set="mode-1-defaults",
            priority=25,
            modes=["mode-1"],
            expression='change.risk_level == "very_high"',
            effect="require_approval",
            approver_role="governance_lead",
            approvals_required=1,
            message="Risk score 75 or more: the governance lead signs off as well.",
        ),
    ),
    (
        "m2-standard-allow",
        dict(
            name="Mode 2 pipeline deployments are standard changes",
            policy_set="mode-2-defaults",
            modes=["mode-2"],
            change_types=["standard"],
            expression="true",
            effect="allow",
            message="Automated deployment with passing evidence is a pre-approved standard change.",
        ),
    ),
    (
        "m2-evidence",
        dict(
            name="Mode 2 deployments show passing tests and a clean security scan",
            policy_set="mode-2-defaults",
            priority=40,
            modes=["mode-2"],
            change_types=["standard"],
            expression="true",
            effect="require_evidence",
            evidence=["tests_passed", "security_scan"],
            message="The pipeline must report passing tests and a passing security scan.",
        ),
    ),
    (
        "m2-coverage",
        dict(
            name="Low test coverage needs a second pair of eyes",
            policy_set="mode-2-defaults",
            priority=50,
            modes=["mode-2"],
            expression="has(evidence.coverage) && evidence.coverage < 60.0",
            effect="require_approval",
            approver_role="service_owner",
            approvals_required=1,
            message="Coverage under 60 %: the service owner approves.",
        ),
    ),
    (
        "m2-failing-service",
        dict(
            name="A service failing too often loses automatic approval",
            policy_set="mode-2-defaults",
            priority=50,
            modes=["mode-2"],
            expression="service.change_failure_rate > 0.3",
            effect="require_approval",
            approver_role="change_manager",
            approvals_required=1,
            message="More than 30 % of recent changes failed: a change manager approves.",
        ),
    ),
    (
        "m2-normal-peer",
        dict(
            name="Mode 2 normal changes get a peer review",
            policy_set="mode-2-defaults",
            priority=30,
            modes=["mode-2"],
            change_types=["normal"],
            expression="true",
            effect="require_approval",
            approver_role="product_team_member",
            approvals_required=1,
            message="A team mate reviews a normal change.",
        ),
    ),
]


def ensure_cab(*, actor: User) -> Forum:
    """The change advisory board that the default Mode 1 policies name."""
    forum = Forum.objects.filter(slug=CAB_SLUG).first()
    if forum is None:
        forum = services.forum_create(
            actor=actor,
            name="Change Advisory Board",
            slug=CAB_SLUG,
            kind="cab",
            quorum=2,
            cadence="Weekly, Tuesday 10:00",
            charter="Assesses and approves normal changes to Mode 1 services.",
        )
    return forum


def apply_default_policies(*, actor: User) -> int:
    """Create the default policies that do not exist yet (by key); return how many were created."""
    cab = ensure_cab(actor=actor)
    existing = set(Policy.objects.values_list("key", flat=True))
    created = 0
    for key, spec in DEFAULT_POLICIES:
        if key in existing:
            continue
        fields = dict(spec)
        if fields.pop("forum", None):
            fields["approver_forum"] = cab
        services.policy_create(actor=actor, key=key, **fields)
        created += 1
    return created

"""The default policies: the rules for every mode, and each mode's policies generated from its profile."""

from __future__ import annotations

from typing import Any

from bimodal.core.models import User
from bimodal.governance import services
from bimodal.governance.models import Policy
from bimodal.governance.profiles import CAB_SLUG
from bimodal.governance.services.profiles import ensure_cab, profile_policies_apply, resolve_spec
from bimodal.portfolio.models import Mode

__all__ = ["CAB_SLUG", "DEFAULT_POLICIES", "apply_default_policies", "ensure_cab"]

# The rules that are not a mode's: (key, fields).
DEFAULT_POLICIES: list[tuple[str, dict[str, Any]]] = [
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
        "emergency-change-manager",
        dict(
            name="Emergency changes: a change manager approves (retrospectively if need be)",
            policy_set="all-modes",
            priority=20,
            change_types=["emergency"],
            expression="true",
            effect="require_approval",
            approver_role="change_manager",
            approvals_required=1,
            message="An emergency change is approved by a change manager.",
        ),
    ),
]

# The per-mode defaults of earlier releases, now generated from each mode's profile: a database that still
# has them gets them disabled (a new, audited version) so that no rule is there twice.
RETIRED_KEYS = (
    "m1-standard-allow",
    "m1-cab",
    "m1-window",
    "m1-plans",
    "m1-emergency",
    "m1-very-high-risk",
    "m2-standard-allow",
    "m2-evidence",
    "m2-coverage",
    "m2-failing-service",
    "m2-normal-peer",
)


def apply_default_policies(*, actor: User) -> int:
    """Create the rules for every mode that do not exist yet (by key) and bring every mode's generated
    policies in line with its profile; return how many policies were written."""
    ensure_cab(actor=actor)
    existing = set(Policy.objects.values_list("key", flat=True))
    written = 0
    for key, spec in DEFAULT_POLICIES:
        if key in existing:
            continue
        services.policy_create(actor=actor, key=key, **resolve_spec(spec, actor=actor))
        written += 1
    for policy in Policy.objects.filter(key__in=RETIRED_KEYS, is_current=True, enabled=True):
        services.policy_update(
            actor=actor,
            policy=policy,
            enabled=False,
            reason="replaced by the policies generated from the modes' profiles",
        )
        written += 1
    for mode in Mode.objects.order_by("order", "name"):
        written += len(profile_policies_apply(actor=actor, mode=mode))
    return written

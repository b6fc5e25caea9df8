"""Policies: CEL rules scoped by mode and change type; each edit a new, audited version; trying a draft."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance import engine
from bimodal.governance.models import (
    Policy,
)

POLICY_FIELDS = (
    "name",
    "description",
    "policy_set",
    "enabled",
    "priority",
    "modes",
    "change_types",
    "criticalities",
    "expression",
    "effect",
    "message",
    "approver_role",
    "approver_forum",
    "approvals_required",
    "evidence",
)


def policy_create(*, actor: User, key: str = "", name: str, **fields: Any) -> Policy:
    """Create version 1 of a policy; its CEL expression is validated (syntax, types, boolean result)."""
    require_perm(actor, "governance.add_policy")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields {sorted(unknown)}")
    key = key or unique_slug(Policy, name, field="key")
    policy = Policy(key=key, name=name, version=1, is_current=True, created_by=actor, **fields)
    return create_audited(policy, actor=actor, verb=AuditVerb.POLICY_CREATE)


@transaction.atomic
def policy_update(*, actor: User, policy: Policy, reason: str = "", **fields: Any) -> Policy:
    """Save an edit as a new version of the policy; the previous version stays as history."""
    require_perm(actor, "governance.change_policy")
    current = Policy.objects.select_for_update().get(key=policy.key, is_current=True)
    values = {name: getattr(current, name) for name in POLICY_FIELDS}
    values.update(fields)
    draft = Policy(key=current.key, version=current.version + 1, is_current=True, created_by=actor, **values)
    # Validate before retiring the current version so that a bad edit changes nothing.
    draft.full_clean(exclude=["key"], validate_constraints=False)
    if all(getattr(draft, n) == getattr(current, n) for n in POLICY_FIELDS):
        return current
    update_audited(
        current, actor=actor, fields={"is_current": False}, reason=reason, verb=AuditVerb.POLICY_SUPERSEDE
    )
    return create_audited(draft, actor=actor, reason=reason, verb=AuditVerb.POLICY_UPDATE)


def policy_try(*, draft: Policy, context: dict[str, Any]) -> dict[str, Any]:
    """Evaluate an unsaved draft together with the current policies (the draft replacing its own key)
    against an example change; nothing is written. Raises ValidationError for a bad draft."""

    draft.full_clean(
        exclude=["key", "version", "created_by"], validate_unique=False, validate_constraints=False
    )
    compiled = engine.CompiledPolicy.of(draft)
    others = [p for p in engine.current_policies().policies if p.key != draft.key]
    decision = engine.evaluate(context, [*others, compiled] if draft.enabled else others)
    result = decision.to_dict()
    result["draft_fired"] = any(rule.key == draft.key for rule in decision.fired)
    return result

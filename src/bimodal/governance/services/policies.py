"""Policies: CEL rules scoped by mode and change type; each edit a new, audited version; trying a draft."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance import engine
from bimodal.governance.models import (
    Forum,
    Policy,
)

# The fields a person sets on a policy: the form, the API's serializers and these services' keyword
# arguments list the same names (governance/tests/test_services.py checks that they do not drift).
POLICY_FIELDS: Final = (
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


def policy_create(
    *,
    actor: User,
    key: str = "",
    name: str,
    description: str = "",
    policy_set: str = "",
    enabled: bool = True,
    priority: int = 100,
    modes: Iterable[str] = (),
    change_types: Iterable[str] = (),
    criticalities: Iterable[int] = (),
    expression: str = "true",
    effect: str,
    message: str = "",
    approver_role: str = "",
    approver_forum: Forum | None = None,
    approvals_required: int = 1,
    evidence: Iterable[str] = (),
) -> Policy:
    """Create version 1 of a policy; its CEL expression is validated (syntax, types, boolean result)."""
    require_perm(actor, "governance.add_policy")
    key = key or unique_slug(Policy, name, field="key")
    policy = Policy(
        key=key,
        name=name,
        version=1,
        is_current=True,
        created_by=actor,
        description=description,
        policy_set=policy_set,
        enabled=enabled,
        priority=priority,
        modes=list(modes),
        change_types=list(change_types),
        criticalities=list(criticalities),
        expression=expression,
        effect=effect,
        message=message,
        approver_role=approver_role,
        approver_forum=approver_forum,
        approvals_required=approvals_required,
        evidence=list(evidence),
    )
    return create_audited(policy, actor=actor, verb=AuditVerb.POLICY_CREATE)


@transactional
def policy_update(
    *,
    actor: User,
    policy: Policy,
    reason: str = "",
    name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    policy_set: str | NotGiven = UNSET,
    enabled: bool | NotGiven = UNSET,
    priority: int | NotGiven = UNSET,
    modes: Iterable[str] | NotGiven = UNSET,
    change_types: Iterable[str] | NotGiven = UNSET,
    criticalities: Iterable[int] | NotGiven = UNSET,
    expression: str | NotGiven = UNSET,
    effect: str | NotGiven = UNSET,
    message: str | NotGiven = UNSET,
    approver_role: str | NotGiven = UNSET,
    approver_forum: Forum | NotGiven | None = UNSET,
    approvals_required: int | NotGiven = UNSET,
    evidence: Iterable[str] | NotGiven = UNSET,
) -> Policy:
    """Save an edit as a new version of the policy; the previous version stays as history."""
    require_perm(actor, "governance.change_policy")
    current = Policy.objects.select_for_update(no_key=True).get(key=policy.key, is_current=True)
    values = {name: getattr(current, name) for name in POLICY_FIELDS}
    changes = given(
        name=name,
        description=description,
        policy_set=policy_set,
        enabled=enabled,
        priority=priority,
        modes=modes,
        change_types=change_types,
        criticalities=criticalities,
        expression=expression,
        effect=effect,
        message=message,
        approver_role=approver_role,
        approver_forum=approver_forum,
        approvals_required=approvals_required,
        evidence=evidence,
    )
    for list_field in ("modes", "change_types", "criticalities", "evidence"):
        if list_field in changes:
            changes[list_field] = list(changes[list_field])
    values.update(changes)
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

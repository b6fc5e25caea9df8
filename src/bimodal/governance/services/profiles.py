"""A mode's generated policies: written from its governance profile, versioned and audited like any policy."""

from __future__ import annotations

from typing import Any

from bimodal.core.models import User
from bimodal.core.services import transactional
from bimodal.governance import profiles
from bimodal.governance.models import Forum, Policy
from bimodal.governance.services.forums import forum_create
from bimodal.governance.services.policies import POLICY_FIELDS, policy_create, policy_update
from bimodal.portfolio.models import Mode

# A generated policy's fields that the profile does not set keep the model's defaults.
_DEFAULTS: dict[str, Any] = {
    "description": "",
    "enabled": True,
    "priority": 100,
    "modes": [],
    "change_types": [],
    "criticalities": [],
    "expression": "true",
    "message": "",
    "approver_role": "",
    "approver_forum": None,
    "approvals_required": 1,
    "evidence": [],
}


def ensure_cab(*, actor: User) -> Forum:
    """The change advisory board that a CAB approval route names (created once)."""
    forum = Forum.objects.filter(slug=profiles.CAB_SLUG).first()
    if forum is None:
        forum = forum_create(
            actor=actor,
            name="Change Advisory Board",
            slug=profiles.CAB_SLUG,
            kind="cab",
            quorum=2,
            cadence="Weekly, Tuesday 10:00",
            charter="Assesses and approves normal changes to the services of modes with CAB approval.",
        )
    return forum


def resolve_spec(spec: dict[str, Any], *, actor: User) -> dict[str, Any]:
    """A policy specification with every field given and its forum (by slug) resolved to a Forum."""
    fields = {**_DEFAULTS, **spec}
    if fields.pop("forum", None):
        fields["approver_forum"] = ensure_cab(actor=actor)
    return fields


@transactional
def profile_policies_apply(*, actor: User, mode: Mode, reason: str = "") -> list[Policy]:
    """Bring `mode`'s generated policies in line with its profile: new ones created, changed ones saved as
    a new version, ones the profile no longer means disabled (a version too). Hand-written policies are
    not touched. Returns the policies written."""
    wanted = {key: resolve_spec(spec, actor=actor) for key, spec in profiles.profile_policies(mode)}
    current = {
        p.key: p
        for p in Policy.objects.select_for_update(no_key=True).filter(
            is_current=True, policy_set=profiles.profile_set(mode)
        )
    }
    written: list[Policy] = []
    for key, fields in wanted.items():
        policy = current.pop(key, None)
        if policy is None:
            written.append(policy_create(actor=actor, key=key, **fields))
            continue
        if all(getattr(policy, name) == fields[name] for name in POLICY_FIELDS):
            continue
        written.append(
            policy_update(actor=actor, policy=policy, reason=reason or "profile changed", **fields)
        )
    for policy in current.values():
        if policy.enabled:
            written.append(
                policy_update(
                    actor=actor, policy=policy, reason=reason or "no longer in the profile", enabled=False
                )
            )
    return written


def profile_policies_preview(*, mode: Mode) -> list[dict[str, Any]]:
    """What applying `mode`'s profile would do, without writing: one row per generated policy that would
    be created, changed (with the fields that differ) or disabled."""
    current = {
        p.key: p for p in Policy.objects.filter(is_current=True, policy_set=profiles.profile_set(mode))
    }
    rows: list[dict[str, Any]] = []
    for key, spec in profiles.profile_policies(mode):
        fields = {**_DEFAULTS, **spec}
        policy = current.pop(key, None)
        if policy is None:
            rows.append({"key": key, "name": fields["name"], "action": "create", "fields": []})
            continue
        if fields.pop("forum", None):
            fields["approver_forum"] = policy.approver_forum if policy.approver_forum_id else None
        differ = [n for n in POLICY_FIELDS if n in fields and getattr(policy, n) != fields[n]]
        if differ:
            rows.append({"key": key, "name": fields["name"], "action": "change", "fields": differ})
    rows.extend(
        {"key": p.key, "name": p.name, "action": "disable", "fields": []}
        for p in current.values()
        if p.enabled
    )
    return rows

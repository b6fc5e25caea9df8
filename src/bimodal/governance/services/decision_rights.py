"""Decision types and decision rights: who is responsible, accountable, consulted and informed for each
type in each org unit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError

from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.roles import Role
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance.choices import (
    ForumKind,
    PartyKind,
    Raci,
)
from bimodal.governance.models import (
    DecisionRight,
    DecisionType,
    Forum,
)

# --- decision types ------------------------------------------------------------------------------------

# (key, name, description, spend threshold, default forum kind); created by decision_types_ensure().
DEFAULT_DECISION_TYPES: list[tuple[str, str, str, Decimal | None, str]] = [
    (
        "approve_change",
        "Approve a change",
        "Approve a normal change to a service before it is scheduled.",
        None,
        ForumKind.CAB,
    ),
    (
        "approve_stage_gate",
        "Approve a stage gate",
        "Let a waterfall initiative pass a stage gate into its next phase.",
        None,
        ForumKind.PORTFOLIO_BOARD,
    ),
    (
        "approve_spend",
        "Approve spend",
        "Commit money; amounts above the threshold escalate.",
        Decimal("250000"),
        ForumKind.PORTFOLIO_BOARD,
    ),
    (
        "reclassify_service",
        "Reclassify a service",
        "Move a service to another mode (e.g. Mode 1 to Mode 2).",
        None,
        ForumKind.ARCHITECTURE_BOARD,
    ),
    (
        "approve_demand",
        "Approve a demand",
        "Turn a scored demand into an initiative with a budget.",
        Decimal("100000"),
        ForumKind.PORTFOLIO_BOARD,
    ),
]


@transactional
def decision_types_ensure(*, actor: User | None = None) -> int:
    """Create the built-in decision types that do not exist yet (idempotent); return how many were created."""
    existing = set(DecisionType.objects.values_list("key", flat=True))
    created = 0
    for order, (key, name, description, threshold, forum_kind) in enumerate(DEFAULT_DECISION_TYPES):
        if key in existing:
            continue
        create_audited(
            DecisionType(
                key=key,
                name=name,
                description=description,
                spend_threshold=threshold,
                default_forum_kind=forum_kind,
                order=(order + 1) * 10,
            ),
            actor=actor,
            verb=AuditVerb.DECISION_TYPE_CREATE,
        )
        created += 1
    return created


def decision_type_get(key: str) -> DecisionType:
    """The decision type with this key; built-in types are created on first use."""
    dtype = DecisionType.objects.filter(key=key).first()
    if dtype is None and any(key == spec[0] for spec in DEFAULT_DECISION_TYPES):
        decision_types_ensure()
        dtype = DecisionType.objects.filter(key=key).first()
    if dtype is None:
        raise ValidationError({"decision_type": f"Unknown decision type {key!r}."})
    return dtype


# The fields a person sets on a decision type (besides its key, fixed once created): the API's write
# serializer and these services' keyword arguments list the same names.
DECISION_TYPE_FIELDS: Final = ("name", "description", "spend_threshold", "default_forum_kind", "order")


@transactional
def decision_type_create(
    *,
    actor: User,
    key: str = "",
    name: str,
    description: str = "",
    spend_threshold: Decimal | None = None,
    default_forum_kind: str = "",
    order: int = 100,
) -> DecisionType:
    """Add a decision type."""
    require_perm(actor, "governance.add_decisiontype")
    dtype = DecisionType(
        key=key or unique_slug(DecisionType, name, field="key").replace("-", "_"),
        name=name,
        description=description,
        spend_threshold=spend_threshold,
        default_forum_kind=default_forum_kind,
        order=order,
    )
    return create_audited(dtype, actor=actor, verb=AuditVerb.DECISION_TYPE_CREATE)


@transactional
def decision_type_update(
    *,
    actor: User,
    decision_type: DecisionType,
    reason: str = "",
    name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    spend_threshold: Decimal | NotGiven | None = UNSET,
    default_forum_kind: str | NotGiven = UNSET,
    order: int | NotGiven = UNSET,
) -> DecisionType:
    """Change a decision type's name, description, spend threshold, default forum kind or order."""
    require_perm(actor, "governance.change_decisiontype")
    fields = given(
        name=name,
        description=description,
        spend_threshold=spend_threshold,
        default_forum_kind=default_forum_kind,
        order=order,
    )
    return update_audited(
        decision_type, actor=actor, fields=fields, reason=reason, verb=AuditVerb.DECISION_TYPE_UPDATE
    )


# --- decision rights -----------------------------------------------------------------------------------


def parse_party(party: str, *, org_unit: OrgUnit | None = None) -> dict[str, Any]:
    """The DecisionRight fields of a party token: role:<key>, forum:<slug>, team:<slug> or head."""
    kind, _, ref = (party or "").partition(":")
    if kind == PartyKind.HEAD and not ref:
        return {"party_kind": PartyKind.HEAD, "role": "", "forum": None, "team": None}
    if kind == PartyKind.ROLE and ref in Role.values:
        return {"party_kind": PartyKind.ROLE, "role": ref, "forum": None, "team": None}
    if kind == PartyKind.FORUM:
        forum = Forum.objects.filter(slug=ref).first()
        if forum:
            return {"party_kind": PartyKind.FORUM, "role": "", "forum": forum, "team": None}
    if kind == PartyKind.TEAM:
        team = Team.objects.filter(slug=ref).first()
        if team:
            return {"party_kind": PartyKind.TEAM, "role": "", "forum": None, "team": team}
    raise ValidationError(
        {"party": f"Unknown party {party!r}: use role:<key>, forum:<slug>, team:<slug> or head."}
    )


def _same_party(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "party_kind": fields["party_kind"],
        "role": fields["role"],
        "forum": fields["forum"],
        "team": fields["team"],
    }


def _check_single_accountable(decision_type: DecisionType, org_unit: OrgUnit | None) -> None:
    """A decision has at most one accountable party per scope (RACI)."""
    count = DecisionRight.objects.filter(decision_type=decision_type, org_unit=org_unit, raci=Raci.A).count()
    if count > 1:
        scope = org_unit.name if org_unit else "the organisation-wide defaults"
        raise ValidationError(
            {"raci": f"“{decision_type.name}” has {count} accountable parties in {scope}; name exactly one."}
        )


def _require_rights_editor(actor: User) -> None:
    require_perm(actor, "governance.change_decisionright")


@transactional
def decision_right_set(
    *, actor: User, decision_type: DecisionType, party: str, raci: str, org_unit: OrgUnit | None = None
) -> DecisionRight | None:
    """Give `party` the letter `raci` for a decision type in a unit (None: organisation-wide);
    an empty `raci` removes the right. Returns the right (None when removed)."""
    _require_rights_editor(actor)
    fields = parse_party(party, org_unit=org_unit)
    if raci and raci not in Raci.values:
        raise ValidationError({"raci": f"Use R, A, C or I, not {raci!r}."})
    existing = DecisionRight.objects.filter(
        decision_type=decision_type, org_unit=org_unit, **_same_party(fields)
    ).first()
    if not raci:
        if existing:
            delete_audited(existing, actor=actor, verb=AuditVerb.DECISION_RIGHT_REMOVE)
        return None
    if existing:
        right = update_audited(
            existing, actor=actor, fields={"raci": raci}, verb=AuditVerb.DECISION_RIGHT_UPDATE
        )
    else:
        right = create_audited(
            DecisionRight(decision_type=decision_type, org_unit=org_unit, raci=raci, **fields),
            actor=actor,
            verb=AuditVerb.DECISION_RIGHT_CREATE,
        )
    _check_single_accountable(decision_type, org_unit)
    return right


@transactional
def decision_rights_save(
    *, actor: User, org_unit: OrgUnit | None, cells: dict[tuple[str, str], str], reason: str = ""
) -> dict[str, int]:
    """Save a RACI grid for a unit (None: organisation-wide defaults): `cells` maps (decision type key,
    party token) to a letter or "" (no right). Cells not given are left as they are. Returns counts of
    created, updated and removed rights. Nothing is saved when a decision type ends with two A."""
    _require_rights_editor(actor)
    types = {t.key: t for t in DecisionType.objects.all()}
    current = {
        (r.decision_type.key, r.party): r
        for r in DecisionRight.objects.filter(org_unit=org_unit).select_related(
            "decision_type", "forum", "team"
        )
    }
    counts = {"created": 0, "updated": 0, "removed": 0}
    touched: set[str] = set()
    for (type_key, party), letter in sorted(cells.items()):
        dtype = types.get(type_key)
        if dtype is None:
            raise ValidationError({"decision_type": f"Unknown decision type {type_key!r}."})
        if letter and letter not in Raci.values:
            raise ValidationError({"raci": f"Use R, A, C or I, not {letter!r}."})
        right = current.get((type_key, party))
        if right and not letter:
            delete_audited(right, actor=actor, reason=reason, verb=AuditVerb.DECISION_RIGHT_REMOVE)
            counts["removed"] += 1
        elif right and right.raci != letter:
            update_audited(
                right,
                actor=actor,
                fields={"raci": letter},
                reason=reason,
                verb=AuditVerb.DECISION_RIGHT_UPDATE,
            )
            counts["updated"] += 1
        elif not right and letter:
            fields = parse_party(party, org_unit=org_unit)
            create_audited(
                DecisionRight(decision_type=dtype, org_unit=org_unit, raci=letter, **fields),
                actor=actor,
                reason=reason,
                verb=AuditVerb.DECISION_RIGHT_CREATE,
            )
            counts["created"] += 1
        else:
            continue
        touched.add(type_key)
    for key in sorted(touched):
        _check_single_accountable(types[key], org_unit)
    return counts


@transactional
def decision_right_remove(*, actor: User, right: DecisionRight, reason: str = "") -> None:
    """Remove one decision right."""
    _require_rights_editor(actor)
    delete_audited(right, actor=actor, reason=reason, verb=AuditVerb.DECISION_RIGHT_REMOVE)

"""Routing of approvals: which parties a decision goes to, by the org unit's governance model and the
decision rights (RACI) that apply.

`plan()` is pure (plain values in, plain values out) and holds every rule; `route()` loads the rights,
the unit and the forums from the database and calls it. The rules, in short:

- the rights that apply are the org unit's own for the decision type when it has any (they override the
  organisation-wide defaults as a whole), otherwise the organisation-wide defaults;
- "above the threshold" means an amount strictly greater than the decision type's spend threshold;
- the central forum is the forum holding A in those rights, else the forum holding C, else the first
  forum of the decision type's default forum kind;
- **centralised**: the party holding A decides; above the threshold the central forum decides and the
  A party prepares the decision (R);
- **federated**: the unit's own accountable party decides — the A of the unit's own rights, else the head
  of the unit; above the threshold the central forum is consulted (C);
- **agile**: the product team decides (the team holding A, else R, else any product team of the unit);
  above the threshold the team prepares (R) and the central forum decides (A).
When nobody can be named, the central forum decides, or else the governance lead role. Raising the amount
never removes a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bimodal.core.choices import GovernanceModel
from bimodal.core.roles import Role
from bimodal.governance.choices import PartyKind, Raci, StepKind
from bimodal.governance.models import DecisionRight, DecisionType, Forum

FALLBACK_ROLE = Role.GOVERNANCE_LEAD


@dataclass(frozen=True)
class Party:
    """A holder of a decision right, as plain values: kind (role/forum/team/head), ref, label, RACI letter."""

    kind: str
    ref: str
    label: str
    raci: str


@dataclass(frozen=True)
class Plan:
    """What `plan()` decides: the steps, the forum (slug) whose meetings table the request, and why."""

    steps: list[dict]
    forum: str | None
    above_threshold: bool
    reasons: list[str]


@dataclass
class Route:
    """A computed route: approval steps, the forum that tables it (or None) and the governance model."""

    steps: list[dict]
    forum: Forum | None
    model: str
    above_threshold: bool = False
    source: str = "default"
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The route as stored on a decision request (JSON)."""
        return {
            "steps": self.steps,
            "forum": getattr(self.forum, "slug", None),
            "model": self.model,
            "above_threshold": self.above_threshold,
            "source": self.source,
            "reasons": self.reasons,
        }


def _step(kind: str, ref: str | None, label: str, raci: str) -> dict:
    return {"kind": kind, "ref": ref, "label": label, "raci": raci}


def _party_step(party: Party, raci: str, head: tuple[str, str] | None) -> dict | None:
    """The step for a party, or None when it cannot be named (a unit without a head)."""
    if party.kind == PartyKind.HEAD:
        return _step(StepKind.PERSON, head[0], f"{head[1]} (head of the unit)", raci) if head else None
    return _step(party.kind, party.ref, party.label, raci)


def _same(a: dict, b: dict) -> bool:
    return a["kind"] == b["kind"] and a["ref"] == b["ref"]


def is_above(threshold: Decimal | None, amount: Decimal | None) -> bool:
    """Whether an amount escalates: strictly greater than the threshold (no threshold: never)."""
    return threshold is not None and amount is not None and Decimal(amount) > Decimal(threshold)


def plan(
    *,
    model: str,
    rights: list[Party],
    unit_rights: bool = False,
    threshold: Decimal | None = None,
    amount: Decimal | None = None,
    head: tuple[str, str] | None = None,
    unit_label: str = "",
    default_forum: tuple[str, str] | None = None,
) -> Plan:
    """The approval steps for one request (pure).

    `rights` are the rights that apply (the unit's own when `unit_rights`, else the defaults); `head` is
    the unit head as (username, name); `default_forum` the first forum of the type's default kind as
    (slug, name)."""
    above = is_above(threshold, amount)
    reasons: list[str] = []
    accountable = next((p for p in rights if p.raci == Raci.A), None)
    forum_party = next((p for p in rights if p.kind == PartyKind.FORUM and p.raci == Raci.A), None) or next(
        (p for p in rights if p.kind == PartyKind.FORUM and p.raci == Raci.C), None
    )
    central = (
        _step(StepKind.FORUM, forum_party.ref, forum_party.label, Raci.A)
        if forum_party
        else (_step(StepKind.FORUM, default_forum[0], default_forum[1], Raci.A) if default_forum else None)
    )
    fallback = central or _step(StepKind.ROLE, FALLBACK_ROLE.value, FALLBACK_ROLE.label, Raci.A)
    if above:
        reasons.append(f"The amount {amount} is above the threshold {threshold}.")

    if model == GovernanceModel.FEDERATED:
        first = None
        if unit_rights and accountable:
            first = _party_step(accountable, Raci.A, head)
            if first:
                reasons.append("Federated: the unit's own accountable party decides.")
        if first is None and head:
            first = _step(StepKind.PERSON, head[0], f"{head[1]} (head of the unit)", Raci.A)
            reasons.append("Federated: the head of the unit decides.")
        if first is None and accountable:
            first = _party_step(accountable, Raci.A, head)
            if first:
                reasons.append("Federated, no head of the unit: the default accountable party decides.")
        if first is None:
            first = dict(fallback)
            reasons.append("Nobody is accountable: the central forum or the governance lead decides.")
        steps = [first]
        if above and central and not _same(central, first):
            steps.append({**central, "raci": Raci.C})
            reasons.append("Above the threshold the central forum is consulted.")
    elif model == GovernanceModel.AGILE:
        team = next((p for p in rights if p.kind == PartyKind.TEAM and p.raci == Raci.A), None) or next(
            (p for p in rights if p.kind == PartyKind.TEAM and p.raci == Raci.R), None
        )
        if team:
            first = _step(StepKind.TEAM, team.ref, team.label, Raci.A)
        else:
            label = f"A product team of {unit_label}" if unit_label else "A product team of the unit"
            first = _step(StepKind.TEAM, None, label, Raci.A)
        reasons.append("Agile: the product team decides.")
        steps = [first]
        if above:
            first["raci"] = Raci.R
            escalation = central
            if escalation is None and accountable and accountable.kind != PartyKind.TEAM:
                escalation = _party_step(accountable, Raci.A, head)
            steps.append(dict(escalation or fallback))
            reasons.append("Above the threshold the team prepares and the central party decides.")
    else:
        first = _party_step(accountable, Raci.A, head) if accountable else None
        if first is None:
            first = dict(fallback)
            reasons.append(
                "Centralised, nobody named as accountable: the central forum or governance lead decides."
            )
        else:
            reasons.append("Centralised: the accountable party decides.")
        steps = [first]
        if above and central and not _same(central, first):
            first["raci"] = Raci.R
            steps.append(dict(central))
            reasons.append("Above the threshold the central forum decides.")

    forum = next(
        (s["ref"] for s in steps if s["kind"] == StepKind.FORUM and s["raci"] == Raci.A), None
    ) or next((s["ref"] for s in steps if s["kind"] == StepKind.FORUM), None)
    return Plan(steps=steps, forum=forum, above_threshold=above, reasons=reasons)


def party_of(right) -> Party:
    """A DecisionRight as a Party (forum and team must be loaded)."""
    if right.party_kind == PartyKind.ROLE:
        ref = right.role
    elif right.party_kind == PartyKind.FORUM:
        ref = right.forum.slug
    elif right.party_kind == PartyKind.TEAM:
        ref = right.team.slug
    else:
        ref = ""
    return Party(kind=right.party_kind, ref=ref, label=right.party_label, raci=right.raci)


# Order in which rights are read: who holds A is unique per scope, but forums come first among equals.
_KIND_ORDER: dict[str, int] = {PartyKind.FORUM: 0, PartyKind.ROLE: 1, PartyKind.TEAM: 2, PartyKind.HEAD: 3}


def applicable_rights(decision_type, org_unit) -> tuple[list, bool]:
    """The rights that apply to (decision type, unit): the unit's own if it has any, else the defaults;
    and whether they are the unit's own."""

    base = DecisionRight.objects.filter(decision_type=decision_type).select_related("forum", "team")
    rows = list(base.filter(org_unit=org_unit)) if org_unit is not None else []
    own = bool(rows)
    if not own:
        rows = list(base.filter(org_unit__isnull=True))
    rows.sort(key=lambda r: (_KIND_ORDER.get(r.party_kind, 9), r.pk))
    return rows, own


def route(*, decision_type: str | DecisionType, org_unit=None, mode=None, amount=None) -> Route:
    """The route of a decision of type `decision_type` (key) in `org_unit` (None: organisation-wide,
    routed as centralised). `mode` is recorded for reporting; it does not change the route."""
    from django.core.exceptions import ValidationError

    if isinstance(decision_type, str):
        known = DecisionType.objects.filter(key=decision_type).first()
        if known is None:
            raise ValidationError({"decision_type": f"Unknown decision type {decision_type!r}."})
        dtype = known
    else:
        dtype = decision_type
    rights, own = applicable_rights(dtype, org_unit)
    model = org_unit.governance_model if org_unit is not None else GovernanceModel.CENTRALISED
    default_forum = None
    if dtype.default_forum_kind:
        found = Forum.objects.filter(kind=dtype.default_forum_kind).order_by("name").first()
        default_forum = (found.slug, found.name) if found else None
    head = None
    if org_unit is not None and org_unit.head_id:
        person = org_unit.head
        head = (person.username, str(person))
    result = plan(
        model=model,
        rights=[party_of(r) for r in rights],
        unit_rights=own,
        threshold=dtype.spend_threshold,
        amount=None if amount is None else Decimal(amount),
        head=head,
        unit_label=org_unit.name if org_unit is not None else "",
        default_forum=default_forum,
    )
    forum = Forum.objects.filter(slug=result.forum).first() if result.forum else None
    return Route(
        steps=result.steps,
        forum=forum,
        model=model,
        above_threshold=result.above_threshold,
        source="unit" if own else "default",
        reasons=result.reasons,
    )

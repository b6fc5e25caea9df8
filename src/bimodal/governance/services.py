"""Writes of the governance app: forums and their meetings, decision types, decision rights, decision
requests and their decisions, and policy versions (each edit a new, audited version)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.roles import Role
from bimodal.core.services import (
    create_audited,
    delete_audited,
    notify,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.governance import registry, routing
from bimodal.governance.choices import (
    DECISION_TRANSITIONS,
    MEETING_TRANSITIONS,
    AgendaOutcome,
    DecisionStatus,
    ForumKind,
    MeetingStatus,
    PartyKind,
    Raci,
)
from bimodal.governance.models import (
    AgendaItem,
    DecisionRequest,
    DecisionRight,
    DecisionType,
    Forum,
    Meeting,
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


@transaction.atomic
def forum_create(*, actor: User, name: str, slug: str = "", members=(), **fields) -> Forum:
    """Create a forum with its members."""
    require_perm(actor, "governance.add_forum")
    forum = Forum(name=name, slug=slug or unique_slug(Forum, name), **fields)
    return create_audited(forum, actor=actor, m2m={"members": list(members)}, verb="forum_create")


@transaction.atomic
def forum_update(*, actor: User, forum: Forum, members=None, reason: str = "", **fields) -> Forum:
    """Change a forum's attributes or members."""
    require_perm(actor, "governance.change_forum")
    m2m = {"members": list(members)} if members is not None else None
    return update_audited(forum, actor=actor, fields=fields, m2m=m2m, reason=reason, verb="forum_update")


def policy_create(*, actor: User, key: str = "", name: str, **fields) -> Policy:
    """Create version 1 of a policy; its CEL expression is validated (syntax, types, boolean result)."""
    require_perm(actor, "governance.add_policy")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields {sorted(unknown)}")
    key = key or unique_slug(Policy, name, field="key")
    policy = Policy(key=key, name=name, version=1, is_current=True, created_by=actor, **fields)
    return create_audited(policy, actor=actor, verb="policy_create")


@transaction.atomic
def policy_update(*, actor: User, policy: Policy, reason: str = "", **fields) -> Policy:
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
    update_audited(current, actor=actor, fields={"is_current": False}, reason=reason, verb="policy_supersede")
    return create_audited(draft, actor=actor, reason=reason, verb="policy_update")


def policy_try(*, draft: Policy, context: dict) -> dict:
    """Evaluate an unsaved draft together with the current policies (the draft replacing its own key)
    against an example change; nothing is written. Raises ValidationError for a bad draft."""
    from bimodal.governance import engine

    draft.full_clean(
        exclude=["key", "version", "created_by"], validate_unique=False, validate_constraints=False
    )
    compiled = engine.CompiledPolicy.of(draft)
    others = [p for p in engine.current_policies().policies if p.key != draft.key]
    decision = engine.evaluate(context, [*others, compiled] if draft.enabled else others)
    result = decision.to_dict()
    result["draft_fired"] = any(rule.key == draft.key for rule in decision.fired)
    return result


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


@transaction.atomic
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
            verb="decision_type_create",
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


@transaction.atomic
def decision_type_create(*, actor: User, key: str = "", name: str, **fields) -> DecisionType:
    """Add a decision type."""
    require_perm(actor, "governance.add_decisiontype")
    dtype = DecisionType(
        key=key or unique_slug(DecisionType, name, field="key").replace("-", "_"), name=name, **fields
    )
    return create_audited(dtype, actor=actor, verb="decision_type_create")


@transaction.atomic
def decision_type_update(
    *, actor: User, decision_type: DecisionType, reason: str = "", **fields
) -> DecisionType:
    """Change a decision type's name, description, spend threshold or default forum kind."""
    require_perm(actor, "governance.change_decisiontype")
    fields.pop("key", None)
    return update_audited(
        decision_type, actor=actor, fields=fields, reason=reason, verb="decision_type_update"
    )


# --- decision rights -----------------------------------------------------------------------------------


def parse_party(party: str, *, org_unit: OrgUnit | None = None) -> dict:
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


def _same_party(fields: dict) -> dict:
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


@transaction.atomic
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
            delete_audited(existing, actor=actor, verb="decision_right_remove")
        return None
    if existing:
        right = update_audited(existing, actor=actor, fields={"raci": raci}, verb="decision_right_update")
    else:
        right = create_audited(
            DecisionRight(decision_type=decision_type, org_unit=org_unit, raci=raci, **fields),
            actor=actor,
            verb="decision_right_create",
        )
    _check_single_accountable(decision_type, org_unit)
    return right


@transaction.atomic
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
            delete_audited(right, actor=actor, reason=reason, verb="decision_right_remove")
            counts["removed"] += 1
        elif right and right.raci != letter:
            update_audited(
                right, actor=actor, fields={"raci": letter}, reason=reason, verb="decision_right_update"
            )
            counts["updated"] += 1
        elif not right and letter:
            fields = parse_party(party, org_unit=org_unit)
            create_audited(
                DecisionRight(decision_type=dtype, org_unit=org_unit, raci=letter, **fields),
                actor=actor,
                reason=reason,
                verb="decision_right_create",
            )
            counts["created"] += 1
        else:
            continue
        touched.add(type_key)
    for key in sorted(touched):
        _check_single_accountable(types[key], org_unit)
    return counts


@transaction.atomic
def decision_right_remove(*, actor: User, right: DecisionRight, reason: str = "") -> None:
    """Remove one decision right."""
    _require_rights_editor(actor)
    delete_audited(right, actor=actor, reason=reason, verb="decision_right_remove")


# --- decision requests ---------------------------------------------------------------------------------


def _transition(
    request: DecisionRequest, target: str, *, actor, reason: str = "", **fields
) -> DecisionRequest:
    if target not in DECISION_TRANSITIONS.get(request.status, frozenset()):
        raise ValidationError(
            {
                "status": f"A decision request cannot go from “{DecisionStatus(request.status).label}” "
                f"to “{DecisionStatus(target).label}”."
            }
        )
    return update_audited(
        request,
        actor=actor,
        fields={"status": target, **fields},
        reason=reason,
        verb=f"decision_{target}",
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def decision_request_open(
    *,
    actor: User | None,
    decision_type: str,
    subject=None,
    title: str,
    org_unit: OrgUnit | None = None,
    mode=None,
    amount=None,
    description: str = "",
    at: datetime | None = None,
    system: bool = False,
) -> DecisionRequest:
    """Open a decision request: route it by the unit's governance model and decision rights, table it at
    the routed forum (if any), status pending. `at` records when it was raised (history and imports).
    `system=True`: raised by the product itself (no requester; e.g. drift detection)."""
    if not system:
        require_perm(actor, "governance.add_decisionrequest")
    dtype = decision_type_get(decision_type) if isinstance(decision_type, str) else decision_type
    if amount is not None:
        amount = Decimal(str(amount))
    computed = routing.route(decision_type=dtype, org_unit=org_unit, mode=mode, amount=amount)
    request = DecisionRequest(
        decision_type=dtype,
        org_unit=org_unit,
        mode=mode,
        title=title,
        description=description,
        amount=amount,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_at=at or timezone.now(),
        status=DecisionStatus.PENDING,
        route=computed.to_dict(),
        step_count=len(computed.steps),
        forum=computed.forum,
    )
    if subject is not None:
        request.content_type = ContentType.objects.get_for_model(subject, for_concrete_model=True)
        request.object_id = subject.pk
    return create_audited(request, actor=actor, verb="decision_request_open")


def holds_step(user: User, step: dict, request: DecisionRequest) -> bool:
    """Whether `user` is the party a (non-forum) route step names."""
    kind, ref = step.get("kind"), step.get("ref")
    if kind == "role":
        return user.groups.filter(name=ref).exists()
    if kind == "person":
        return bool(ref) and user.get_username() == ref
    if kind == "team":
        teams = (
            Team.objects.filter(slug=ref)
            if ref
            else Team.objects.filter(org_unit_id=request.org_unit_id, kind="product")
        )
        if not ref and request.org_unit_id is None:
            return False
        return (
            teams.filter(pk__in=Team.objects.filter(members=user).values("pk")).exists()
            or teams.filter(lead=user).exists()
        )
    return False


def sits_on(user: User, forum: Forum) -> bool:
    """Whether `user` is the chair or a member of `forum`."""
    return forum.chair_id == user.pk or forum.members.filter(pk=user.pk).exists()


def may_decide(user: User, request: DecisionRequest, meeting: Meeting | None = None) -> tuple[bool, str]:
    """Whether `user` may record the decision on `request` (at `meeting`), and why not."""
    if not getattr(user, "is_authenticated", False):
        return False, "Sign in first."
    if request.status != DecisionStatus.PENDING:
        return False, "This request has already been closed."
    if user.pk == request.requested_by_id:
        return False, "Segregation of duties: you cannot decide a request you made."
    for step in request.steps:
        if step.get("raci") == Raci.A and step.get("kind") != "forum" and holds_step(user, step, request):
            return True, ""
    if meeting is not None and request.forum_id:
        if meeting.forum_id != request.forum_id:
            return False, "This meeting is not of the forum the request is routed to."
        if meeting.status == MeetingStatus.CANCELLED:
            return False, "The meeting was cancelled."
        if not meeting.quorum_met:
            return False, "The meeting has no quorum: record the attendance first."
        if sits_on(user, meeting.forum):
            return True, ""
        return False, "Only the chair or a member of the forum records its decisions."
    if request.forum_id and any(s.get("kind") == "forum" and s.get("raci") == Raci.A for s in request.steps):
        return False, f"{request.forum} decides this at a meeting with quorum."
    return False, "You do not hold the decision right for this request."


@transaction.atomic
def decision_record(
    *,
    actor: User,
    request: DecisionRequest,
    outcome: str,
    note: str = "",
    meeting: Meeting | None = None,
    at: datetime | None = None,
) -> DecisionRequest:
    """Record the decision on a pending request (approved / rejected), checked against the route's
    decision rights and segregation of duties; then run the handlers registered for its type. `at`
    records when it was decided (history and imports); it cannot precede the request."""
    if outcome not in (DecisionStatus.APPROVED, DecisionStatus.REJECTED):
        raise ValidationError({"outcome": "Decide “approved” or “rejected”."})
    request = (
        DecisionRequest.objects.select_for_update(of=("self",))
        .select_related("decision_type", "forum")
        .get(pk=request.pk)
    )
    if meeting is not None:
        meeting = Meeting.objects.select_related("forum").get(pk=meeting.pk)
    if request.status != DecisionStatus.PENDING:
        raise ValidationError({"status": "This request has already been decided or withdrawn."})
    allowed, why = may_decide(actor, request, meeting)
    if not allowed:
        raise PermissionDenied(why)
    if outcome == DecisionStatus.REJECTED and not note.strip():
        raise ValidationError({"note": "Say why the request is rejected."})
    if at is not None and at < request.requested_at:
        raise ValidationError({"at": "A decision cannot be taken before the request was raised."})
    request = _transition(
        request,
        outcome,
        actor=actor,
        reason=note,
        decided_by=actor,
        decided_at=at or timezone.now(),
        outcome_note=note,
        meeting=meeting,
    )
    if meeting is not None:
        for item in AgendaItem.objects.filter(meeting=meeting, decision_request=request):
            update_audited(
                item, actor=actor, fields={"outcome": outcome, "notes": note}, verb="agenda_item_record"
            )
    for handler in registry.decision_handlers(request.decision_type.key):
        handler(request, actor=actor)
    notify(
        recipients=[request.requested_by] if request.requested_by_id else [],
        subject=f"{request.get_status_display()}: {request.title}",
        body=f"Decided by {actor.get_full_name() or actor.username}. {note}".strip(),
        url=request.get_absolute_url(),
    )
    return request


@transaction.atomic
def decision_request_withdraw(*, actor: User, request: DecisionRequest, reason: str = "") -> DecisionRequest:
    """The requester (or a governance lead) withdraws a pending request."""
    if actor.pk != request.requested_by_id and not actor.has_perm("governance.change_decisionrequest"):
        raise PermissionDenied("Only the requester or a governance lead may withdraw a request.")
    return _transition(request, DecisionStatus.WITHDRAWN, actor=actor, reason=reason)


# --- meetings ------------------------------------------------------------------------------------------


def _require_meeting_manager(actor: User, forum: Forum) -> None:
    """The forum's chair, or whoever may change meetings (governance leads, change managers)."""
    if actor is None or not (actor.has_perm("governance.change_meeting") or forum.chair_id == actor.pk):
        raise PermissionDenied("Only the chair of the forum or a governance lead runs its meetings.")


def _quorum_met(forum: Forum, attendees: Iterable[User]) -> bool:
    """Whether enough of the forum's chair and members attend."""
    seated = set(forum.members.values_list("pk", flat=True))
    if forum.chair_id:
        seated.add(forum.chair_id)
    return len(seated & {u.pk for u in attendees}) >= forum.quorum


@transaction.atomic
def meeting_create(*, actor: User, forum: Forum, scheduled_for: datetime, attendees=()) -> Meeting:
    """Plan a meeting of a forum."""
    if actor is None or not (actor.has_perm("governance.add_meeting") or forum.chair_id == actor.pk):
        raise PermissionDenied("Only the chair of the forum or a governance lead plans its meetings.")
    attendees = list(attendees)
    meeting = Meeting(forum=forum, scheduled_for=scheduled_for, quorum_met=_quorum_met(forum, attendees))
    return create_audited(meeting, actor=actor, m2m={"attendees": attendees}, verb="meeting_create")


def _check_meeting_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": "The meeting was cancelled."})


@transaction.atomic
def meeting_build_agenda(*, actor: User, meeting: Meeting) -> list[AgendaItem]:
    """Add every pending request routed to the meeting's forum and the items of the agenda providers
    registered for its kind (e.g. changes awaiting the CAB); items already on the agenda stay once."""
    forum = meeting.forum
    _require_meeting_manager(actor, forum)
    _check_meeting_open(meeting)
    items = meeting.agenda_items.all()
    have_requests = set(items.exclude(decision_request=None).values_list("decision_request_id", flat=True))
    have_subjects = set(items.exclude(object_id=None).values_list("content_type_id", "object_id"))
    order = (items.aggregate(m=Max("order"))["m"] or 0) + 1
    new: list[AgendaItem] = []
    pending = (
        DecisionRequest.objects.pending()
        .filter(forum=forum)
        .exclude(pk__in=have_requests)
        .select_related("decision_type")
        .order_by("requested_at", "pk")
    )
    for request in pending:
        new.append(
            AgendaItem(
                meeting=meeting,
                order=order + len(new),
                decision_request=request,
                topic=f"{request.reference} {request.title}"[:255],
                url=request.get_absolute_url(),
                source=f"decision:{request.decision_type.key}",
            )
        )
    for provider in registry.agenda_providers(forum.kind):
        for obj in provider(meeting):
            content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
            if (content_type.pk, obj.pk) in have_subjects:
                continue
            have_subjects.add((content_type.pk, obj.pk))
            new.append(
                AgendaItem(
                    meeting=meeting,
                    order=order + len(new),
                    content_type=content_type,
                    object_id=obj.pk,
                    topic=str(getattr(obj, "agenda_topic", None) or obj)[:255],
                    url=obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
                    source=content_type.app_label,
                )
            )
    for item in new:
        item.full_clean(validate_constraints=False)
    AgendaItem.objects.bulk_create(new)
    if new:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=meeting,
            after={"agenda_added": [item.topic for item in new]},
            verb="meeting_build_agenda",
        )
    return list(meeting.agenda_items.select_related("decision_request").order_by("order", "pk"))


@transaction.atomic
def agenda_item_add(*, actor: User, meeting: Meeting, topic: str, notes: str = "") -> AgendaItem:
    """Add a free topic to a meeting's agenda."""
    _require_meeting_manager(actor, meeting.forum)
    _check_meeting_open(meeting)
    order = (meeting.agenda_items.aggregate(m=Max("order"))["m"] or 0) + 1
    return create_audited(
        AgendaItem(meeting=meeting, order=order, topic=topic, notes=notes, source="topic"),
        actor=actor,
        verb="agenda_item_add",
    )


@transaction.atomic
def agenda_item_record(*, actor: User, item: AgendaItem, outcome: str, notes: str = "") -> AgendaItem:
    """Record what the forum did with an agenda item. For a decision request, approved / rejected records
    the decision itself (with quorum and decision-right checks); other items are deferred or noted."""
    meeting = item.meeting
    _check_meeting_open(meeting)
    if outcome not in AgendaOutcome.values or outcome == AgendaOutcome.OPEN:
        raise ValidationError({"outcome": "Choose approved, rejected, deferred or noted."})
    if item.decision_request_id and outcome in (AgendaOutcome.APPROVED, AgendaOutcome.REJECTED):
        decision_record(
            actor=actor, request=item.decision_request, outcome=outcome, note=notes, meeting=meeting
        )
        item.refresh_from_db()
        return item
    if outcome in (AgendaOutcome.APPROVED, AgendaOutcome.REJECTED):
        raise ValidationError(
            {"outcome": "Only decision requests are approved here; vote on a change on its own page."}
        )
    if not (sits_on(actor, meeting.forum) or actor.has_perm("governance.change_meeting")):
        raise PermissionDenied("Only the chair or a member of the forum records its agenda.")
    return update_audited(
        item, actor=actor, fields={"outcome": outcome, "notes": notes}, verb="agenda_item_record"
    )


def _meeting_move(meeting: Meeting, target: str, *, actor, **fields) -> Meeting:
    if target not in MEETING_TRANSITIONS.get(meeting.status, frozenset()):
        raise ValidationError(
            {
                "status": f"A meeting cannot go from “{MeetingStatus(meeting.status).label}” "
                f"to “{MeetingStatus(target).label}”."
            }
        )
    return fields


@transaction.atomic
def meeting_record_attendance(*, actor: User, meeting: Meeting, attendees: Iterable[User]) -> Meeting:
    """Record who attends; quorum is met when at least `forum.quorum` of its chair and members attend."""
    _require_meeting_manager(actor, meeting.forum)
    _check_meeting_open(meeting)
    attendees = list(attendees)
    return update_audited(
        meeting,
        actor=actor,
        fields={"quorum_met": _quorum_met(meeting.forum, attendees)},
        m2m={"attendees": attendees},
        verb="meeting_record_attendance",
    )


@transaction.atomic
def meeting_record_minutes(
    *, actor: User, meeting: Meeting, minutes: str, attendees: Iterable[User] | None = None
) -> Meeting:
    """Record the minutes (and, if given, the attendance); the meeting is then held."""
    _require_meeting_manager(actor, meeting.forum)
    _meeting_move(meeting, MeetingStatus.HELD, actor=actor)
    fields: dict = {"minutes": minutes, "status": MeetingStatus.HELD}
    m2m = None
    if attendees is not None:
        attendees = list(attendees)
        fields["quorum_met"] = _quorum_met(meeting.forum, attendees)
        m2m = {"attendees": attendees}
    return update_audited(
        meeting,
        actor=actor,
        fields=fields,
        m2m=m2m,
        verb="meeting_record_minutes",
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a planned meeting."""
    _require_meeting_manager(actor, meeting.forum)
    _meeting_move(meeting, MeetingStatus.CANCELLED, actor=actor)
    return update_audited(
        meeting,
        actor=actor,
        fields={"status": MeetingStatus.CANCELLED},
        reason=reason,
        verb="meeting_cancel",
        action=AuditAction.TRANSITION,
    )

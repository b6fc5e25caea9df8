"""Decision requests, routed by the unit's governance model, and the decisions recorded on them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone

from bimodal.core.choices import AuditAction, NotificationKind
from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    notify,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance import registry, routing
from bimodal.governance.choices import (
    DECISION_TRANSITIONS,
    DecisionStatus,
    MeetingStatus,
    Raci,
)
from bimodal.governance.models import (
    AgendaItem,
    DecisionRequest,
    Forum,
    Meeting,
)
from bimodal.governance.services.decision_rights import (
    decision_type_get,
)
from bimodal.portfolio.models import Mode

# --- decision requests ---------------------------------------------------------------------------------


def _transition(
    request: DecisionRequest,
    target: str,
    *,
    actor: User,
    reason: str = "",
    decided_by: User | NotGiven = UNSET,
    decided_at: datetime | NotGiven = UNSET,
    outcome_note: str | NotGiven = UNSET,
    meeting: Meeting | NotGiven | None = UNSET,
) -> DecisionRequest:
    """Move a decision request to `target` (refused with a 400 when it is not allowed), with the given
    fields of the decision."""
    if target not in DECISION_TRANSITIONS.get(request.status, frozenset()):
        raise ValidationError(
            {
                "status": f"A decision request cannot go from “{DecisionStatus(request.status).label}” "
                f"to “{DecisionStatus(target).label}”."
            }
        )
    fields = given(decided_by=decided_by, decided_at=decided_at, outcome_note=outcome_note, meeting=meeting)
    return update_audited(
        request,
        actor=actor,
        fields={"status": target, **fields},
        reason=reason,
        verb=AuditVerb(f"decision_{target}"),
        action=AuditAction.TRANSITION,
    )


@transactional
def decision_request_open(
    *,
    actor: User | None,
    decision_type: str,
    subject: models.Model | None = None,
    title: str,
    org_unit: OrgUnit | None = None,
    mode: Mode | None = None,
    amount: Decimal | int | float | str | None = None,
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
    value = Decimal(str(amount)) if amount is not None else None
    computed = routing.route(decision_type=dtype, org_unit=org_unit, mode=mode, amount=value)
    request = DecisionRequest(
        decision_type=dtype,
        org_unit=org_unit,
        mode=mode,
        title=title,
        description=description,
        amount=value,
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
    return create_audited(request, actor=actor, verb=AuditVerb.DECISION_REQUEST_OPEN)


def holds_step(user: User, step: dict[str, Any], request: DecisionRequest) -> bool:
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


@transactional
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
        DecisionRequest.objects.select_for_update(no_key=True, of=("self",))
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
                item,
                actor=actor,
                fields={"outcome": outcome, "notes": note},
                verb=AuditVerb.AGENDA_ITEM_RECORD,
            )
    for handler in registry.decision_handlers(request.decision_type.key):
        handler(request, actor=actor)
    notify(
        recipients=[request.requested_by] if request.requested_by_id else [],
        kind=NotificationKind.DECISION_DECIDED,
        obj=request,
        subject=f"{request.get_status_display()}: {request.title}",
        body=f"Decided by {actor.get_full_name() or actor.username}. {note}".strip(),
        url=request.get_absolute_url(),
    )
    return request


@transactional
def decision_request_withdraw(*, actor: User, request: DecisionRequest, reason: str = "") -> DecisionRequest:
    """The requester (or a governance lead) withdraws a pending request."""
    if actor.pk != request.requested_by_id and not actor.has_perm("governance.change_decisionrequest"):
        raise PermissionDenied("Only the requester or a governance lead may withdraw a request.")
    return _transition(request, DecisionStatus.WITHDRAWN, actor=actor, reason=reason)

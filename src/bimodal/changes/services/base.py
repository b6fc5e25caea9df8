"""Shared pieces of the changes app's writes: references, audited transitions, evidence, risk assessment
and the approval requirements a policy decision sets.

Every write checks permissions, validates, writes and audits in one transaction. The allowed transitions are
declared in choices.TRANSITIONS; `_move` here (and `_move_new` for the gate's one-statement writes) is the
only place that changes a status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from bimodal.changes import selectors
from bimodal.changes.choices import (
    ChangeSource,
    ChangeStatus,
    Vote,
    can_transition,
)
from bimodal.changes.models import (
    Change,
)
from bimodal.changes.risk import risk_score
from bimodal.core.choices import AuditAction
from bimodal.core.models import Actor, User
from bimodal.core.services import UNSET, NotGiven, given, require_object, update_audited
from bimodal.core.transitions import record_change
from bimodal.core.verbs import AuditVerb
from bimodal.governance import engine
from bimodal.governance.models import Forum
from bimodal.portfolio.models import Service

S = ChangeStatus
# The fields a person sets on a change record: the form, the API's write serializer and the keyword
# arguments of change_create / change_update list the same names (changes/tests/test_services.py checks that
# they do not drift).
CHANGE_FIELDS: Final = (
    "title",
    "change_type",
    "environment",
    "services",
    "description",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "planned_start",
    "planned_end",
    "evidence",
    "risk_answers",
)
TOKEN_PREFIX = "bmp"


# --- helpers --------------------------------------------------------------------------------------


def _next_reference() -> str:
    last = Change.objects.aggregate(n=Max("pk"))["n"] or 0
    return f"CHG-{last + 1:06d}"


def _lock(change: Change) -> Change:
    """The change's row, locked for this transaction and read afresh: lock first, then read and decide,
    so that two writers (votes, start and cancel) never decide on the same stale state. The caller's
    instance is refreshed in place (one query) and returned."""
    change.refresh_from_db(from_queryset=Change.objects.select_for_update())
    return change


def _move(
    change: Change,
    target: str,
    *,
    actor: Actor,
    reason: str = "",
    planned_start: datetime | NotGiven = UNSET,
    planned_end: datetime | NotGiven = UNSET,
    result: str | NotGiven = UNSET,
    review_notes: str | NotGiven = UNSET,
    assessment: dict[str, Any] | None = None,
) -> Change:
    """Apply one transition of the state machine (refused with a 400 when it is not allowed), with the
    given fields that go with it; `assessment` is the risk and approval fields an assessment sets.

    The row is locked and read again first: the transition is decided on the committed status."""
    change = _lock(change)
    if not can_transition(change.status, target, change.change_type):
        raise ValidationError(
            {
                "status": f"A {change.get_change_type_display().lower()} change cannot go from "
                f"“{S(change.status).label}” to “{S(target).label}”."
            }
        )
    old = change.status
    fields = given(
        planned_start=planned_start, planned_end=planned_end, result=result, review_notes=review_notes
    )
    change = update_audited(
        change,
        actor=actor,
        fields={"status": target, **fields, **(assessment or {})},
        reason=reason,
        verb=AuditVerb(f"change_{target}"),
        action=AuditAction.TRANSITION,
    )
    record_change(change, old, target)
    return change


def _require_edit(actor: Actor, change: Change) -> None:
    """The requester, the owner teams of its services and change managers may work a change."""
    require_object(actor, "change", change)


def _primary(services: list[Service]) -> Service:
    """The service whose policies govern a multi-service change: the most critical, Mode 1 first."""
    return min(services, key=lambda s: (s.criticality, s.mode.order, s.slug))


def _evidence(
    change_evidence: dict[str, Any], *, backout_plan: str = "", test_plan: str = "", plan: str = ""
) -> dict[str, Any]:
    """The evidence map the policies see: named artefacts plus the plans written on the change."""
    evidence = dict(change_evidence or {})
    for name, text in (
        ("backout_plan", backout_plan),
        ("test_plan", test_plan),
        ("implementation_plan", plan),
    ):
        if text and not evidence.get(name):
            evidence[name] = True
    return evidence


def assess(
    *,
    services: list[Service],
    change_type: str,
    answers: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
    environment: str = "production",
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    source: str = ChangeSource.MANUAL,
    conflict_count: int = 0,
    facts: dict[str, Any] | None = None,
) -> tuple[int, str, dict[str, Any], engine.Decision]:
    """(risk score, risk level, policy context, decision) for a change to `services`.

    `facts` (selectors.change_facts, or fetched with the service by the gate) saves its query."""
    primary = _primary(services)
    start = planned_start or timezone.now()
    end = planned_end or start + timedelta(minutes=30)
    planned = bool(planned_start and planned_end)
    if facts is None:
        facts = selectors.change_facts(services, start, end)
    blast = selectors.blast_radius_size(services, signature=facts["graph"])
    rate = facts["failure_rate"]
    score, level = risk_score(
        criticality=primary.criticality,
        blast_radius=blast,
        change_type=change_type,
        failure_rate=rate,
        answers=answers,
    )
    context = {
        "change": {
            "type": change_type,
            "risk_score": score,
            "risk_level": level,
            "environment": environment,
            "source": source,
            "has_backout_plan": bool((evidence or {}).get("backout_plan")),
            "has_test_plan": bool((evidence or {}).get("test_plan")),
            "planned": planned,
            "in_window": facts["in_window"],
            "in_freeze": facts["in_freeze"],
            "conflict_count": conflict_count,
            "service_count": len(services),
        },
        "service": {
            "slug": primary.slug,
            "mode": primary.mode.key,
            "criticality": primary.criticality,
            "tags": facts["tags"] if "tags" in facts else [t.name for t in primary.regulatory_tags.all()],
            "data_classification": primary.data_classification,
            "hosting": primary.hosting,
            "lifecycle": primary.lifecycle,
            "change_failure_rate": rate,
            "blast_radius": blast,
        },
        "evidence": dict(evidence or {}),
    }
    decision = engine.evaluate(context, engine.current_policies(facts["policies"]))
    return score, level, context, decision


def _services_of(change: Change) -> list[Service]:
    return list(change.services.select_related("mode").prefetch_related("regulatory_tags"))


def _approval_fields(decision: engine.Decision) -> dict[str, Any]:
    """What the change keeps of a decision: the approvers it needs and whether a window is required."""
    forum_req = next((a for a in decision.approvals if a.get("forum_id")), None)
    role_req = next((a for a in decision.approvals if a.get("role")), None)
    return {
        "decision": decision.to_dict(),
        "approver_forum": Forum.objects.filter(pk=forum_req["forum_id"]).first() if forum_req else None,
        "approver_role": role_req["role"] if role_req else "",
        "approvals_required": sum(a["count"] for a in decision.approvals),
        "window_required": decision.window_required,
    }


def _eligible(user: User, requirement: dict[str, Any]) -> bool:
    """Whether `user` counts towards one approval requirement (forum member or role holder)."""
    if requirement.get("forum_id"):
        return Forum.objects.filter(pk=requirement["forum_id"], members=user).exists()
    if requirement.get("role"):
        return user.is_superuser or Group.objects.filter(name=requirement["role"], user=user).exists()
    return False


def _requirements_met(change: Change, requirements: list[dict[str, Any]] | None = None) -> bool:
    """Whether every approval requirement (of the change's decision, or `requirements`) has its number
    of approving votes in the change's current approval round."""
    approvers = [
        a.approver
        for a in change.approvals.select_related("approver").filter(
            vote=Vote.APPROVE, round=change.approval_round
        )
    ]
    if requirements is None:
        requirements = change.decision.get("approvals", [])
    for requirement in requirements:
        if sum(1 for user in approvers if _eligible(user, requirement)) < requirement["count"]:
            return False
    return True

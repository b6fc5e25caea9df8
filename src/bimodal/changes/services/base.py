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
    StandardChangeTemplate,
)
from bimodal.changes.risk import risk_score
from bimodal.core import numbers
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
    "release",
)
TOKEN_PREFIX = "bmp"


# --- helpers --------------------------------------------------------------------------------------


REFERENCE_COUNTER = "change_reference"


def reference_of(number: int) -> str:
    """The change reference of a number taken from the changes' counter."""
    return f"CHG-{number:06d}"


def _next_reference() -> str:
    """The next change reference, from its sequence (core/numbers.py): parallel creates never share one."""
    return reference_of(numbers.next_number(REFERENCE_COUNTER, seed=(Change, "id")))


def _lock(change: Change) -> Change:
    """The change's row, locked for this transaction and read afresh: lock first, then read and decide,
    so that two writers (votes, start and cancel) never decide on the same stale state. The caller's
    instance is refreshed in place (one query) and returned."""
    change.refresh_from_db(from_queryset=Change.objects.select_for_update(no_key=True))
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


def _covers(template: StandardChangeTemplate, service: Service) -> bool:
    """Whether `template` applies to `service`: named, or else of one of its modes and hostings."""
    named = [s.pk for s in template.services.all()]
    if named:
        return service.pk in named
    modes = [m.pk for m in template.modes.all()]
    return (not modes or service.mode_id in modes) and (
        not template.hostings or service.hosting in template.hostings
    )


def template_refusals(
    template: StandardChangeTemplate | None, services: list[Service], risk_score: int
) -> dict[str, str]:
    """Why a change from `template` to `services` with this risk is not a catalogued standard change
    ({field: message}; empty: it is one)."""
    if template is None:
        return {"template": "A standard change is raised from a template of the standard-change catalogue."}
    found: dict[str, str] = {}
    if not template.usable:
        found["template"] = (
            f"“{template}” is {template.get_status_display().lower()}"
            if template.status != "approved"
            else f"“{template}” was due for review on {template.review_date:%Y-%m-%d}"
        ) + ": raise a normal change instead."
    outside = sorted(s.name for s in services if not _covers(template, s))
    if outside:
        found["services"] = f"“{template.name}” does not cover {', '.join(outside)}."
    if risk_score > template.risk_ceiling:
        found["risk_answers"] = (
            f"Risk score {risk_score} is above the template's ceiling of {template.risk_ceiling}."
        )
    return found


def assess(
    *,
    services: list[Service],
    change_type: str,
    template: StandardChangeTemplate | None = None,
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

    `facts` (selectors.change_facts, or fetched with the service by the gate) saves its query; `template`
    is the standard-change template the change instantiates (the policies' `change.template_approved`)."""
    primary = _primary(services)
    start = planned_start or timezone.now()
    end = planned_end or start + timedelta(minutes=30)
    planned = bool(planned_start and planned_end)
    if facts is None:
        facts = selectors.change_facts(services, start, end, mode_id=primary.mode_id)
    blast = selectors.blast_radius_size(services, signature=facts["graph"])
    rate = facts["failure_rate"]
    score, level = risk_score(
        criticality=primary.criticality,
        blast_radius=blast,
        change_type=change_type,
        failure_rate=rate,
        answers=answers,
    )
    from_template = change_type == "standard" and template is not None
    context = {
        "change": {
            "type": change_type,
            "template": template.key if template is not None else "",
            # A catalogued standard change: an approved, in-date template that covers these services.
            "template_approved": from_template and not template_refusals(template, services, score),
            "risk_score": score,
            "risk_level": level,
            "environment": environment,
            "source": source,
            "has_backout_plan": bool((evidence or {}).get("backout_plan")),
            "has_test_plan": bool((evidence or {}).get("test_plan")),
            "planned": planned,
            "in_window": facts["in_window"],
            "in_freeze": facts["in_freeze"],
            # The release train of the primary service's mode: whether it has releases still to run and
            # whether the slot starts on one of their dates.
            "release_train": bool(facts.get("release_train")),
            "on_release_date": facts.get("release") is not None,
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
    # Two rules asking the same forum or role are met by the same votes: count each approver group once.
    counts: dict[tuple[Any, Any], int] = {}
    for a in decision.approvals:
        group = (a.get("forum_id"), a.get("role"))
        counts[group] = max(counts.get(group, 0), a["count"])
    return {
        "decision": decision.to_dict(),
        "approver_forum": Forum.objects.filter(pk=forum_req["forum_id"]).first() if forum_req else None,
        "approver_role": role_req["role"] if role_req else "",
        "approvals_required": sum(counts.values()),
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

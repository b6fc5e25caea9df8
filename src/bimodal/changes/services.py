"""Writes of the changes app: the change state machine, votes, windows, pipeline tokens and the gate.

Every function checks permissions, validates, writes and audits in one transaction. The allowed
transitions are declared in choices.TRANSITIONS; `_move` is the only place that changes a status."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from bimodal.changes import selectors
from bimodal.changes.choices import (
    ChangeSource,
    ChangeStatus,
    ChangeType,
    DeploymentStatus,
    GateOutcome,
    Vote,
    can_transition,
)
from bimodal.changes.models import (
    Change,
    ChangeApproval,
    ChangeWindow,
    Deployment,
    GateRequest,
    PipelineToken,
    hash_secret,
)
from bimodal.changes.risk import risk_score
from bimodal.core import audit, db
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import create_audited, require_object, require_perm, update_audited
from bimodal.governance import engine
from bimodal.governance.choices import DecisionOutcome
from bimodal.governance.models import Forum
from bimodal.insights.services import record_change, record_deployment
from bimodal.portfolio.models import Service

S = ChangeStatus
EDITABLE_FIELDS = {
    "title",
    "change_type",
    "environment",
    "description",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "evidence",
    "planned_start",
    "planned_end",
    "risk_answers",
}
TOKEN_PREFIX = "bmp"


# --- helpers --------------------------------------------------------------------------------------


def _next_reference() -> str:
    last = Change.objects.aggregate(n=Max("pk"))["n"] or 0
    return f"CHG-{last + 1:06d}"


def _move(change: Change, target: str, *, actor, reason: str = "", verb: str = "", **fields) -> Change:
    """Apply one transition of the state machine (refused with a 400 when it is not allowed)."""
    if not can_transition(change.status, target, change.change_type):
        raise ValidationError(
            {
                "status": f"A {change.get_change_type_display().lower()} change cannot go from "
                f"“{S(change.status).label}” to “{S(target).label}”."
            }
        )
    old = change.status
    change = update_audited(
        change,
        actor=actor,
        fields={"status": target, **fields},
        reason=reason,
        verb=verb or f"change_{target}",
        action=AuditAction.TRANSITION,
    )
    record_change(change, old, target)
    return change


def _require_edit(actor, change: Change) -> None:
    """The requester, the owner teams of its services and change managers may work a change."""
    require_object(actor, "change", change)


def _primary(services: list[Service]) -> Service:
    """The service whose policies govern a multi-service change: the most critical, Mode 1 first."""
    return min(services, key=lambda s: (s.criticality, s.mode.order, s.slug))


def _evidence(change_evidence: dict, *, backout_plan: str = "", test_plan: str = "", plan: str = "") -> dict:
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
    answers: dict | None = None,
    evidence: dict | None = None,
    environment: str = "production",
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    source: str = ChangeSource.MANUAL,
    conflict_count: int = 0,
    facts: dict | None = None,
) -> tuple[int, str, dict, engine.Decision]:
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


def _approval_fields(decision: engine.Decision) -> dict:
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


def _eligible(user: User, requirement: dict) -> bool:
    """Whether `user` counts towards one approval requirement (forum member or role holder)."""
    if requirement.get("forum_id"):
        return Forum.objects.filter(pk=requirement["forum_id"], members=user).exists()
    if requirement.get("role"):
        return user.is_superuser or Group.objects.filter(name=requirement["role"], user=user).exists()
    return False


def _requirements_met(change: Change) -> bool:
    """Whether every approval requirement of the decision has its number of approving votes."""
    approvers = [a.approver for a in change.approvals.select_related("approver").filter(vote=Vote.APPROVE)]
    for requirement in change.decision.get("approvals", []):
        if sum(1 for user in approvers if _eligible(user, requirement)) < requirement["count"]:
            return False
    return True


# --- change records -------------------------------------------------------------------------------


def _validate_services(actor, services) -> list[Service]:
    services = list(services or [])
    if not services:
        raise ValidationError({"services": "Name at least one affected service."})
    visible = set(
        Service.objects.restrict(actor, "view")
        .filter(pk__in=[s.pk for s in services])
        .values_list("pk", flat=True)
    )
    if any(s.pk not in visible for s in services):
        raise ValidationError({"services": "You cannot raise changes for a service you cannot see."})
    return list(
        Service.objects.filter(pk__in=[s.pk for s in services])
        .select_related("mode")
        .prefetch_related("regulatory_tags")
    )


@transaction.atomic
def change_create(
    *, actor: User, title: str, services, change_type: str = ChangeType.NORMAL, **fields
) -> Change:
    """Raise a change (draft) for one or more services; its risk is computed from the start."""
    require_perm(actor, "changes.add_change")
    unknown = set(fields) - EDITABLE_FIELDS - {"version"}
    if unknown:
        raise TypeError(f"unknown change fields {sorted(unknown)}")
    services = _validate_services(actor, services)
    change = Change(
        reference=_next_reference(), title=title, change_type=change_type, requester=actor, **fields
    )
    change.full_clean(exclude=["reference"])
    score, level, _, _ = assess(services=services, change_type=change_type, answers=change.risk_answers)
    change.risk_score, change.risk_level = score, level
    return create_audited(change, actor=actor, m2m={"services": services}, verb="change_create")


@transaction.atomic
def change_update(*, actor: User, change: Change, services=None, reason: str = "", **fields) -> Change:
    """Edit a draft change (and recompute its risk)."""
    _require_edit(actor, change)
    if change.status != S.DRAFT:
        raise ValidationError({"status": "Only a draft change can be edited."})
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown change fields {sorted(unknown)}")
    service_list = _validate_services(actor, services) if services is not None else _services_of(change)
    answers = fields.get("risk_answers", change.risk_answers)
    score, level, _, _ = assess(
        services=service_list, change_type=fields.get("change_type", change.change_type), answers=answers
    )
    m2m = {"services": service_list} if services is not None else None
    return update_audited(
        change,
        actor=actor,
        fields={**fields, "risk_score": score, "risk_level": level},
        m2m=m2m,
        reason=reason,
        verb="change_update",
    )


@transaction.atomic
def change_submit(*, actor: User, change: Change) -> Change:
    """Submit a draft for assessment; a standard change is assessed (pre-approved) at once."""
    _require_edit(actor, change)
    if change.change_type == ChangeType.NORMAL and not (change.planned_start and change.planned_end):
        raise ValidationError(
            {"planned_start": "A normal change needs a planned start and end before submission."}
        )
    if change.change_type != ChangeType.STANDARD and not change.implementation_plan.strip():
        raise ValidationError({"implementation_plan": "Describe how the change will be implemented."})
    change = _move(change, S.SUBMITTED, actor=actor)
    if change.change_type == ChangeType.EMERGENCY:
        # It may be implemented before anyone assesses it: record now what its (retrospective) approval needs.
        decision = _decide(change)[2]
        change = update_audited(change, actor=actor, fields=_approval_fields(decision), verb="change_decide")
    if change.change_type == ChangeType.STANDARD:
        change = _assess(change, actor=actor, reason="standard change: assessed by policy on submission")
    return change


def _decide(change: Change) -> tuple[int, str, engine.Decision]:
    """Risk and policy decision of a change as it stands."""
    conflicts = selectors.conflicts_for(change)
    evidence = _evidence(
        change.evidence,
        backout_plan=change.backout_plan,
        test_plan=change.test_plan,
        plan=change.implementation_plan,
    )
    score, level, _, decision = assess(
        services=_services_of(change),
        change_type=change.change_type,
        answers=change.risk_answers,
        evidence=evidence,
        environment=change.environment,
        planned_start=change.planned_start,
        planned_end=change.planned_end,
        source=change.source,
        conflict_count=len(conflicts),
    )
    return score, level, decision


def _assess(change: Change, *, actor, reason: str = "") -> Change:
    score, level, decision = _decide(change)
    change = _move(
        change,
        S.ASSESSED,
        actor=actor,
        reason=reason,
        risk_score=score,
        risk_level=level,
        **_approval_fields(decision),
    )
    why = "; ".join(decision.reasons)
    if decision.outcome == DecisionOutcome.DENY:
        return _move(change, S.REJECTED, actor=actor, reason=f"refused by policy: {why}")
    if decision.outcome == DecisionOutcome.NEEDS_APPROVAL:
        return _move(change, S.AWAITING_APPROVAL, actor=actor, reason=why)
    return _move(change, S.APPROVED, actor=actor, reason=f"allowed by policy: {why}")


@transaction.atomic
def change_assess(*, actor: User, change: Change) -> Change:
    """Assess a submitted change: risk, conflicts and the policy decision, then route it
    (awaiting approval, approved by policy or rejected by policy)."""
    require_perm(actor, "changes.manage_change")
    if change.status != S.SUBMITTED:
        raise ValidationError({"status": "Only a submitted change can be assessed."})
    return _assess(change, actor=actor)


@transaction.atomic
def change_vote(*, actor: User, change: Change, vote: str, comment: str = "") -> Change:
    """Record an approver's vote (with comment). A requester never approves their own change.

    Awaiting approval: a rejection rejects; once every requirement has its votes the change is approved.
    An emergency change implemented without approval takes its (retrospective) vote the same way."""
    require_perm(actor, "changes.approve_change")
    if vote not in Vote.values:
        raise ValidationError({"vote": f"Vote “approve” or “reject”, not {vote!r}."})
    if actor.pk == change.requester_id:
        raise PermissionDenied("Segregation of duties: you cannot approve or reject a change you requested.")
    retrospective = change.change_type == ChangeType.EMERGENCY and change.status in {
        S.IMPLEMENTING,
        S.COMPLETED,
        S.FAILED,
        S.BACKED_OUT,
    }
    if change.status != S.AWAITING_APPROVAL and not (retrospective and not change.retrospective_approval):
        raise ValidationError({"status": "This change is not awaiting approval."})
    requirements = change.decision.get("approvals", [])
    if not any(_eligible(actor, r) for r in requirements):
        raise PermissionDenied("You are not one of the approvers this change needs.")
    if change.approvals.filter(approver=actor).exists():
        raise ValidationError({"vote": "You have already voted on this change."})
    if vote == Vote.REJECT and not comment.strip():
        raise ValidationError({"comment": "Say why you reject the change."})
    create_audited(
        ChangeApproval(
            change=change, approver=actor, vote=vote, comment=comment, retrospective=retrospective
        ),
        actor=actor,
        reason=comment,
        verb="change_vote",
    )
    if retrospective:
        if vote == Vote.APPROVE and _requirements_met(change):
            change = update_audited(
                change,
                actor=actor,
                fields={"retrospective_approval": True},
                reason=comment,
                verb="change_approve_retrospectively",
            )
        return change
    if vote == Vote.REJECT:
        change = _move(change, S.REJECTED, actor=actor, reason=comment)
        _resolve_gate(change, actor=actor)
    elif _requirements_met(change):
        change = _move(change, S.APPROVED, actor=actor, reason=comment)
        _resolve_gate(change, actor=actor)
    return change


@transaction.atomic
def change_schedule(
    *, actor: User, change: Change, planned_start: datetime | None = None, planned_end: datetime | None = None
) -> Change:
    """Put an approved change in the calendar: inside an open window when its policies require one,
    never inside a freeze (unless it is an emergency)."""
    _require_edit(actor, change)
    start, end = planned_start or change.planned_start, planned_end or change.planned_end
    if not (start and end):
        raise ValidationError({"planned_start": "Give the planned start and end."})
    if end <= start:
        raise ValidationError({"planned_end": "The planned end must be after the planned start."})
    services = _services_of(change)
    if change.change_type != ChangeType.EMERGENCY and selectors.in_freeze(services, start, end):
        raise ValidationError({"planned_start": "The slot falls inside a change freeze."})
    if change.window_required and not selectors.in_open_window(services, start, end):
        raise ValidationError({"planned_start": "This change must be planned inside an open change window."})
    return _move(change, S.SCHEDULED, actor=actor, planned_start=start, planned_end=end)


@transaction.atomic
def change_start(*, actor: User, change: Change, reason: str = "") -> Change:
    """Begin implementing (scheduled; approved standard change; emergency before approval)."""
    _require_edit(actor, change)
    return _move(change, S.IMPLEMENTING, actor=actor, reason=reason)


@transaction.atomic
def change_complete(*, actor: User, change: Change, result: str, reason: str = "") -> Change:
    """Record how the implementation ended: completed, failed or backed out."""
    _require_edit(actor, change)
    if result not in {S.COMPLETED, S.FAILED, S.BACKED_OUT}:
        raise ValidationError({"result": "Give completed, failed or backed_out."})
    return _move(change, result, actor=actor, reason=reason, result=result)


@transaction.atomic
def change_review(*, actor: User, change: Change, notes: str) -> Change:
    """The post-implementation review; an emergency change needs its retrospective approval first."""
    require_perm(actor, "changes.manage_change")
    if not (notes or "").strip():
        raise ValidationError({"review_notes": "Write the review's findings."})
    if change.change_type == ChangeType.EMERGENCY and not change.retrospective_approval:
        raise ValidationError({"status": "An emergency change is reviewed after its retrospective approval."})
    return _move(change, S.REVIEWED, actor=actor, review_notes=notes)


@transaction.atomic
def change_close(*, actor: User, change: Change, reason: str = "") -> Change:
    """Close a reviewed or rejected change (or a completed standard change)."""
    if not (change.change_type == ChangeType.STANDARD and change.status == S.COMPLETED):
        require_perm(actor, "changes.manage_change")
    else:
        _require_edit(actor, change)
    return _move(change, S.CLOSED, actor=actor, reason=reason)


@transaction.atomic
def change_cancel(*, actor: User, change: Change, reason: str = "") -> Change:
    """Withdraw a change that has not started."""
    _require_edit(actor, change)
    return _move(change, S.CANCELLED, actor=actor, reason=reason)


# --- windows and freezes ---------------------------------------------------------------------------


@transaction.atomic
def window_create(
    *, actor: User, name: str, kind: str, start, end, modes=(), services=(), reason: str = "", **fields
) -> ChangeWindow:
    """Add a change window or a freeze, for some modes and/or services (or everything)."""
    require_perm(actor, "changes.add_changewindow")
    window = ChangeWindow(name=name, kind=kind, start=start, end=end, **fields)
    return create_audited(
        window,
        actor=actor,
        m2m={"modes": list(modes), "services": list(services)},
        reason=reason,
        verb="window_create",
    )


WINDOW_FIELDS = {"name", "kind", "start", "end", "description"}


@transaction.atomic
def window_update(
    *, actor: User, window: ChangeWindow, modes=None, services=None, reason: str = "", **fields
) -> ChangeWindow:
    """Change a window's or freeze's name, kind, times, description or scope (modes, services)."""
    require_object(actor, "change", window)
    unknown = set(fields) - WINDOW_FIELDS
    if unknown:
        raise TypeError(f"unknown window fields {sorted(unknown)}")
    m2m = {}
    if modes is not None:
        m2m["modes"] = list(modes)
    if services is not None:
        m2m["services"] = list(services)
    return update_audited(
        window, actor=actor, fields=fields, m2m=m2m or None, reason=reason, verb="window_update"
    )


@transaction.atomic
def window_end(*, actor: User, window: ChangeWindow, reason: str = "") -> ChangeWindow:
    """End a window or freeze now (its end becomes the current time)."""
    require_object(actor, "change", window)
    now = timezone.now()
    if window.end <= now:
        raise ValidationError({"end": f"“{window.name}” has already ended."})
    if window.start >= now:
        raise ValidationError({"end": f"“{window.name}” has not started yet: edit or shorten it instead."})
    return update_audited(window, actor=actor, fields={"end": now}, reason=reason, verb="window_end")


# Statuses in which a change manager may move a change's slot.
RESCHEDULABLE = frozenset({S.APPROVED, S.SCHEDULED})


@transaction.atomic
def change_reschedule(
    *, actor: User, change: Change, planned_start: datetime, planned_end: datetime, reason: str
) -> Change:
    """Move an approved or scheduled change to a new slot (change managers): conflicts, freezes, windows
    and the policies are checked again for the new slot; a refused slot writes nothing."""
    require_perm(actor, "changes.manage_change")
    if change.status not in RESCHEDULABLE:
        raise ValidationError({"status": "Only an approved or scheduled change can be rescheduled."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the change is rescheduled."})
    if not (planned_start and planned_end):
        raise ValidationError({"planned_start": "Give the new planned start and end."})
    if planned_end <= planned_start:
        raise ValidationError({"planned_end": "The planned end must be after the planned start."})
    services = _services_of(change)
    if change.change_type != ChangeType.EMERGENCY and selectors.in_freeze(
        services, planned_start, planned_end
    ):
        raise ValidationError({"planned_start": "The new slot falls inside a change freeze."})
    if change.window_required and not selectors.in_open_window(services, planned_start, planned_end):
        raise ValidationError({"planned_start": "This change must be planned inside an open change window."})
    # Re-run conflict detection and the policies on a copy planned in the new slot (nothing saved yet).
    probe = Change.objects.get(pk=change.pk)
    probe.planned_start, probe.planned_end = planned_start, planned_end
    conflicts = selectors.conflicts_for(probe)
    _, _, decision = _decide(probe)
    if decision.outcome == DecisionOutcome.DENY:
        raise ValidationError(
            {"planned_start": "The policies refuse the new slot: " + "; ".join(decision.reasons)}
        )
    note = reason.strip()
    if conflicts:
        note += " (conflicts: " + "; ".join(c.message for c in conflicts) + ")"
    return update_audited(
        change,
        actor=actor,
        fields={"planned_start": planned_start, "planned_end": planned_end},
        reason=note,
        verb="change_reschedule",
    )


# --- pipeline tokens and the deployment gate -------------------------------------------------------


@transaction.atomic
def pipeline_token_create(*, actor: User | None, name: str, services) -> tuple[PipelineToken, str]:
    """A token for a pipeline, valid for `services` only; returns it and the secret (shown once)."""
    if actor is not None:
        require_perm(actor, "changes.add_pipelinetoken")
    services = list(services)
    if not services:
        raise ValidationError({"services": "A pipeline token is for at least one service."})
    username = f"pipeline-{slugify(name)[:100]}"
    machine = User.objects.filter(username=username).first()
    if machine is None:
        machine = User(username=username, first_name="Pipeline", last_name=name[:150])
        machine.set_unusable_password()
        machine = create_audited(
            machine, actor=actor, verb="pipeline_user_create", reason="pipeline machine account"
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = PipelineToken(
        name=name, prefix=prefix, secret_hash=hash_secret(secret), user=machine, created_by=actor
    )
    create_audited(token, actor=actor, m2m={"services": services}, verb="pipeline_token_create")
    return token, secret


@transaction.atomic
def pipeline_token_revoke(*, actor: User | None, token: PipelineToken) -> PipelineToken:
    """Revoke a pipeline token: it no longer authenticates."""
    if actor is not None:
        require_perm(actor, "changes.change_pipelinetoken")
    return update_audited(
        token, actor=actor, fields={"revoked_at": timezone.now()}, verb="pipeline_token_revoke"
    )


def _require_scope(token: PipelineToken, service: Service) -> None:
    if not token.services.filter(pk=service.pk).exists():
        raise PermissionDenied(f"This pipeline token is not valid for the service “{service.slug}”.")


def _open_deployment(
    gate: GateRequest, change: Change, *, actor, trusted: bool = False, pk: int | None = None
) -> Deployment:
    """Open the deployment a gate request allows (`trusted`: its change and service were just written
    or loaded in this transaction; `pk`: its id, allocated ahead)."""
    deployment = Deployment(
        pk=pk,
        change=change,
        service=gate.service,
        environment=gate.environment,
        version=gate.version,
        commit=gate.commit,
        pipeline_url=gate.pipeline_url,
    )
    if trusted:
        _insert_audited(deployment, actor=actor, verb="deployment_open")
        return deployment
    return create_audited(deployment, actor=actor, verb="deployment_open")


def _resolve_gate(change: Change, *, actor) -> None:
    """When a change a pipeline waits on is decided, answer its gate requests (and open the deployment)."""
    for gate in change.gate_requests.filter(outcome=GateOutcome.PENDING).select_related(
        "service", "token__user"
    ):
        if change.status == S.APPROVED:
            deployment = _open_deployment(gate, change, actor=gate.token.user)
            _move(change, S.IMPLEMENTING, actor=gate.token.user, reason="deployment started by the pipeline")
            update_audited(
                gate,
                actor=actor,
                fields={"outcome": GateOutcome.ALLOW, "deployment": deployment},
                verb="gate_resolve",
            )
        else:
            reasons = [*gate.reasons, "The change was rejected by its approvers."]
            update_audited(
                gate,
                actor=actor,
                fields={"outcome": GateOutcome.DENY, "reasons": reasons},
                verb="gate_resolve",
            )


def gate_decide(
    *,
    token: PipelineToken,
    service: Service,
    idempotency_key: str,
    environment: str = "production",
    version: str = "",
    commit: str = "",
    pipeline_url: str = "",
    evidence: dict | None = None,
    change_reference: str = "",
) -> tuple[GateRequest, bool]:
    """Answer "may this deployment proceed?" for a pipeline; returns (gate request, created).

    Idempotent on (service, key): a retried call returns the first answer and creates nothing."""
    now = timezone.now()
    # One query: the token's scope, the answer already given for this key, the service's tags, failure
    # rate, windows, freezes and the signatures that let the cached blast radius and policies be reused.
    in_scope, facts = selectors.gate_facts(
        service, token=token, start=now, end=now + timedelta(minutes=30), idempotency_key=idempotency_key
    )
    if not in_scope:
        raise PermissionDenied(f"This pipeline token is not valid for the service “{service.slug}”.")
    if facts["existing"] is not None:
        return _gate_answer(pk=facts["existing"]), False
    if not Service.mode.is_cached(service):  # the API loads it with the service
        service = Service.objects.select_related("mode").get(pk=service.pk)
    for attempt in range(GATE_ATTEMPTS):
        try:
            with transaction.atomic(), audit.batch():
                return _gate_decide(
                    token=token,
                    service=service,
                    idempotency_key=idempotency_key,
                    environment=environment,
                    version=version,
                    commit=commit,
                    pipeline_url=pipeline_url,
                    evidence=evidence or {},
                    change_reference=change_reference,
                    facts=facts,
                ), True
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer with its result.
            existing = _gate_answer(service=service, idempotency_key=idempotency_key)
            if existing is not None:
                return existing, False
            # Otherwise a concurrent change took the next reference: try again with a fresh one.
            if attempt == GATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _gate_answer(**lookup) -> GateRequest | None:
    """An earlier gate request with what its answer shows (one query)."""
    return GateRequest.objects.select_related("service", "change", "deployment").filter(**lookup).first()


GATE_ATTEMPTS = 3
# Rows the gate has just loaded or written in its own transaction: their foreign keys need no lookup.
_TRUSTED = {
    Change: ["requester", "approver_forum", "reference"],
    Deployment: ["change", "service"],
    GateRequest: ["token", "service", "change", "deployment"],
}


def _insert_audited(obj, *, actor, m2m: dict | None = None, reason: str = "", verb: str) -> dict:
    """create_audited for the gate's own new rows: validated (except the related rows it holds and the
    uniqueness the database enforces — a clash raises IntegrityError and the gate retries), audited
    and written with the audit entries (audit.add_rows: on PostgreSQL in the batch's final
    statement, so its id must be allocated ahead). Returns the audited snapshot."""
    obj.full_clean(exclude=_TRUSTED[type(obj)], validate_unique=False, validate_constraints=False)
    if obj.pk is None and db.is_postgresql(type(obj).objects.db):
        (obj.pk,) = db.allocate_ids(type(obj))
    db.prepare_insert(obj)
    audit.add_rows([obj])
    m2m_ids = {}
    for name, values in (m2m or {}).items():
        field = obj._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        m2m_ids[name] = [v.pk for v in values]
        audit.add_rows([through(**{f"{source}_id": obj.pk, f"{target}_id": pk}) for pk in m2m_ids[name]])
    after = audit.snapshot(obj, m2m=m2m_ids)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=obj, after=after, reason=reason, verb=verb)
    return after


def _move_new(change: Change, target: str, *, actor, before: dict, m2m: dict, reason: str = "") -> Change:
    """_move for a change the gate created earlier in this transaction: its before-state is known and
    its row is its own, so it is neither read nor locked again. A row still waiting for the batch's
    final statement is simply written in its new state."""
    if not can_transition(change.status, target, change.change_type):
        raise ValidationError(
            {"status": f"Cannot go from “{S(change.status).label}” to “{S(target).label}”."}
        )
    old, change.status = change.status, target
    if not audit.is_pending(change):
        change.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=change,
        before=before,
        after=audit.snapshot(change, m2m=m2m),
        reason=reason,
        verb=f"change_{target}",
    )
    # No read: the change has no transition yet; written with the audit entries.
    record_change(change, old, target, service_id=m2m["services"][0], first=True, with_audit=True)
    return change


def _gate_decide(
    *,
    token,
    service,
    idempotency_key,
    environment,
    version,
    commit,
    pipeline_url,
    evidence,
    change_reference,
    facts,
):
    actor = token.user
    gate = GateRequest(
        token=token,
        service=service,
        idempotency_key=idempotency_key,
        environment=environment,
        version=version,
        commit=commit,
        pipeline_url=pipeline_url,
        evidence=evidence,
    )
    if change_reference:
        return _gate_with_change(gate, service, change_reference, actor=actor)
    score, level, _, decision = assess(
        services=[service],
        change_type=ChangeType.STANDARD,
        evidence=evidence,
        environment=environment,
        source=ChangeSource.GATE,
        facts=facts,
    )
    gate.reasons = decision.reasons
    gate.requirements = {
        "approvals": decision.approvals,
        "evidence": decision.evidence_required,
        "missing_evidence": decision.missing_evidence,
        "window_required": decision.window_required,
    }
    needs_cab = any(a.get("forum_id") for a in decision.approvals)
    if decision.window_required or needs_cab:
        gate.outcome = GateOutcome.DENY
        gate.reasons = [
            *decision.reasons,
            f"{service.mode.short_name or service.mode.name} service: deploy under an approved change "
            "in an open change window; call again with `change` set to its reference.",
        ]
        _insert_audited(gate, actor=actor, verb="gate_decide")
        return gate
    if decision.outcome == DecisionOutcome.DENY:
        gate.outcome = GateOutcome.DENY
        _insert_audited(gate, actor=actor, verb="gate_decide")
        return gate
    allow = decision.outcome == DecisionOutcome.ALLOW
    # The new rows' ids in one query (PostgreSQL): the change's number is its id, so concurrent gate
    # calls never take the same reference, and every row can be audited before it is written.
    ids = db.allocate_ids(Change, GateRequest, *([Deployment] if allow else []))
    now = timezone.now()
    change = Change(
        title=f"Deploy {service.slug} {version or commit[:12]} to {environment}",
        change_type=ChangeType.STANDARD,
        source=ChangeSource.GATE,
        environment=environment,
        requester=actor,
        description=f"Raised by the deployment gate for pipeline run {pipeline_url}".strip(),
        evidence=evidence,
        planned_start=now,
        planned_end=now + timedelta(hours=1),
        risk_score=score,
        risk_level=level,
        version=version or commit,
        **_approval_fields(decision),
    )
    if ids is None:  # elsewhere (SQLite writes one transaction at a time): the next after the highest
        change.reference = _next_reference()
    else:
        change.pk, gate.pk = ids[:2]
        change.reference = f"CHG-{change.pk:06d}"
    m2m = {"services": [service]}
    if allow:
        change.status = S.APPROVED
        created = _insert_audited(
            change, actor=actor, m2m=m2m, verb="change_create", reason="allowed by policy"
        )
        gate.change = change
        gate.outcome = GateOutcome.ALLOW
        gate.deployment = _open_deployment(gate, change, actor=actor, trusted=True, pk=ids and ids[2])
        _move_new(
            change,
            S.IMPLEMENTING,
            actor=actor,
            before=created,
            m2m={"services": [service.pk]},
            reason="deployment started by the pipeline",
        )
    else:
        change.status = S.AWAITING_APPROVAL
        _insert_audited(
            change, actor=actor, m2m=m2m, verb="change_create", reason="; ".join(decision.reasons)
        )
        gate.change = change
        gate.outcome = GateOutcome.PENDING
    _insert_audited(gate, actor=actor, verb="gate_decide")
    return gate


def _gate_with_change(gate: GateRequest, service: Service, reference: str, *, actor) -> GateRequest:
    """A Mode 1 style gate call: allowed only under an approved change for this service, in its slot."""
    change = Change.objects.filter(reference=reference, services=service).first()
    now = timezone.now()
    problems = []
    if change is None:
        problems.append(f"No change {reference} for the service {service.slug}.")
    else:
        gate.change = change
        if change.status not in {S.APPROVED, S.SCHEDULED}:
            problems.append(f"{reference} is {S(change.status).label.lower()}, not approved or scheduled.")
        if (
            change.planned_start
            and change.planned_end
            and not (change.planned_start <= now <= change.planned_end)
        ):
            problems.append(
                f"{reference} is planned for {change.planned_start:%Y-%m-%d %H:%M}–{change.planned_end:%H:%M}, not now."
            )
        if change.window_required and not selectors.in_open_window(
            [service], now, now + timedelta(minutes=1)
        ):
            problems.append("No change window is open for this service now.")
        if change.change_type != ChangeType.EMERGENCY and selectors.in_freeze(
            [service], now, now + timedelta(minutes=1)
        ):
            problems.append("A change freeze is in force.")
    if problems:
        gate.outcome, gate.reasons = GateOutcome.DENY, problems
        return create_audited(gate, actor=actor, verb="gate_decide")
    gate.outcome, gate.reasons = GateOutcome.ALLOW, [f"Deploying under {reference}."]
    gate.deployment = _open_deployment(gate, change, actor=actor)
    if change.status == S.SCHEDULED or change.change_type == ChangeType.STANDARD:
        _move(change, S.IMPLEMENTING, actor=actor, reason="deployment started by the pipeline")
    return create_audited(gate, actor=actor, verb="gate_decide")


RESULT_TO_STATUS = {
    DeploymentStatus.SUCCEEDED: S.COMPLETED,
    DeploymentStatus.FAILED: S.FAILED,
    DeploymentStatus.ROLLED_BACK: S.BACKED_OUT,
}


@transaction.atomic
def deployment_record_result(
    *, token: PipelineToken, deployment: Deployment, result: str, reason: str = ""
) -> Deployment:
    """The pipeline reports how a deployment ended; its change completes, fails or is backed out."""
    _require_scope(token, deployment.service)
    if result not in RESULT_TO_STATUS:
        raise ValidationError({"result": "Give succeeded, failed or rolled_back."})
    if deployment.status != DeploymentStatus.IN_PROGRESS:
        raise ValidationError({"result": f"This deployment already ended ({deployment.status})."})
    actor = token.user
    deployment = update_audited(
        deployment,
        actor=actor,
        fields={"status": result, "finished_at": timezone.now()},
        reason=reason,
        verb="deployment_result",
    )
    record_deployment(deployment, DeploymentStatus.IN_PROGRESS, result)
    change = deployment.change
    # A deployment reported by a webhook or an import may have no change to move.
    if change is not None and change.status == S.IMPLEMENTING:
        status = RESULT_TO_STATUS[result]
        change = _move(change, status, actor=actor, reason=reason, result=status)
        if status == S.COMPLETED and change.change_type == ChangeType.STANDARD:
            _move(change, S.CLOSED, actor=actor, reason="standard change deployed successfully")
    return deployment

"""The deployment gate: a pipeline asks whether a deploy may proceed, gets allow, deny or
needs-approval with reasons, and reports the result; an allowed deploy is a standard change written in one
statement."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.utils import timezone

from bimodal.changes import selectors
from bimodal.changes.choices import (
    ChangeSource,
    ChangeStatus,
    ChangeType,
    DeploymentStatus,
    GateOutcome,
    can_transition,
)
from bimodal.changes.models import (
    Change,
    Deployment,
    GateRequest,
    PipelineToken,
)
from bimodal.changes.services import checks
from bimodal.changes.services.base import (
    REFERENCE_COUNTER,
    S,
    _approval_fields,
    _evidence,
    _move,
    _next_reference,
    _services_of,
    assess,
    reference_of,
)
from bimodal.changes.services.idempotency import replay, request_hash
from bimodal.core import audit, db, numbers
from bimodal.core.choices import AuditAction
from bimodal.core.models import Actor
from bimodal.core.services import create_audited, transactional, update_audited, write
from bimodal.core.transitions import record_change, record_deployment
from bimodal.core.verbs import AuditVerb
from bimodal.governance.choices import DecisionOutcome, PolicyEffect
from bimodal.portfolio.models import Service


def _require_scope(token: PipelineToken, service: Service) -> None:
    if not token.services.filter(pk=service.pk).exists():
        raise PermissionDenied(f"This pipeline token is not valid for the service “{service.slug}”.")


def _open_deployment(
    gate: GateRequest,
    change: Change,
    *,
    actor: Actor,
    trusted: bool = False,
    pk: int | None = None,
    release_id: int | None = None,
) -> Deployment:
    """Open the deployment a gate request allows (`trusted`: its change and service were just written
    or loaded in this transaction, `release_id` the release of its mode's train today, fetched with
    them; `pk`: its id, allocated ahead). It joins the release whose date is today, if any."""
    if not trusted:
        today = selectors.release_on(gate.service.mode_id, timezone.localdate())
        release_id = today.pk if today is not None else None
    deployment = Deployment(
        release_id=release_id,
        pk=pk,
        change=change,
        service=gate.service,
        environment=gate.environment,
        version=gate.version,
        commit=gate.commit,
        pipeline_url=gate.pipeline_url,
    )
    if trusted:
        _insert_audited(deployment, actor=actor, verb=AuditVerb.DEPLOYMENT_OPEN)
        return deployment
    return create_audited(deployment, actor=actor, verb=AuditVerb.DEPLOYMENT_OPEN)


def _resolve_gate(change: Change, *, actor: Actor) -> None:
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
                verb=AuditVerb.GATE_RESOLVE,
            )
        else:
            reasons = [*gate.reasons, "The change was rejected by its approvers."]
            update_audited(
                gate,
                actor=actor,
                fields={"outcome": GateOutcome.DENY, "reasons": reasons},
                verb=AuditVerb.GATE_RESOLVE,
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
    evidence: dict[str, Any] | None = None,
    change_reference: str = "",
) -> tuple[GateRequest, bool]:
    """Answer "may this deployment proceed?" for a pipeline; returns (gate request, created).

    Idempotent on (service, key): a retried call with the same body returns the first answer, marked as
    a replay with the time it was decided, and creates nothing; the same key with another body raises
    GateKeyReused (the API's 409)."""
    now = timezone.now()
    body_hash = request_hash(
        service=service,
        environment=environment,
        version=version,
        commit=commit,
        pipeline_url=pipeline_url,
        evidence=evidence or {},
        change_reference=change_reference,
    )
    # One query: the token's scope, the answer already given for this key, the service's tags, failure
    # rate, windows, freezes and the signatures that let the cached blast radius and policies be reused.
    in_scope, facts = selectors.gate_facts(
        service, token=token, start=now, end=now + timedelta(minutes=30), idempotency_key=idempotency_key
    )
    if facts["stale"]:
        # The token or service the caller holds (from the per-process snapshot) changed since it was
        # loaded: forget the snapshot and decide on the rows as they are now.
        token, service = _fresh(token, service)
        in_scope, facts = selectors.gate_facts(
            service, token=token, start=now, end=now + timedelta(minutes=30), idempotency_key=idempotency_key
        )
    if not in_scope:
        raise PermissionDenied(f"This pipeline token is not valid for the service “{service.slug}”.")
    if facts["existing"] is not None and (answered := _gate_answer(pk=facts["existing"])) is not None:
        return replay(answered, body_hash, facts), False
    if not Service.mode.is_cached(service):  # the API loads it with the service
        service = Service.objects.select_related("mode").get(pk=service.pk)
    for attempt in range(GATE_ATTEMPTS):
        try:
            with write():
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
                    body_hash=body_hash,
                ), True
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer with its result.
            existing = _gate_answer(service=service, idempotency_key=idempotency_key)
            if existing is not None:
                return replay(existing, body_hash, facts), False
            # Otherwise a concurrent change took the next reference: try again with a fresh one.
            if attempt == GATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class GateTokenRevoked(PermissionDenied):
    """The pipeline token was revoked (or is gone) since the caller loaded it (the API's 401)."""


def _fresh(token: PipelineToken, service: Service) -> tuple[PipelineToken, Service]:
    """The token and service as they are now (the gate's snapshot reloaded with them)."""
    selectors.gate_snapshot_clear()
    fresh_token = selectors.pipeline_token(token.prefix, cached=True)
    if fresh_token is None or fresh_token.pk != token.pk:
        raise GateTokenRevoked("Invalid or revoked pipeline token.")
    fresh_service = selectors.gate_service(service.slug, cached=True)
    if fresh_service is None:  # renamed or gone: the body named it by its old slug
        raise PermissionDenied(f"This pipeline token is not valid for the service “{service.slug}”.")
    return fresh_token, fresh_service


def _gate_answer(**lookup: Any) -> GateRequest | None:
    """An earlier gate request with what its answer shows (one query)."""
    return GateRequest.objects.select_related("service", "change", "deployment").filter(**lookup).first()


GATE_ATTEMPTS = 3
RECORD_ONLY_REASON = (
    "Record only: the deployment gate is off for this service's mode, so the deployment is recorded "
    "as a standard change and not gated."
)
# Rows the gate has just loaded or written in its own transaction: their foreign keys need no lookup.
_TRUSTED: dict[type[models.Model], list[str]] = {
    Change: ["requester", "approver_forum", "reference", "release"],
    Deployment: ["change", "service", "release"],
    GateRequest: ["token", "service", "change", "deployment"],
}


def _insert_audited(
    obj: models.Model,
    *,
    actor: Actor,
    m2m: dict[str, list[Service]] | None = None,
    reason: str = "",
    verb: AuditVerb,
) -> audit.Snapshot:
    """create_audited for the gate's own new rows: validated (except the related rows it holds and the
    uniqueness the database enforces — a clash raises IntegrityError and the gate retries), audited
    and written with the audit entries (audit.add_rows: on PostgreSQL in the batch's final
    statement, so its id must be allocated ahead). Returns the audited snapshot."""
    obj.full_clean(exclude=_TRUSTED[type(obj)], validate_unique=False, validate_constraints=False)
    if obj.pk is None and db.is_postgresql(type(obj)._default_manager.db):
        ids = db.allocate_ids(type(obj))
        if ids:
            (obj.pk,) = ids
    db.prepare_insert(obj)
    audit.add_rows([obj])
    m2m_ids: dict[str, Iterable[Any]] = {}
    for name, values in (m2m or {}).items():
        field = obj._meta.get_field(name)
        assert isinstance(field, models.ManyToManyField)  # `m2m` names many-to-many fields only
        through = field.remote_field.through
        assert isinstance(through, type)  # resolved to a model once the apps are loaded
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        pks = m2m_ids[name] = [v.pk for v in values]
        audit.add_rows([through(**{f"{source}_id": obj.pk, f"{target}_id": pk}) for pk in pks])
    after = audit.snapshot(obj, m2m=m2m_ids)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=obj, after=after, reason=reason, verb=verb)
    return after


def _move_new(
    change: Change,
    target: str,
    *,
    actor: Actor,
    before: dict[str, Any],
    service_ids: list[int],
    reason: str = "",
) -> Change:
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
        after=audit.snapshot(change, m2m={"services": service_ids}),
        reason=reason,
        verb=AuditVerb(f"change_{target}"),
    )
    # No read: the change has no transition yet; written with the audit entries.
    record_change(change, old, target, service_id=service_ids[0], first=True, with_audit=True)
    return change


def _gate_decide(
    *,
    token: PipelineToken,
    service: Service,
    idempotency_key: str,
    environment: str,
    version: str,
    commit: str,
    pipeline_url: str,
    evidence: dict[str, Any],
    change_reference: str,
    facts: dict[str, Any],
    body_hash: str,
) -> GateRequest:
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
        request_hash=body_hash,
    )
    if change_reference:
        return _gate_with_change(gate, service, change_reference, actor=actor, facts=facts)
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
        "record_only": decision.record_only,
    }
    needs_cab = any(a.get("forum_id") for a in decision.approvals)
    if decision.window_required or needs_cab:
        gate.outcome = GateOutcome.DENY
        gate.reasons = [
            *decision.reasons,
            f"{service.mode.short_name or service.mode.name} service: deploy under an approved change "
            "in an open change window; call again with `change` set to its reference.",
        ]
        _insert_audited(gate, actor=actor, verb=AuditVerb.GATE_DECIDE)
        return gate
    # The mode's deployment gate is off: the deployment is recorded, not gated (a deny rule, e.g. a
    # freeze, still holds).
    record_only = decision.record_only and not any(r.effect == PolicyEffect.DENY for r in decision.fired)
    if record_only:
        gate.reasons = [*decision.reasons, RECORD_ONLY_REASON]
    elif decision.outcome == DecisionOutcome.DENY:
        gate.outcome = GateOutcome.DENY
        _insert_audited(gate, actor=actor, verb=AuditVerb.GATE_DECIDE)
        return gate
    allow = record_only or decision.outcome == DecisionOutcome.ALLOW
    # The new rows' ids in one query (PostgreSQL): the change's number is its id, so concurrent gate
    # calls never take the same reference, and every row can be audited before it is written.
    # With them, in the same query, the change's reference from the changes' own counter.
    ids = db.allocate_ids(
        Change,
        GateRequest,
        *([Deployment] if allow else []),
        sequences=[numbers.sequence_name(REFERENCE_COUNTER)],
    )
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
        release_id=facts["release"],  # the release of the mode's train today, if any
        **_approval_fields(decision),
    )
    # The reference comes from the changes' own counter, as every other change's does (an id-based one
    # would collide with it).
    if ids is not None:
        change.pk, gate.pk = ids[:2]
        change.reference = reference_of(ids[-1])
    else:
        change.reference = _next_reference()
    m2m = {"services": [service]}
    if allow:
        change.status = S.APPROVED
        created = _insert_audited(
            change,
            actor=actor,
            m2m=m2m,
            verb=AuditVerb.CHANGE_CREATE,
            reason="recorded: the deployment gate is off" if record_only else "allowed by policy",
        )
        gate.change = change
        gate.outcome = GateOutcome.ALLOW
        gate.deployment = _open_deployment(
            gate, change, actor=actor, trusted=True, pk=ids[2] if ids else None, release_id=facts["release"]
        )
        _move_new(
            change,
            S.IMPLEMENTING,
            actor=actor,
            before=created,
            service_ids=[service.pk],
            reason="deployment started by the pipeline",
        )
    else:
        change.status = S.AWAITING_APPROVAL
        _insert_audited(
            change, actor=actor, m2m=m2m, verb=AuditVerb.CHANGE_CREATE, reason="; ".join(decision.reasons)
        )
        gate.change = change
        gate.outcome = GateOutcome.PENDING
    _insert_audited(gate, actor=actor, verb=AuditVerb.GATE_DECIDE)
    return gate


def _gate_with_change(
    gate: GateRequest, service: Service, reference: str, *, actor: Actor, facts: dict[str, Any]
) -> GateRequest:
    """A deploy under a named change: allowed only when that change of this service may start now (the
    checks of changes.services.checks, with the pipeline's evidence in place of the change's) and the
    pipeline's evidence passes the mode's policies."""
    found = Change.objects.filter(reference=reference, services=service).values_list("pk", flat=True).first()
    now = timezone.now()
    problems: list[str] = []
    change = None
    if found is None:
        problems.append(f"No change {reference} for the service {service.slug}.")
    else:
        # Lock first, then read and decide: a person starting or cancelling it at the same moment waits.
        change = Change.objects.select_for_update(no_key=True).get(pk=found)
        gate.change = change
        if not can_transition(change.status, S.IMPLEMENTING, change.change_type):
            problems.append(f"{reference} is {S(change.status).label.lower()}: it cannot start now.")
        if change.environment != gate.environment:
            problems.append(f"{reference} is a change to {change.environment}, not to {gate.environment}.")
        if change.version and change.version not in {gate.version, gate.commit}:
            problems.append(
                f"{reference} is for version {change.version}, not {gate.version or gate.commit}."
            )
        evidence = _evidence(
            gate.evidence,
            backout_plan=change.backout_plan,
            test_plan=change.test_plan,
            plan=change.implementation_plan,
        )
        problems += checks.flat(
            checks.start_problems(
                change,
                _services_of(change),
                now=now,
                evidence=evidence,
                environment=gate.environment,
                source=ChangeSource.GATE,
            )
        )
    problems += checks.pipeline_evidence_problems(
        service, evidence=gate.evidence, environment=gate.environment, facts=facts
    )
    if problems or change is None:
        gate.outcome, gate.reasons = GateOutcome.DENY, problems
        return create_audited(gate, actor=actor, verb=AuditVerb.GATE_DECIDE)
    gate.outcome, gate.reasons = GateOutcome.ALLOW, [f"Deploying under {reference}."]
    gate.deployment = _open_deployment(gate, change, actor=actor)
    _move(change, S.IMPLEMENTING, actor=actor, reason="deployment started by the pipeline")
    return create_audited(gate, actor=actor, verb=AuditVerb.GATE_DECIDE)


RESULT_TO_STATUS: dict[str, ChangeStatus] = {
    DeploymentStatus.SUCCEEDED: S.COMPLETED,
    DeploymentStatus.FAILED: S.FAILED,
    DeploymentStatus.ROLLED_BACK: S.BACKED_OUT,
}


@transactional
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
        verb=AuditVerb.DEPLOYMENT_RESULT,
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

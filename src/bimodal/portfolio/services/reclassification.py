"""Reclassification proposals, decided through governance, and drift detection that raises them from
assessments and the last 90 days of delivery."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio import assessment as engine
from bimodal.portfolio import hooks
from bimodal.portfolio.choices import (
    PROPOSAL_TRANSITIONS,
    Lifecycle,
    ProposalSource,
    ProposalStatus,
)
from bimodal.portfolio.models import (
    Assessment,
    Mode,
    ReclassificationProposal,
    Service,
)
from bimodal.portfolio.selectors import current_questionnaire, scorer_for
from bimodal.portfolio.services.assessments import (
    _check_transition,
)
from bimodal.portfolio.services.catalogue import (
    _move_service,
)

# --- reclassification proposals ------------------------------------------------------------------

# The governance decision type that decides a proposal: the route (who is accountable, which forum)
# comes from the decision rights of the service's organisational unit.
RECLASSIFY_SERVICE = "reclassify_service"


@transactional
def proposal_create(
    *,
    actor: User | None,
    service: Service,
    to_mode: Mode,
    reason: str,
    evidence: dict[str, Any] | None = None,
    assessment: Assessment | None = None,
    source: str = ProposalSource.PERSON,
) -> ReclassificationProposal:
    """Propose moving a service to another mode; a person needs the add permission (drift runs as
    system). The proposal goes to governance as a `reclassify_service` decision request, routed by the
    decision rights of the service's unit; whoever holds that right decides it."""
    if source == ProposalSource.PERSON or actor is not None:
        require_perm(actor, "portfolio.add_reclassificationproposal")
        require_object(actor, "view", service)
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the service should change mode."})
    if to_mode.pk == service.mode_id:
        raise ValidationError({"to_mode": f"{service} is already in {to_mode}."})
    if ReclassificationProposal.objects.filter(service=service, status=ProposalStatus.OPEN).exists():
        raise ValidationError({"service": f"{service} already has an open proposal."})
    proposal = ReclassificationProposal(
        service=service,
        from_mode=service.mode,
        to_mode=to_mode,
        reason=reason.strip(),
        evidence=evidence or {},
        assessment=assessment,
        source=source,
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    proposal = create_audited(proposal, actor=actor, verb=AuditVerb.PROPOSAL_CREATE)
    hooks.decision_request_open(
        actor=actor,
        system=proposal.proposed_by_id is None,
        decision_type=RECLASSIFY_SERVICE,
        subject=proposal,
        title=f"Reclassify {service.name}: {_mode_label(proposal.from_mode)} → {_mode_label(to_mode)}"[:200],
        org_unit=service.owner_team.org_unit if service.owner_team_id else None,
        mode=service.mode,
        description=proposal.reason,
    )
    return proposal


def _mode_label(mode: Mode) -> str:
    return mode.short_name or mode.name


def proposal_decision(proposal: ReclassificationProposal) -> Any:
    """The governance decision request deciding `proposal` (pending or closed), or None for a proposal
    raised before proposals went to governance."""
    return hooks.latest_decision_for(proposal, RECLASSIFY_SERVICE)


def may_decide_proposal(user: User, proposal: ReclassificationProposal) -> tuple[bool, str]:
    """Whether `user` may accept or reject `proposal` outside a meeting, and why not."""
    if proposal.status != ProposalStatus.OPEN:
        return False, "This proposal has been decided."
    request = proposal_decision(proposal)
    if request is None:
        if user.has_perm("portfolio.decide_reclassificationproposal"):
            return True, ""
        return False, "Only a governance lead decides this proposal."
    allowed, why = hooks.may_decide(user, request)
    return bool(allowed), str(why)


def _decide(
    proposal: ReclassificationProposal, *, actor: User, status: str, note: str
) -> ReclassificationProposal:
    """Decide through governance: the request's decision rights (and segregation of duties) are
    checked there and its handler (proposal_decided) applies the outcome."""
    require_object(actor, "view", proposal)
    _check_transition(PROPOSAL_TRANSITIONS, proposal.status, status, "proposal")
    request = proposal_decision(proposal)
    if request is None or request.status != "pending":  # raised before governance routing
        require_perm(actor, "portfolio.decide_reclassificationproposal")
        return proposal_decided(
            actor=actor, proposal=proposal, accepted=status == ProposalStatus.ACCEPTED, note=note
        )
    outcome = "approved" if status == ProposalStatus.ACCEPTED else "rejected"
    hooks.decision_record(actor=actor, request=request, outcome=outcome, note=note)
    return ReclassificationProposal.objects.get(pk=proposal.pk)


def proposal_decided(
    *, actor: User, proposal: ReclassificationProposal, accepted: bool, note: str = ""
) -> ReclassificationProposal:
    """Apply a decision on a proposal: accepted, the service moves to the proposed mode with the
    proposal's reason. Called by the governance handler, which has checked the decision right (or by
    _decide for a proposal raised before governance routing, after checking the permission)."""
    proposal = ReclassificationProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
    status = ProposalStatus.ACCEPTED if accepted else ProposalStatus.REJECTED
    _check_transition(PROPOSAL_TRANSITIONS, proposal.status, status, "proposal")
    proposal = update_audited(
        proposal,
        actor=actor,
        fields={"status": status, "decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
        reason=note,
        verb=AuditVerb(f"proposal_{status}"),
        action=AuditAction.TRANSITION,
    )
    if accepted:
        service = Service.objects.select_related("mode").get(pk=proposal.service_id)
        reason = f"Reclassification proposal #{proposal.pk} accepted: {proposal.reason}"
        _move_service(service, proposal.to_mode, actor=actor, reason=reason)
    return proposal


def on_reclassification_decided(request: Any, *, actor: User) -> None:
    """Governance's decision handler for `reclassify_service` (registered in GovernanceConfig.ready() and
    run inside the transaction that records the decision, once the decider's right is checked): an
    approved proposal moves its service to the proposed mode; a rejected one closes."""
    proposal = request.subject
    if not isinstance(proposal, ReclassificationProposal) or request.status not in {"approved", "rejected"}:
        return
    proposal_decided(
        actor=actor, proposal=proposal, accepted=request.status == "approved", note=request.outcome_note
    )


@transactional
def proposal_accept(
    *, actor: User, proposal: ReclassificationProposal, note: str = ""
) -> ReclassificationProposal:
    """Accept a proposal (as the holder of its decision right): the service moves to the proposed mode."""
    return _decide(proposal, actor=actor, status=ProposalStatus.ACCEPTED, note=note.strip())


@transactional
def proposal_reject(
    *, actor: User, proposal: ReclassificationProposal, note: str
) -> ReclassificationProposal:
    """Reject a proposal, saying why."""
    if not note or not note.strip():
        raise ValidationError({"note": "Say why the proposal is rejected."})
    return _decide(proposal, actor=actor, status=ProposalStatus.REJECTED, note=note.strip())


# --- drift detection -------------------------------------------------------------------------------

DELIVERY_DAYS = 90


def delivery_evidence(service_ids: list[int]) -> dict[int, dict[str, Any]]:
    """How each service has delivered in the last 90 days (DORA's four keys with their levels), as
    evidence for a proposal: {service id: {metric: {value, level, count}, "days": 90}}. Services
    without deployments are absent. Computed by insights (`portfolio.hooks.delivery_evidence`)."""
    if not service_ids:
        return {}
    evidence: dict[int, dict[str, Any]] = hooks.delivery_evidence(service_ids, days=DELIVERY_DAYS)
    return evidence


def _delivery_line(figures: dict[str, Any]) -> str:
    """One rationale line from delivery_evidence()."""
    frequency, failures = figures["deployment_frequency"], figures["change_failure_rate"]
    rate = "no data" if failures["value"] is None else f"{failures['value'] * 100:.0f} %"
    per_week = frequency.get("days_per_week")
    week = f"{per_week:.1f} deployment days a week" if per_week is not None else "deployments"
    return (
        f"Delivery, last {figures['days']} days: {frequency['count']} deployments ({week}, "
        f"{frequency['level']}); change failure rate {rate} ({failures['level']})."
    )


DRIFT_MIN_CONFIDENCE = 0.33
DRIFT_MIN_CONFIDENCE_FROM_ATTRIBUTES = 0.66


@transactional
def drift_detect(*, actor: User | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    """Compare each live service's mode with what its latest assessment (else its attributes) recommends.

    Opens a reclassification proposal, with the evidence, for each service that has drifted and has no
    open proposal; returns one finding per drifted service (proposal None on a dry run or when one is open)."""
    questionnaire = current_questionnaire()
    if questionnaire is None:
        return []
    scorer = scorer_for(questionnaire)
    modes = {m.key: m for m in Mode.objects.all()}
    names = {key: str(mode.short_name or mode.name) for key, mode in modes.items()}
    open_ids = set(
        ReclassificationProposal.objects.filter(status=ProposalStatus.OPEN).values_list(
            "service_id", flat=True
        )
    )
    latest = {
        a.service_id: a for a in Assessment.objects.filter(is_latest=True).select_related("recommended_mode")
    }
    findings: list[dict[str, Any]] = []
    services = (
        Service.objects.filter(lifecycle=Lifecycle.LIVE)
        .select_related("mode")
        .prefetch_related("regulatory_tags")
    )
    for service in services:
        assessment = latest.get(service.pk)
        if assessment is not None and assessment.current_mode_id == service.mode_id:
            recommended = assessment.recommended_mode
            confidence, threshold = assessment.confidence, DRIFT_MIN_CONFIDENCE
            evidence = {
                "source": "assessment",
                "assessment": assessment.pk,
                "scores": assessment.scores,
                "confidence": confidence,
                "rationale": assessment.rationale,
            }
        elif assessment is None:
            answers = engine.answers_from_attributes(
                {
                    "criticality": service.criticality,
                    "regulatory_tags": len(service.regulatory_tags.all()),
                    "hosting": service.hosting,
                    "lifecycle": service.lifecycle,
                }
            )
            result = scorer.score(answers)
            recommended = modes.get(result.recommended) if result.recommended else None
            # Attributes answer few questions: judge them by the margin alone, against a higher bar.
            confidence = round(result.confidence / result.coverage, 2) if result.coverage else 0.0
            threshold = DRIFT_MIN_CONFIDENCE_FROM_ATTRIBUTES
            evidence = {
                "source": "attributes",
                "answers": answers,
                "scores": result.scores,
                "confidence": confidence,
                "rationale": result.rationale(names),
            }
        else:
            continue  # assessed in another mode: the mode has changed since, wait for a new assessment
        if recommended is None or recommended.pk == service.mode_id or confidence < threshold:
            continue
        findings.append({"service": service, "to_mode": recommended, "evidence": evidence, "proposal": None})
    delivery = delivery_evidence([f["service"].pk for f in findings])
    for finding in findings:
        drifted: Service = finding["service"]
        target: Mode = finding["to_mode"]
        found: dict[str, Any] = finding["evidence"]
        if drifted.pk in delivery:
            found["delivery"] = delivery[drifted.pk]
            found["rationale"] = [*found.get("rationale", []), _delivery_line(delivery[drifted.pk])]
        if not dry_run and drifted.pk not in open_ids:
            reason = (
                f"Drift: {drifted.mode.short_name} service, but its {found['source']} recommend "
                f"{target.short_name} (confidence {found['confidence']:.2f})."
            )
            finding["proposal"] = proposal_create(
                actor=actor,
                service=drifted,
                to_mode=target,
                reason=reason,
                evidence=found,
                assessment=latest.get(drifted.pk) if found["source"] == "assessment" else None,
                source=ProposalSource.DRIFT,
            )
    return findings

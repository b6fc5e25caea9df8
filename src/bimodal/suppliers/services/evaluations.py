"""Writes of MSP evaluations: scope and weights, required skills, candidates and the decision."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    put_audited,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.stats import MEDIAN, percentiles
from bimodal.core.verbs import AuditVerb
from bimodal.people.models import Skill
from bimodal.portfolio.models import Service
from bimodal.servicedesk.choices import SlaState
from bimodal.servicedesk.models import SlaInstance
from bimodal.suppliers.choices import (
    EVALUATION_TRANSITIONS,
    EvaluationStatus,
)
from bimodal.suppliers.evaluation import score
from bimodal.suppliers.models import (
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    Supplier,
    default_weights,
)


def _require_open(evaluation: MspEvaluation) -> None:
    if evaluation.status != EvaluationStatus.OPEN:
        raise ValidationError({"status": "The evaluation is closed: its decision is recorded."})


# The fields a person sets on an MSP evaluation and a candidate: the forms, the API's write serializers and
# these services' keyword arguments list the same names (tests/test_fieldspec.py).
EVALUATION_FIELDS: Final = (
    "name",
    "description",
    "services",
    "weights",
    "required_response",
    "needs_on_site",
    "needs_remote",
    "regions",
)
CANDIDATE_FIELDS: Final = (
    "demonstrated_response",
    "response_source",
    "customisation",
    "annual_cost",
    "notes",
)


@transactional
def evaluation_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    description: str = "",
    services: Iterable[Service] = (),
    weights: dict[str, int] | None = None,
    required_response: dict[str, int] | None = None,
    needs_on_site: bool = False,
    needs_remote: bool = True,
    regions: list[str] | None = None,
) -> MspEvaluation:
    """Start an MSP evaluation for a set of services (weights default to the criteria's default weights)."""
    require_perm(actor, "suppliers.add_mspevaluation")
    evaluation = MspEvaluation(
        name=name,
        slug=slug or unique_slug(MspEvaluation, name),
        owner=actor,
        description=description,
        weights=default_weights() if weights is None else weights,
        required_response={} if required_response is None else required_response,
        needs_on_site=needs_on_site,
        needs_remote=needs_remote,
        regions=[] if regions is None else regions,
    )
    return create_audited(
        evaluation, actor=actor, m2m={"services": services}, verb=AuditVerb.EVALUATION_CREATE
    )


@transactional
def evaluation_update(
    *,
    actor: User,
    evaluation: MspEvaluation,
    reason: str = "",
    services: Iterable[Service] | None = None,
    name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    weights: dict[str, int] | NotGiven = UNSET,
    required_response: dict[str, int] | NotGiven = UNSET,
    needs_on_site: bool | NotGiven = UNSET,
    needs_remote: bool | NotGiven = UNSET,
    regions: list[str] | NotGiven = UNSET,
) -> MspEvaluation:
    """Change the services, weights, required response times or coverage needs of an open evaluation (its
    status and decision change only through evaluation_decide and evaluation_cancel)."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    _require_open(evaluation)
    fields = given(
        name=name,
        description=description,
        weights=weights,
        required_response=required_response,
        needs_on_site=needs_on_site,
        needs_remote=needs_remote,
        regions=regions,
    )
    m2m = {"services": services} if services is not None else None
    return update_audited(
        evaluation, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.EVALUATION_UPDATE
    )


@transactional
def requirement_set(
    *, actor: User, evaluation: MspEvaluation, skill: Skill, weight: int = 3, future: bool = False
) -> MspRequirement:
    """Require a skill or technology (now or planned) with a weight 1–5."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    _require_open(evaluation)
    return put_audited(
        MspRequirement,
        actor=actor,
        lookup={"evaluation": evaluation, "skill": skill},
        fields={"weight": weight, "future": future},
        verb=AuditVerb.REQUIREMENT_SET,
    )


@transactional
def requirement_remove(*, actor: User, requirement: MspRequirement, reason: str = "") -> None:
    """Stop requiring a skill in an open evaluation."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", requirement.evaluation)
    _require_open(requirement.evaluation)
    delete_audited(requirement, actor=actor, reason=reason, verb=AuditVerb.REQUIREMENT_REMOVE)


def demonstrated_response_times(
    supplier: Supplier, *, months: int = 12, now: datetime | None = None
) -> dict[str, int]:
    """The supplier's median contracted response time per priority over its real tickets (minutes)."""

    now = now or timezone.now()
    clocks = SlaInstance.objects.filter(
        supplier=supplier,
        target="response",
        state__in=[SlaState.MET, SlaState.BREACHED],
        stopped_at__gte=now - timedelta(days=30 * months),
    )
    found = percentiles(clocks, "elapsed_seconds", ("definition__contract_target__priority",), ps=(MEDIAN,))
    return {key[0]: max(1, round(values[MEDIAN] / 60)) for key, values in found.items() if key[0]}


@transactional
def candidate_add(
    *,
    actor: User,
    evaluation: MspEvaluation,
    supplier: Supplier,
    annual_cost: Decimal,
    demonstrated_response: dict[str, int] | None = None,
    response_source: str = "",
    customisation: int = 3,
    notes: str = "",
) -> MspCandidate:
    """Add a provider to the evaluation; without given response times, its real tickets supply them."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    _require_open(evaluation)
    if MspCandidate.objects.filter(evaluation=evaluation, supplier=supplier).exists():
        raise ValidationError({"supplier": f"{supplier} is already a candidate."})
    if not demonstrated_response:
        demonstrated_response = demonstrated_response_times(supplier)
        if demonstrated_response and not response_source:
            response_source = "Median contracted response over the last 12 months of tickets"
    candidate = MspCandidate(
        evaluation=evaluation,
        supplier=supplier,
        demonstrated_response=demonstrated_response or {},
        response_source=response_source,
        customisation=customisation,
        annual_cost=annual_cost,
        notes=notes,
    )
    return create_audited(candidate, actor=actor, verb=AuditVerb.CANDIDATE_ADD)


@transactional
def candidate_update(
    *,
    actor: User,
    candidate: MspCandidate,
    reason: str = "",
    demonstrated_response: dict[str, int] | NotGiven = UNSET,
    response_source: str | NotGiven = UNSET,
    customisation: int | NotGiven = UNSET,
    annual_cost: Decimal | NotGiven = UNSET,
    notes: str | NotGiven = UNSET,
) -> MspCandidate:
    """Change a candidate's response times, customisation rating, cost or notes (not its supplier)."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", candidate.evaluation)
    _require_open(candidate.evaluation)
    fields = given(
        demonstrated_response=demonstrated_response,
        response_source=response_source,
        customisation=customisation,
        annual_cost=annual_cost,
        notes=notes,
    )
    return update_audited(
        candidate, actor=actor, fields=fields, reason=reason, verb=AuditVerb.CANDIDATE_UPDATE
    )


@transactional
def candidate_remove(*, actor: User, candidate: MspCandidate, reason: str = "") -> None:
    """Withdraw a provider from an open evaluation."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", candidate.evaluation)
    _require_open(candidate.evaluation)
    delete_audited(candidate, actor=actor, reason=reason, verb=AuditVerb.CANDIDATE_REMOVE)


@transactional
def evaluation_decide(
    *, actor: User, evaluation: MspEvaluation, candidate: MspCandidate, rationale: str
) -> MspEvaluation:
    """Record the decision: the chosen provider, why, by whom and when (the scores are kept in the audit log)."""

    require_perm(actor, "suppliers.decide_mspevaluation")
    require_object(actor, "change", evaluation)
    if EvaluationStatus.DECIDED not in EVALUATION_TRANSITIONS.get(evaluation.status, set()):
        raise ValidationError({"status": "The evaluation is not open."})
    if candidate.evaluation_id != evaluation.pk:
        raise ValidationError({"candidate": "Choose one of this evaluation's candidates."})
    if not rationale.strip():
        raise ValidationError({"rationale": "Record why this provider was chosen."})
    scores = {s.candidate.supplier.slug: s.total for s in score(evaluation)}
    return update_audited(
        evaluation,
        actor=actor,
        fields={
            "status": EvaluationStatus.DECIDED,
            "chosen": candidate,
            "decision_rationale": rationale.strip(),
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
        reason=f"scores at decision: {scores}",
        verb=AuditVerb.EVALUATION_DECIDE,
        action=AuditAction.TRANSITION,
    )


@transactional
def evaluation_cancel(*, actor: User, evaluation: MspEvaluation, reason: str) -> MspEvaluation:
    """Close an evaluation without a decision."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    if EvaluationStatus.CANCELLED not in EVALUATION_TRANSITIONS.get(evaluation.status, set()):
        raise ValidationError({"status": "The evaluation is not open."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the evaluation is cancelled."})
    return update_audited(
        evaluation,
        actor=actor,
        fields={"status": EvaluationStatus.CANCELLED},
        reason=reason,
        verb=AuditVerb.EVALUATION_CANCEL,
        action=AuditAction.TRANSITION,
    )

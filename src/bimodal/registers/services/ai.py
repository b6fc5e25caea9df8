"""AI use cases: registration, changes and answers (risk tier recomputed), the ethics review decision."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.registers import risk
from bimodal.registers.choices import (
    DECISIONS_A_REVIEW_MAY_GIVE,
    AiRiskTier,
    DpiaStatus,
    EthicsDecision,
)
from bimodal.registers.models import AIUseCase
from bimodal.registers.services.base import (
    _check_stage,
    _draft,
    _next_due,
)


def clean_answers(answers: object) -> dict[str, bool]:
    """The questionnaire answers as {question: bool}; anything else is a field error."""
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise ValidationError({"risk_answers": "Answers must be an object of question: true/false."})
    unknown = sorted(set(answers) - set(risk.AI_QUESTION_KEYS))
    if unknown:
        raise ValidationError({"risk_answers": f"Unknown questions: {', '.join(unknown)}."})
    bad = sorted(k for k, v in answers.items() if not isinstance(v, bool))
    if bad:
        raise ValidationError({"risk_answers": f"Answer true or false to: {', '.join(bad)}."})
    return {k: answers[k] for k in risk.AI_QUESTION_KEYS if k in answers}


def _ai_risk_fields(use_case: AIUseCase) -> dict[str, Any]:
    """Tier, controls, cadence (and a DPIA status that is at least "required" when one is needed)."""
    result = risk.ai_risk_tier(
        use_case.risk_answers,
        personal_data=use_case.personal_data,
        special_categories=use_case.special_categories,
    )
    fields: dict[str, Any] = {
        "risk_tier": result.tier,
        "required_controls": result.controls,
        "review_cadence_days": result.review_days,
    }
    needed = risk.dpia_needed(
        result.tier, personal_data=use_case.personal_data, special_categories=use_case.special_categories
    )
    if needed and use_case.dpia_status == DpiaStatus.NOT_REQUIRED:
        fields["dpia_status"] = DpiaStatus.REQUIRED
    return fields


@transactional
def aiusecase_create(
    *,
    actor: User,
    name: str,
    owner: User,
    purpose: str,
    model_vendor: str,
    risk_answers: dict[str, bool] | None = None,
    services: Iterable[Service] = (),
    slug: str = "",
    owner_team: Team | None = None,
    runs_on: str = "",
    personal_data: bool = False,
    special_categories: bool = False,
    data_categories: str = "",
    affected_people: str = "",
    affected_count: int = 0,
    dpia_status: str = "",
    human_oversight: str = "",
    monitoring: str = "",
    stage: str = "",
    description: str = "",
) -> AIUseCase:
    """Register an AI use case; the risk tier and controls follow from the questionnaire answers (blank
    choices take the model fields' defaults; the ethics decision is recorded only through aiusecase_decide)."""
    require_perm(actor, "registers.add_aiusecase")
    use_case = AIUseCase(
        name=name,
        slug=slug or unique_slug(AIUseCase, name),
        owner=owner,
        purpose=purpose,
        model_vendor=model_vendor,
        risk_answers=clean_answers(risk_answers),
        owner_team=owner_team,
        personal_data=personal_data,
        special_categories=special_categories,
        data_categories=data_categories,
        affected_people=affected_people,
        affected_count=affected_count,
        human_oversight=human_oversight,
        monitoring=monitoring,
        description=description,
        **given(runs_on=runs_on or UNSET, dpia_status=dpia_status or UNSET, stage=stage or UNSET),
    )
    for key, value in _ai_risk_fields(use_case).items():
        setattr(use_case, key, value)
    use_case.next_review_due = _next_due(use_case)
    return create_audited(use_case, actor=actor, m2m={"services": services}, verb=AuditVerb.AIUSECASE_CREATE)


@transactional
def aiusecase_update(
    *,
    actor: User,
    use_case: AIUseCase,
    services: Iterable[Service] | None = None,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    owner: User | NotGiven = UNSET,
    owner_team: Team | NotGiven | None = UNSET,
    purpose: str | NotGiven = UNSET,
    model_vendor: str | NotGiven = UNSET,
    runs_on: str | NotGiven = UNSET,
    personal_data: bool | NotGiven = UNSET,
    special_categories: bool | NotGiven = UNSET,
    data_categories: str | NotGiven = UNSET,
    affected_people: str | NotGiven = UNSET,
    affected_count: int | NotGiven = UNSET,
    risk_answers: dict[str, bool] | NotGiven = UNSET,
    dpia_status: str | NotGiven = UNSET,
    human_oversight: str | NotGiven = UNSET,
    monitoring: str | NotGiven = UNSET,
    stage: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
) -> AIUseCase:
    """Change an AI use case (answers included); the tier and controls are recomputed. The ethics decision
    is recorded only through aiusecase_decide."""
    require_object(actor, "change", use_case)
    fields = given(
        slug=slug,
        name=name,
        owner=owner,
        owner_team=owner_team,
        purpose=purpose,
        model_vendor=model_vendor,
        runs_on=runs_on,
        personal_data=personal_data,
        special_categories=special_categories,
        data_categories=data_categories,
        affected_people=affected_people,
        affected_count=affected_count,
        risk_answers=risk_answers,
        dpia_status=dpia_status,
        human_oversight=human_oversight,
        monitoring=monitoring,
        stage=stage,
        description=description,
    )
    if "stage" in fields:
        _check_stage(use_case, fields["stage"])
    if "risk_answers" in fields:
        fields["risk_answers"] = clean_answers(fields["risk_answers"])
    draft = _draft(use_case, fields)
    fields.update(_ai_risk_fields(draft))
    draft.review_cadence_days = fields["review_cadence_days"]
    fields["next_review_due"] = _next_due(draft)
    m2m = {"services": services} if services is not None else None
    return update_audited(
        use_case, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.AIUSECASE_UPDATE
    )


def aiusecase_assess(*, actor: User, use_case: AIUseCase, answers: dict[str, bool]) -> AIUseCase:
    """Answer (or re-answer) the risk questions."""
    return aiusecase_update(actor=actor, use_case=use_case, risk_answers=answers, reason="risk questionnaire")


@transactional
def aiusecase_decide(
    *, actor: User, use_case: AIUseCase, decision: str, conditions: str = "", reason: str = ""
) -> AIUseCase:
    """Record the ethics review decision. Conditions are required for a conditional approval; a prohibited
    use case cannot be approved, nor a high-risk one before its DPIA is completed and oversight described."""
    require_perm(actor, "registers.decide_aiusecase")
    require_object(actor, "view", use_case)
    if decision not in DECISIONS_A_REVIEW_MAY_GIVE:
        raise ValidationError({"decision": f"Choose one of {', '.join(DECISIONS_A_REVIEW_MAY_GIVE)}."})
    if decision == EthicsDecision.CONDITIONAL and not conditions.strip():
        raise ValidationError({"conditions": "Say what the conditions are."})
    if decision != EthicsDecision.REJECTED:
        if use_case.risk_tier == AiRiskTier.PROHIBITED:
            raise ValidationError({"decision": "A prohibited use case cannot be approved."})
        if use_case.risk_tier == AiRiskTier.HIGH:
            errors: dict[str, str] = {}
            if use_case.dpia_status != DpiaStatus.COMPLETED:
                errors["dpia_status"] = "A high-risk use case needs a completed DPIA before approval."
            if not use_case.human_oversight.strip():
                errors["human_oversight"] = "Describe the human oversight before approval."
            if errors:
                raise ValidationError(errors)
    return update_audited(
        use_case,
        actor=actor,
        fields={
            "ethics_decision": decision,
            "ethics_conditions": conditions.strip(),
            "ethics_decided_by": actor,
            "ethics_decided_at": timezone.now(),
        },
        reason=reason,
        verb=AuditVerb.AIUSECASE_DECIDE,
        action=AuditAction.TRANSITION,
    )

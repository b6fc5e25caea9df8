"""Writes of the registers: low-code apps, AI use cases, cloud accounts and costs, reviews, promotion.

Every function checks permissions, validates (`full_clean`) and records an audit entry in the same
transaction through `bimodal.core.services`; risk fields are recomputed here, never in views or save()."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import Notification, User
from bimodal.core.services import (
    create_audited,
    put_audited,
    require_object,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio import services as portfolio_services
from bimodal.registers import risk
from bimodal.registers.choices import (
    DECISIONS_A_REVIEW_MAY_GIVE,
    REVIEW_TRANSITIONS,
    STAGE_TRANSITIONS,
    AiRiskTier,
    DpiaStatus,
    EthicsDecision,
    RegisterKind,
    RegisterStage,
    ReviewState,
)
from bimodal.registers.models import AIUseCase, CloudAccount, CloudCost, LowCodeApp, RegisterItem, ReviewTask

FIRST_REVIEW_WITHIN_DAYS = 30  # a new item gets its first review within a month, then by cadence
REVIEW_LEAD_DAYS = 14  # review tasks are created this many days before the due date
KIND_OF = {LowCodeApp: RegisterKind.LOW_CODE, AIUseCase: RegisterKind.AI, CloudAccount: RegisterKind.CLOUD}
MODEL_OF = {kind: model for model, kind in KIND_OF.items()}


def _next_due(item: RegisterItem, today: dt.date | None = None) -> dt.date:
    """Last review + cadence; an item never reviewed is due a month after it was registered."""
    if item.last_reviewed_on:
        return item.last_reviewed_on + dt.timedelta(days=item.review_cadence_days)
    start = (item.created_at.date() if item.created_at else None) or today or timezone.localdate()
    return start + dt.timedelta(days=min(FIRST_REVIEW_WITHIN_DAYS, item.review_cadence_days))


def _draft(item: RegisterItem, fields: dict) -> RegisterItem:
    """A copy of `item` with `fields` applied, to derive risk and dates from. The item itself stays as saved
    until `update_audited` applies the fields, so that the audit entry records the real "before"."""
    draft = copy.copy(item)
    for key, value in fields.items():
        setattr(draft, key, value)
    return draft


def _check_stage(item: RegisterItem, new: str) -> None:
    if new != item.stage and new not in STAGE_TRANSITIONS.get(item.stage, set()):
        raise ValidationError({"stage": f"A {item._meta.verbose_name} cannot go from {item.stage} to {new}."})


# --- low-code apps ---------------------------------------------------------------------------------


def _lowcode_risk_fields(app: LowCodeApp, integrations) -> dict:
    """The stored risk fields of an app from its attributes and integrated services."""
    integrations = list(integrations)
    result = risk.low_code_risk(
        users=app.user_count or 0,
        data_classification=app.data_classification,
        integrations=len(integrations),
        critical_integrations=sum(1 for s in integrations if s.criticality <= 1),
        support=app.support_wrapper,
    )
    return {
        "risk_score": result.score,
        "risk_level": result.level,
        "required_controls": result.controls,
        "review_cadence_days": result.review_days,
    }


@transaction.atomic
def lowcode_create(
    *,
    actor: User,
    name: str,
    owner: User,
    business_unit,
    platform: str,
    purpose: str,
    integrations=(),
    slug: str = "",
    **fields,
) -> LowCodeApp:
    """Register a low-code app; its risk score, controls and review cadence follow from its attributes."""
    require_perm(actor, "registers.add_lowcodeapp")
    if fields.get("stage") == RegisterStage.PROMOTED:
        raise ValidationError({"stage": "A new app is promoted through its promotion step."})
    app = LowCodeApp(
        name=name,
        slug=slug or unique_slug(LowCodeApp, name),
        owner=owner,
        business_unit=business_unit,
        platform=platform,
        purpose=purpose,
        **fields,
    )
    for key, value in _lowcode_risk_fields(app, integrations).items():
        setattr(app, key, value)
    app.next_review_due = _next_due(app)
    return create_audited(app, actor=actor, m2m={"integrations": integrations}, verb=AuditVerb.LOWCODE_CREATE)


@transaction.atomic
def lowcode_update(
    *, actor: User, app: LowCodeApp, integrations=None, reason: str = "", **fields
) -> LowCodeApp:
    """Change a low-code app; the risk score and controls are recomputed."""
    require_object(actor, "change", app)
    if "stage" in fields:
        _check_stage(app, fields["stage"])
        if fields["stage"] == RegisterStage.PROMOTED:
            raise ValidationError({"stage": "Promote the app through its promotion step."})
    draft = _draft(app, fields)
    current = integrations if integrations is not None else list(app.integrations.all())
    fields.update(_lowcode_risk_fields(draft, current))
    draft.review_cadence_days = fields["review_cadence_days"]
    fields["next_review_due"] = _next_due(draft)
    m2m = {"integrations": integrations} if integrations is not None else None
    return update_audited(
        app, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.LOWCODE_UPDATE
    )


@transaction.atomic
def lowcode_promote(*, actor: User, app: LowCodeApp, mode, owner_team=None, reason: str = "") -> LowCodeApp:
    """IT adoption: add the app to the service catalogue (through the portfolio's service_create) and mark
    it promoted. Only an app in use can be promoted, and only once."""
    require_perm(actor, "registers.promote_lowcodeapp")
    require_object(actor, "view", app)
    if app.promoted_service_id:
        raise ValidationError({"stage": f"{app} is already in the catalogue as {app.promoted_service}."})
    _check_stage(app, RegisterStage.PROMOTED)
    team = owner_team or app.support_team or app.owner_team
    if team is None:
        raise ValidationError({"owner_team": "Choose the team that will own the service."})
    service = portfolio_services.service_create(
        actor=actor,
        name=app.name,
        mode=mode,
        owner_team=team,
        service_owner=app.owner,
        description=f"Promoted from the low-code register ({app.get_platform_display()}). {app.purpose}"[
            :2000
        ],
        data_classification=app.data_classification,
        hosting="saas",
        lifecycle="live",
    )
    for target in app.integrations.all():
        portfolio_services.dependency_add(actor=actor, source=service, target=target)
    return update_audited(
        app,
        actor=actor,
        fields={"stage": RegisterStage.PROMOTED, "promoted_service": service, "support_team": team},
        reason=reason or "promoted into the service catalogue",
        verb=AuditVerb.LOWCODE_PROMOTE,
        action=AuditAction.TRANSITION,
    )


# --- AI use cases ----------------------------------------------------------------------------------


def clean_answers(answers) -> dict[str, bool]:
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


def _ai_risk_fields(use_case: AIUseCase) -> dict:
    """Tier, controls, cadence (and a DPIA status that is at least "required" when one is needed)."""
    result = risk.ai_risk_tier(
        use_case.risk_answers,
        personal_data=use_case.personal_data,
        special_categories=use_case.special_categories,
    )
    fields = {
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


@transaction.atomic
def aiusecase_create(
    *,
    actor: User,
    name: str,
    owner: User,
    purpose: str,
    model_vendor: str,
    risk_answers=None,
    services=(),
    slug: str = "",
    **fields,
) -> AIUseCase:
    """Register an AI use case; the risk tier and controls follow from the questionnaire answers."""
    require_perm(actor, "registers.add_aiusecase")
    for key in ("ethics_decision", "ethics_conditions"):
        fields.pop(key, None)  # decided only through aiusecase_decide
    use_case = AIUseCase(
        name=name,
        slug=slug or unique_slug(AIUseCase, name),
        owner=owner,
        purpose=purpose,
        model_vendor=model_vendor,
        risk_answers=clean_answers(risk_answers),
        **fields,
    )
    for key, value in _ai_risk_fields(use_case).items():
        setattr(use_case, key, value)
    use_case.next_review_due = _next_due(use_case)
    return create_audited(use_case, actor=actor, m2m={"services": services}, verb=AuditVerb.AIUSECASE_CREATE)


@transaction.atomic
def aiusecase_update(
    *, actor: User, use_case: AIUseCase, services=None, reason: str = "", **fields
) -> AIUseCase:
    """Change an AI use case (answers included); the tier and controls are recomputed."""
    require_object(actor, "change", use_case)
    for key in ("ethics_decision", "ethics_conditions"):
        if key in fields and fields[key] != getattr(use_case, key):
            raise ValidationError({key: "The ethics decision is recorded through the decide step."})
        fields.pop(key, None)
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


def aiusecase_assess(*, actor: User, use_case: AIUseCase, answers: dict) -> AIUseCase:
    """Answer (or re-answer) the risk questions."""
    return aiusecase_update(actor=actor, use_case=use_case, risk_answers=answers, reason="risk questionnaire")


@transaction.atomic
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
            errors = {}
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


# --- cloud accounts --------------------------------------------------------------------------------


@transaction.atomic
def cloudaccount_create(
    *, actor: User, name: str, provider: str, account_ref: str, services=(), slug: str = "", **fields
) -> CloudAccount:
    """Register a cloud account or subscription."""
    require_perm(actor, "registers.add_cloudaccount")
    fields.setdefault("review_cadence_days", risk.CLOUD_REVIEW_DAYS)
    account = CloudAccount(
        name=name,
        slug=slug or unique_slug(CloudAccount, name),
        provider=provider,
        account_ref=account_ref,
        **fields,
    )
    account.next_review_due = _next_due(account)
    return create_audited(
        account, actor=actor, m2m={"services": services}, verb=AuditVerb.CLOUDACCOUNT_CREATE
    )


@transaction.atomic
def cloudaccount_update(
    *, actor: User, account: CloudAccount, services=None, reason: str = "", **fields
) -> CloudAccount:
    """Change a cloud account (resource counts, budget, owner, services …)."""
    require_object(actor, "change", account)
    if "stage" in fields:
        _check_stage(account, fields["stage"])
    fields["next_review_due"] = _next_due(_draft(account, fields))
    m2m = {"services": services} if services is not None else None
    return update_audited(
        account, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.CLOUDACCOUNT_UPDATE
    )


def parse_month(raw) -> dt.date:
    """A month as its first day, from a date or "YYYY-MM" / "YYYY-MM-DD" text."""
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    try:
        parts = [int(p) for p in str(raw).strip().split("-")]
        return dt.date(parts[0], parts[1], 1)
    except (ValueError, IndexError) as exc:
        raise ValidationError({"month": f"“{raw}” is not a month (YYYY-MM)."}) from exc


@transaction.atomic
def cloudcost_record(*, actor: User, account: CloudAccount, month, amount) -> CloudCost:
    """Record (or correct) the cost of an account in a month."""
    require_object(actor, "change", account)
    month = parse_month(month)
    try:
        amount = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValidationError({"amount": f"“{amount}” is not a number."}) from exc
    return put_audited(
        CloudCost,
        actor=actor,
        lookup={"account": account, "month": month},
        fields={"amount": amount},
        verb=AuditVerb.CLOUDCOST_RECORD,
        update_verb=AuditVerb.CLOUDCOST_UPDATE,
    )


# --- stages and reviews ----------------------------------------------------------------------------


@transaction.atomic
def item_transition(*, actor: User, item: RegisterItem, stage: str, reason: str = "") -> RegisterItem:
    """Move a register item to another stage (promotion has its own step)."""
    require_object(actor, "change", item)
    if stage == RegisterStage.PROMOTED:
        raise ValidationError({"stage": "Promotion is its own step."})
    _check_stage(item, stage)
    return update_audited(
        item,
        actor=actor,
        fields={"stage": stage},
        reason=reason,
        verb=AuditVerb(f"{item._meta.model_name}_transition"),
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def item_review(
    *, actor: User, item: RegisterItem, notes: str = "", today: dt.date | None = None
) -> RegisterItem:
    """Record that an item was reviewed today: the next review moves by its cadence and open review tasks close."""
    if not (
        actor.has_perm("registers.manage_registers")
        or type(item)._default_manager.restrict(actor, "change").filter(pk=item.pk).exists()
    ):
        raise PermissionDenied(f"You may not review {item._meta.verbose_name} “{item}”.")
    today = today or timezone.localdate()
    item.last_reviewed_on = today
    item = update_audited(
        item,
        actor=actor,
        fields={"last_reviewed_on": today, "next_review_due": _next_due(item)},
        reason=notes,
        verb=AuditVerb(f"{item._meta.model_name}_review"),
    )
    now = timezone.now()
    for task in ReviewTask.objects.filter(
        register=KIND_OF[type(item)], object_id=item.pk, review_state=ReviewState.OPEN
    ):
        if ReviewState.DONE in REVIEW_TRANSITIONS[task.review_state]:
            update_audited(
                task,
                actor=actor,
                fields={"review_state": ReviewState.DONE, "completed_at": now},
                verb=AuditVerb.REVIEWTASK_COMPLETE,
            )
    return item


def _assignee(item: RegisterItem) -> User | None:
    owner = item.owner
    if owner is not None and owner.is_active:
        return owner
    return item.owner_team.lead if item.owner_team_id else None


def reviews_schedule(*, today: dt.date | None = None, lead_days: int = REVIEW_LEAD_DAYS) -> dict[str, int]:
    """Create one review task (and notify its assignee) for every active item due within `lead_days` or
    overdue, unless a task for that item and due date exists already. Run by the periodic task; running it
    again creates nothing (the unique constraint guards against two workers at once)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=lead_days)
    created: dict[str, int] = {}
    for model, kind in KIND_OF.items():
        existing = ReviewTask.objects.filter(
            register=kind, object_id=OuterRef("pk"), due_on=OuterRef("next_review_due")
        )
        due = (
            model.objects.filter(next_review_due__lte=horizon)
            .filter(
                stage__in=[
                    s
                    for s in RegisterStage.values
                    if s not in (RegisterStage.PROPOSED, RegisterStage.RETIRED)
                ]
            )
            .exclude(Exists(existing))
            .select_related("owner", "owner_team__lead")
        )
        created[kind] = 0
        for item in due:
            try:
                with transaction.atomic():
                    task = create_audited(
                        ReviewTask(
                            register=kind,
                            object_id=item.pk,
                            item_name=item.name,
                            item_url=item.get_absolute_url(),
                            assignee=_assignee(item),
                            due_on=item.next_review_due,
                        ),
                        actor=None,
                        reason="review due",
                        verb=AuditVerb.REVIEWTASK_CREATE,
                    )
                    if task.assignee:
                        state = "overdue" if task.due_on < today else "due"
                        Notification.objects.create(
                            recipient=task.assignee,
                            subject=f"Review {state}: {item.name} ({item._meta.verbose_name})",
                            body=f"The {item._meta.verbose_name} “{item.name}” is due for review on {task.due_on:%d %b %Y}.",
                            url=task.item_url,
                        )
            except (IntegrityError, ValidationError):
                continue  # another worker created it first
            created[kind] += 1
    return created

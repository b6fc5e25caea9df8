"""Readiness questionnaires (versioned, published) and assessments of services against them, one or many."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from bimodal.core import audit, db, numbers
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    lock,
    permission_refusal,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio import assessment as engine
from bimodal.portfolio.choices import (
    QUESTIONNAIRE_TRANSITIONS,
    AssessmentSource,
    QuestionnaireStatus,
)
from bimodal.portfolio.models import (
    Assessment,
    Criterion,
    Mode,
    Questionnaire,
    Service,
)
from bimodal.portfolio.selectors import current_questionnaire, scorer_for

# --- questionnaires --------------------------------------------------------------------------------


def _check_transition(table: Mapping[Any, AbstractSet[str]], current: str, new: str, what: str) -> None:
    """Refuse a status change that choices.py does not allow."""
    if new not in table.get(current, set()):
        raise ValidationError({"status": f"A {what} cannot go from {current} to {new}."})


def _next_version() -> int:
    """The next questionnaire version, from its gap-free counter (core/numbers.py): v1, v2, v3 …"""
    return numbers.next_number("questionnaire_version", seed=(Questionnaire, "version"), gap_free=True)


@transactional
def questionnaire_create_default(*, actor: User | None = None) -> Questionnaire:
    """Create and publish the default questionnaire (version 1) for the modes in the database.

    Every criterion is on the axis: high cost of change, criticality and regulation place a service
    towards stability; demand for change, modularity, automation, skills and uncertainty towards
    exploration. Each mode then scores by its distance from those places (`Mode.exploration`), so the
    questionnaire holds for any number of modes."""
    if actor is not None:
        require_perm(actor, "portfolio.add_questionnaire")
    version = _next_version()
    questionnaire = create_audited(
        Questionnaire(version=version, name="Mode readiness", notes="The default questionnaire."),
        actor=actor,
        verb=AuditVerb.QUESTIONNAIRE_CREATE,
    )
    for order, spec in enumerate(engine.DEFAULT_CRITERIA):
        create_audited(
            Criterion(
                questionnaire=questionnaire,
                key=spec["key"],
                label=spec["label"],
                help_text=spec["help"],
                dimension=spec["dimension"],
                weight=spec["weight"],
                mode_weights={},
                axis=engine.AXIS[spec["pole"]],
                options=spec["options"],
                order=order,
            ),
            actor=actor,
            verb=AuditVerb.CRITERION_CREATE,
        )
    if not Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED).exists():
        questionnaire = _publish(questionnaire, actor=actor)
    return questionnaire


def _publish(questionnaire: Questionnaire, *, actor: User | None) -> Questionnaire:
    for old in Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED).exclude(
        pk=questionnaire.pk
    ):
        update_audited(
            old,
            actor=actor,
            fields={"status": QuestionnaireStatus.RETIRED},
            verb=AuditVerb.QUESTIONNAIRE_RETIRE,
        )
    return update_audited(
        questionnaire,
        actor=actor,
        fields={
            "status": QuestionnaireStatus.PUBLISHED,
            "published_at": timezone.now(),
            "published_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
        verb=AuditVerb.QUESTIONNAIRE_PUBLISH,
        action=AuditAction.TRANSITION,
    )


@transactional
def questionnaire_new_version(*, actor: User, source: Questionnaire) -> Questionnaire:
    """A draft copy of `source` with the next version number, to edit and then publish."""
    require_perm(actor, "portfolio.add_questionnaire")
    version = _next_version()
    draft = create_audited(
        Questionnaire(version=version, name=source.name, notes=f"Copied from v{source.version}."),
        actor=actor,
        verb=AuditVerb.QUESTIONNAIRE_CREATE,
    )
    for criterion in source.criteria.all():
        create_audited(
            Criterion(
                questionnaire=draft,
                key=criterion.key,
                label=criterion.label,
                help_text=criterion.help_text,
                dimension=criterion.dimension,
                weight=criterion.weight,
                mode_weights=criterion.mode_weights,
                axis=criterion.axis,
                options=criterion.options,
                order=criterion.order,
            ),
            actor=actor,
            verb=AuditVerb.CRITERION_CREATE,
        )
    return draft


@transactional
def questionnaire_publish(*, actor: User, questionnaire: Questionnaire) -> Questionnaire:
    """Make a draft the questionnaire in use; the previously published one is retired."""
    require_perm(actor, "portfolio.change_questionnaire")
    _check_transition(
        QUESTIONNAIRE_TRANSITIONS, questionnaire.status, QuestionnaireStatus.PUBLISHED, "questionnaire"
    )
    if not questionnaire.criteria.exists():
        raise ValidationError({"status": "A questionnaire needs at least one criterion."})
    return _publish(questionnaire, actor=actor)


# The fields a person sets on a criterion: the form and criterion_update's keyword arguments list the same
# names (portfolio/tests/test_assessment_flow.py checks that they agree).
CRITERION_FIELDS: Final = (
    "label",
    "help_text",
    "dimension",
    "weight",
    "axis",
    "mode_weights",
    "options",
    "order",
)


def criterion_update(
    *,
    actor: User,
    criterion: Criterion,
    reason: str = "",
    label: str | NotGiven = UNSET,
    help_text: str | NotGiven = UNSET,
    dimension: str | NotGiven = UNSET,
    weight: float | NotGiven = UNSET,
    axis: int | NotGiven = UNSET,
    mode_weights: dict[str, float] | NotGiven = UNSET,
    options: list[dict[str, Any]] | NotGiven = UNSET,
    order: int | NotGiven = UNSET,
) -> Criterion:
    """Change a criterion's label, weight, direction per mode or options (drafts only)."""
    require_object(actor, "change", criterion)
    fields = given(
        label=label,
        help_text=help_text,
        dimension=dimension,
        weight=weight,
        axis=axis,
        mode_weights=mode_weights,
        options=options,
        order=order,
    )
    return update_audited(
        criterion, actor=actor, fields=fields, reason=reason, verb=AuditVerb.CRITERION_UPDATE
    )


@transactional
def criterion_add(
    *,
    actor: User,
    questionnaire: Questionnaire,
    key: str,
    label: str,
    dimension: str,
    options: list[dict[str, Any]],
    weight: float = 1,
    axis: int = 0,
    mode_weights: dict[str, float] | None = None,
    help_text: str = "",
    order: int | None = None,
) -> Criterion:
    """Add a criterion to a draft questionnaire (published and retired versions are frozen)."""
    questionnaire = lock(questionnaire)  # positions are read and taken under the parent's lock
    require_perm(actor, "portfolio.add_criterion")
    require_object(actor, "change", questionnaire)
    if questionnaire.criteria.filter(key=key).exists():
        raise ValidationError({"key": f"v{questionnaire.version} already has a criterion “{key}”."})
    if order is None:
        last = questionnaire.criteria.order_by("-order").values_list("order", flat=True).first()
        order = 0 if last is None else last + 1
    criterion = Criterion(
        questionnaire=questionnaire,
        key=key,
        label=label,
        help_text=help_text,
        dimension=dimension,
        weight=weight,
        axis=axis,
        mode_weights=mode_weights or {},
        options=options,
        order=order,
    )
    return create_audited(criterion, actor=actor, verb=AuditVerb.CRITERION_ADD)


@transactional
def criterion_remove(*, actor: User, criterion: Criterion, reason: str = "") -> None:
    """Remove a criterion from a draft questionnaire."""
    require_perm(actor, "portfolio.delete_criterion")
    require_object(actor, "delete", criterion)
    delete_audited(criterion, actor=actor, reason=reason, verb=AuditVerb.CRITERION_REMOVE)


# --- assessments -----------------------------------------------------------------------------------


def _may_assess(actor: User, service: Service) -> None:
    require_perm(actor, "portfolio.add_assessment")
    if not actor.has_perm("portfolio.manage_all_services"):
        require_object(actor, "change", service)


def assessment_fields(result: engine.Result, modes_by_key: dict[str, Mode]) -> dict[str, Any]:
    """The stored fields of an engine result."""
    names = {key: str(mode.short_name or mode.name) for key, mode in modes_by_key.items()}
    return _fields(result, modes_by_key, names)


def _fields(result: engine.Result, modes_by_key: dict[str, Mode], names: dict[str, str]) -> dict[str, Any]:
    functional = result.indices.get(engine.FUNCTIONAL_FIT)
    technical = result.indices.get(engine.TECHNICAL_FIT)
    return {
        "scores": result.scores,
        "recommended_mode": modes_by_key.get(result.recommended) if result.recommended else None,
        "confidence": result.confidence,
        "rationale": result.rationale(names),
        "cost_of_change": result.indices.get(engine.COST_OF_CHANGE),
        "demand_for_change": result.indices.get(engine.DEMAND_FOR_CHANGE),
        "functional_fit": functional,
        "technical_fit": technical,
        "time_rating": engine.time_rating(functional, technical),
    }


@transactional
def assessment_record(
    *,
    actor: User,
    service: Service,
    answers: dict[str, Any],
    notes: str = "",
    source: str = AssessmentSource.QUESTIONNAIRE,
    questionnaire: Questionnaire | None = None,
) -> Assessment:
    """Score `answers` with the published questionnaire and keep the result as the service's latest."""
    _may_assess(actor, service)
    questionnaire = questionnaire or current_questionnaire()
    if questionnaire is None:
        raise ValidationError({"answers": "No questionnaire is published."})
    scorer = scorer_for(questionnaire)
    try:
        clean = scorer.validate(answers)
    except engine.AnswerError as exc:
        raise ValidationError({key: msg for key, msg in exc.errors.items()}) from exc
    if not clean:
        raise ValidationError({"answers": "Answer at least one question."})
    result = scorer.score(clean)
    modes = {m.key: m for m in Mode.objects.all()}
    Service.objects.select_for_update(no_key=True).filter(pk=service.pk).first()
    # The flag only marks which row is newest; the audit log keeps each assessment's creation.
    Assessment.objects.filter(service=service, is_latest=True).update(is_latest=False)
    return create_audited(
        Assessment(
            service=service,
            questionnaire=questionnaire,
            assessed_by=actor,
            source=source,
            answers=clean,
            current_mode=service.mode,
            notes=notes,
            **assessment_fields(result, modes),
        ),
        actor=actor,
        verb=AuditVerb.ASSESSMENT_RECORD,
    )


@transactional
def assessment_record_many(
    *,
    actor: User,
    rows: list[tuple[str, Service, dict[str, Any]]],
    notes: str = "",
    source: str = AssessmentSource.BULK,
) -> list[Assessment]:
    """Record many assessments (bulk): all or nothing.

    `rows` are (row label, service, answers); every row is checked first and the ValidationError names
    each refused row by its label (e.g. "line 3"). The same checks and rows as assessment_record for
    each, set-based: permissions from one restricted query, the rows scored together
    (`Scorer.score_many`, the same results as `Scorer.score`), the services locked and their previous
    assessments unflagged in one statement each (their ids as one JSON parameter), the assessments
    inserted in as few statements as the database takes (`db.insert_rows`) and audited in one batch — one entry per assessment, as
    assessment_record writes. The number of statements grows with the rows only by one per few thousand rows.
    The values come from the engine and the ids from rows just read, so `full_clean()` (a query per
    foreign key and row) is not run."""
    questionnaire = current_questionnaire()
    if questionnaire is None:
        raise ValidationError({"answers": "No questionnaire is published."})
    scorer = scorer_for(questionnaire)
    refusal = (
        None if actor.has_perm("portfolio.add_assessment") else permission_refusal("portfolio.add_assessment")
    )
    may_change: AbstractSet[int] | None = None
    if refusal is None and not actor.has_perm("portfolio.manage_all_services"):
        may_change = set(Service.objects.restrict(actor, "change").values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    seen: dict[int, str] = {}
    cleaned: list[dict[str, Any]] = []
    for label, service, answers in rows:
        problems = errors.setdefault(label, [])
        if service.pk in seen:
            problems.append(f"{service.slug} is already assessed by {seen[service.pk]}")
        seen.setdefault(service.pk, label)
        if refusal is not None:
            problems.append(refusal)
        elif may_change is not None and service.pk not in may_change:
            problems.append(f"You may not change {Service._meta.verbose_name} “{service}”.")
        try:
            clean = scorer.validate(answers)
            if not clean:
                problems.append("no answers to record")
            cleaned.append(clean)
        except engine.AnswerError as exc:
            problems += [f"{key}: {message}" for key, message in exc.errors.items()]
    errors = {label: problems for label, problems in errors.items() if problems}
    if errors:
        raise ValidationError(errors)
    if not rows:
        return []
    results = scorer.score_many(cleaned)
    modes = {m.key: m for m in Mode.objects.all()}
    names = {key: str(mode.short_name or mode.name) for key, mode in modes.items()}
    ids = RawSQL(*db.json_ids([service.pk for _, service, _ in rows]))
    # Lock the services (in id order, as one statement), then unflag their previous latest assessments.
    list(Service.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
    Assessment.objects.filter(service_id__in=ids, is_latest=True).update(is_latest=False)
    now = timezone.now()
    assessments = []
    for (_, service, _), clean, result in zip(rows, cleaned, results, strict=True):
        fields = _fields(result, modes, names)
        recommended = fields.pop("recommended_mode")
        # Ids by attribute name (the relation descriptors cost more than the rest of the row); the
        # service is cached on the row for its audit label.
        assessment = Assessment(
            service_id=service.pk,
            questionnaire_id=questionnaire.pk,
            assessed_by_id=actor.pk,
            assessed_at=now,
            source=source,
            answers=clean,
            current_mode_id=service.mode_id,
            recommended_mode_id=recommended.pk if recommended is not None else None,
            notes=notes,
            **fields,
        )
        assessment._state.fields_cache["service"] = service
        assessments.append(assessment)
    with audit.batch():
        db.insert_rows(transaction.get_connection(), assessments)
        for assessment in assessments:
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=assessment,
                after=audit.snapshot(assessment),
                verb=AuditVerb.ASSESSMENT_RECORD,
            )
    return assessments

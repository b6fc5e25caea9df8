"""Administration of the desk: catalogue items, schedules, SLA definitions and the priority matrix."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    require_object,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.servicedesk.choices import (
    DEFAULT_PRIORITY_MATRIX,
    Level,
    Priority,
)
from bimodal.servicedesk.models import (
    CatalogueItem,
    PriorityRule,
    SlaDefinition,
    SupportSchedule,
)

# --- administration: catalogue, SLA definitions, schedules, priority matrix ------------------------


@transaction.atomic
def catalogue_item_create(*, actor: User, name: str, slug: str = "", **fields) -> CatalogueItem:
    """Add an item to the request catalogue (form schema, approval and fulfilment tasks validated)."""
    require_perm(actor, "servicedesk.add_catalogueitem")
    item = CatalogueItem(name=name, slug=slug or unique_slug(CatalogueItem, name), **fields)
    return create_audited(item, actor=actor, verb=AuditVerb.CATALOGUE_ITEM_CREATE)


@transaction.atomic
def catalogue_item_update(*, actor: User, item: CatalogueItem, reason: str = "", **fields) -> CatalogueItem:
    """Change a catalogue item; its form, approval and tasks apply to new requests."""
    require_perm(actor, "servicedesk.change_catalogueitem")
    require_object(actor, "change", item)
    return update_audited(
        item, actor=actor, fields=fields, reason=reason, verb=AuditVerb.CATALOGUE_ITEM_UPDATE
    )


@transaction.atomic
def schedule_create(*, actor: User, name: str, slug: str = "", **fields) -> SupportSchedule:
    """Add a support schedule (working hours, time zone, holidays, closures)."""
    require_perm(actor, "servicedesk.add_supportschedule")
    schedule = SupportSchedule(name=name, slug=slug or unique_slug(SupportSchedule, name), **fields)
    return create_audited(schedule, actor=actor, verb=AuditVerb.SCHEDULE_CREATE)


@transaction.atomic
def schedule_update(*, actor: User, schedule: SupportSchedule, reason: str = "", **fields) -> SupportSchedule:
    """Change a schedule: running clocks use it from their next recompute; due times move on next pause."""
    require_perm(actor, "servicedesk.change_supportschedule")
    require_object(actor, "change", schedule)
    return update_audited(schedule, actor=actor, fields=fields, reason=reason, verb=AuditVerb.SCHEDULE_UPDATE)


@transaction.atomic
def sla_definition_create(*, actor: User, **fields) -> SlaDefinition:
    """Add an SLA definition; it applies to tickets opened (or re-prioritised) from now on."""
    require_perm(actor, "servicedesk.add_sladefinition")
    return create_audited(SlaDefinition(**fields), actor=actor, verb=AuditVerb.SLA_DEFINITION_CREATE)


@transaction.atomic
def sla_definition_update(
    *, actor: User, definition: SlaDefinition, reason: str = "", **fields
) -> SlaDefinition:
    """Change an SLA definition (existing clocks keep their definition, with its new target)."""
    require_perm(actor, "servicedesk.change_sladefinition")
    require_object(actor, "change", definition)
    return update_audited(
        definition, actor=actor, fields=fields, reason=reason, verb=AuditVerb.SLA_DEFINITION_UPDATE
    )


def priority_matrix() -> dict[tuple[int, int], str]:
    """The effective impact × urgency matrix (rows over the default)."""
    matrix = {key: str(value) for key, value in DEFAULT_PRIORITY_MATRIX.items()}
    for rule in PriorityRule.objects.all():
        matrix[(rule.impact, rule.urgency)] = rule.priority
    return matrix


@transaction.atomic
def priority_matrix_set(
    *, actor: User, matrix: dict[tuple[int, int], str], reason: str = ""
) -> dict[tuple[int, int], str]:
    """Set cells of the impact × urgency matrix; each changed cell is audited. Existing tickets keep theirs."""
    require_perm(actor, "servicedesk.change_priorityrule")
    require_perm(actor, "servicedesk.add_priorityrule")
    errors = {}
    for (impact, urgency), priority in matrix.items():
        if impact not in Level.values or urgency not in Level.values:
            errors[f"{impact}x{urgency}"] = "Impact and urgency are 1, 2 or 3."
        elif priority not in Priority.values:
            errors[f"{impact}x{urgency}"] = f"{priority!r} is not a priority (P1–P4)."
    if errors:
        raise ValidationError(errors)
    rules = {(r.impact, r.urgency): r for r in PriorityRule.objects.select_for_update()}
    current = priority_matrix()
    for (impact, urgency), priority in sorted(matrix.items()):
        rule = rules.get((impact, urgency))
        if current[(impact, urgency)] == priority:
            continue  # unchanged cells write (and audit) nothing
        if rule is None:
            create_audited(
                PriorityRule(impact=impact, urgency=urgency, priority=priority),
                actor=actor,
                reason=reason,
                verb=AuditVerb.PRIORITY_MATRIX_SET,
            )
        elif rule.priority != priority:
            update_audited(
                rule,
                actor=actor,
                fields={"priority": priority},
                reason=reason,
                verb=AuditVerb.PRIORITY_MATRIX_SET,
            )
    return priority_matrix()

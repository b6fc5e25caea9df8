"""Administration of the desk: catalogue items, schedules, SLA definitions and the priority matrix."""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import ValidationError

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
from bimodal.portfolio.models import Mode, Service
from bimodal.servicedesk.choices import (
    DEFAULT_PRIORITY_MATRIX,
    Level,
    Priority,
)
from bimodal.servicedesk.models import (
    CatalogueItem,
    Category,
    PriorityRule,
    SlaDefinition,
    SupportSchedule,
)

# The fields a person sets, named once: the services' keyword arguments, the write serializers' fields and
# the admin forms' fields (tests check that they agree).
CATALOGUE_ITEM_FIELDS: Final = (
    "slug",
    "name",
    "department",
    "description",
    "form_schema",
    "service",
    "category",
    "fulfilment_group",
    "requires_approval",
    "approver",
    "approver_role",
    "task_templates",
    "active",
)
SCHEDULE_FIELDS: Final = (
    "slug",
    "name",
    "time_zone",
    "always_on",
    "hours",
    "country",
    "subdivision",
    "closures",
)
SLA_DEFINITION_FIELDS: Final = (
    "name",
    "target",
    "ticket_type",
    "priority",
    "mode",
    "catalogue_item",
    "target_seconds",
    "schedule",
    "pause_statuses",
    "warning_thresholds",
    "escalation_team",
    "raise_priority_on_breach",
    "active",
)

FieldSpec = dict[str, Any]  # one field of a catalogue item's request form
TaskSpec = dict[str, str]  # one fulfilment task: {"title": …, "group": team slug}
Hours = dict[str, list[list[str]]]  # per weekday: [["09:00", "17:30"], …]

# --- administration: catalogue, SLA definitions, schedules, priority matrix ------------------------


@transactional
def catalogue_item_create(
    *,
    actor: User,
    name: str,
    department: str,
    service: Service,
    fulfilment_group: Team,
    slug: str = "",
    description: str = "",
    form_schema: list[FieldSpec] | None = None,
    category: Category | None = None,
    requires_approval: bool = False,
    approver: str = "",
    approver_role: str = "",
    task_templates: list[TaskSpec] | None = None,
    active: bool = True,
) -> CatalogueItem:
    """Add an item to the request catalogue (form schema, approval and fulfilment tasks validated)."""
    require_perm(actor, "servicedesk.add_catalogueitem")
    item = CatalogueItem(
        name=name,
        slug=slug or unique_slug(CatalogueItem, name),
        department=department,
        description=description,
        form_schema=form_schema if form_schema is not None else [],
        service=service,
        category=category,
        fulfilment_group=fulfilment_group,
        requires_approval=requires_approval,
        approver=approver,
        approver_role=approver_role,
        task_templates=task_templates if task_templates is not None else [],
        active=active,
    )
    return create_audited(item, actor=actor, verb=AuditVerb.CATALOGUE_ITEM_CREATE)


@transactional
def catalogue_item_update(
    *,
    actor: User,
    item: CatalogueItem,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    department: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    form_schema: list[FieldSpec] | NotGiven = UNSET,
    service: Service | NotGiven = UNSET,
    category: Category | NotGiven | None = UNSET,
    fulfilment_group: Team | NotGiven = UNSET,
    requires_approval: bool | NotGiven = UNSET,
    approver: str | NotGiven = UNSET,
    approver_role: str | NotGiven = UNSET,
    task_templates: list[TaskSpec] | NotGiven = UNSET,
    active: bool | NotGiven = UNSET,
) -> CatalogueItem:
    """Change the given attributes of a catalogue item; its form, approval and tasks apply to new requests."""
    require_perm(actor, "servicedesk.change_catalogueitem")
    require_object(actor, "change", item)
    fields = given(
        slug=slug,
        name=name,
        department=department,
        description=description,
        form_schema=form_schema,
        service=service,
        category=category,
        fulfilment_group=fulfilment_group,
        requires_approval=requires_approval,
        approver=approver,
        approver_role=approver_role,
        task_templates=task_templates,
        active=active,
    )
    return update_audited(
        item, actor=actor, fields=fields, reason=reason, verb=AuditVerb.CATALOGUE_ITEM_UPDATE
    )


@transactional
def schedule_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    time_zone: str = "Europe/London",
    always_on: bool = False,
    hours: Hours | None = None,
    country: str = "",
    subdivision: str = "",
    closures: list[str] | None = None,
) -> SupportSchedule:
    """Add a support schedule (working hours, time zone, holidays, closures)."""
    require_perm(actor, "servicedesk.add_supportschedule")
    schedule = SupportSchedule(
        name=name,
        slug=slug or unique_slug(SupportSchedule, name),
        time_zone=time_zone,
        always_on=always_on,
        hours=hours if hours is not None else {},
        country=country,
        subdivision=subdivision,
        closures=closures if closures is not None else [],
    )
    return create_audited(schedule, actor=actor, verb=AuditVerb.SCHEDULE_CREATE)


@transactional
def schedule_update(
    *,
    actor: User,
    schedule: SupportSchedule,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    time_zone: str | NotGiven = UNSET,
    always_on: bool | NotGiven = UNSET,
    hours: Hours | NotGiven = UNSET,
    country: str | NotGiven = UNSET,
    subdivision: str | NotGiven = UNSET,
    closures: list[str] | NotGiven = UNSET,
) -> SupportSchedule:
    """Change a schedule: running clocks use it from their next recompute; due times move on next pause."""
    require_perm(actor, "servicedesk.change_supportschedule")
    require_object(actor, "change", schedule)
    fields = given(
        slug=slug,
        name=name,
        time_zone=time_zone,
        always_on=always_on,
        hours=hours,
        country=country,
        subdivision=subdivision,
        closures=closures,
    )
    return update_audited(schedule, actor=actor, fields=fields, reason=reason, verb=AuditVerb.SCHEDULE_UPDATE)


@transactional
def sla_definition_create(
    *,
    actor: User,
    name: str,
    target: str,
    target_seconds: int,
    schedule: SupportSchedule,
    ticket_type: str = "",
    priority: str = "",
    mode: Mode | None = None,
    catalogue_item: CatalogueItem | None = None,
    pause_statuses: list[str] | None = None,
    warning_thresholds: list[int] | None = None,
    escalation_team: Team | None = None,
    raise_priority_on_breach: bool = False,
    active: bool = True,
) -> SlaDefinition:
    """Add an SLA definition; it applies to tickets opened (or re-prioritised) from now on."""
    require_perm(actor, "servicedesk.add_sladefinition")
    definition = SlaDefinition(
        name=name,
        target=target,
        ticket_type=ticket_type,
        priority=priority,
        mode=mode,
        catalogue_item=catalogue_item,
        target_seconds=target_seconds,
        schedule=schedule,
        pause_statuses=pause_statuses if pause_statuses is not None else [],
        warning_thresholds=warning_thresholds if warning_thresholds is not None else [],
        escalation_team=escalation_team,
        raise_priority_on_breach=raise_priority_on_breach,
        active=active,
    )
    return create_audited(definition, actor=actor, verb=AuditVerb.SLA_DEFINITION_CREATE)


@transactional
def sla_definition_update(
    *,
    actor: User,
    definition: SlaDefinition,
    reason: str = "",
    name: str | NotGiven = UNSET,
    target: str | NotGiven = UNSET,
    ticket_type: str | NotGiven = UNSET,
    priority: str | NotGiven = UNSET,
    mode: Mode | NotGiven | None = UNSET,
    catalogue_item: CatalogueItem | NotGiven | None = UNSET,
    target_seconds: int | NotGiven = UNSET,
    schedule: SupportSchedule | NotGiven = UNSET,
    pause_statuses: list[str] | NotGiven = UNSET,
    warning_thresholds: list[int] | NotGiven = UNSET,
    escalation_team: Team | NotGiven | None = UNSET,
    raise_priority_on_breach: bool | NotGiven = UNSET,
    active: bool | NotGiven = UNSET,
) -> SlaDefinition:
    """Change the given attributes of an SLA definition (existing clocks keep it, with its new target)."""
    require_perm(actor, "servicedesk.change_sladefinition")
    require_object(actor, "change", definition)
    fields = given(
        name=name,
        target=target,
        ticket_type=ticket_type,
        priority=priority,
        mode=mode,
        catalogue_item=catalogue_item,
        target_seconds=target_seconds,
        schedule=schedule,
        pause_statuses=pause_statuses,
        warning_thresholds=warning_thresholds,
        escalation_team=escalation_team,
        raise_priority_on_breach=raise_priority_on_breach,
        active=active,
    )
    return update_audited(
        definition, actor=actor, fields=fields, reason=reason, verb=AuditVerb.SLA_DEFINITION_UPDATE
    )


def priority_matrix() -> dict[tuple[int, int], str]:
    """The effective impact × urgency matrix (rows over the default)."""
    matrix = {key: str(value) for key, value in DEFAULT_PRIORITY_MATRIX.items()}
    for rule in PriorityRule.objects.all():
        matrix[(rule.impact, rule.urgency)] = rule.priority
    return matrix


@transactional
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
    rules = {(r.impact, r.urgency): r for r in PriorityRule.objects.select_for_update(no_key=True)}
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

"""Migration pathways from one mode to another: steps and readiness criteria."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    require_object,
    require_perm,
    transactional,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.choices import (
    PATHWAY_TRANSITIONS,
    PATHWAYS_IN_FLIGHT,
    STEP_TRANSITIONS,
    PathwayStatus,
    StepStatus,
)
from bimodal.portfolio.models import (
    MigrationPathway,
    Mode,
    PathwayStep,
    ReadinessCriterion,
    ReclassificationProposal,
    Service,
)
from bimodal.portfolio.services.assessments import (
    _check_transition,
)

# --- migration pathways ----------------------------------------------------------------------------


# The fields a person sets on a pathway, a step and a readiness criterion: the forms, the API's write serializers and these
# services' keyword arguments list the same names (portfolio/tests/test_pathways.py checks that they agree).
PATHWAY_FIELDS: Final = ("title", "owner", "target_date", "description", "to_mode")
STEP_FIELDS: Final = ("title", "owner", "due_date", "status", "blocker")
READINESS_FIELDS: Final = ("label", "evidence")


def _may_plan(actor: User, service: Service) -> None:
    """Owners of the service (its team, its service owner) and governance leads plan its pathways."""
    require_perm(actor, "portfolio.add_migrationpathway")
    if not actor.has_perm("portfolio.manage_all_services"):
        require_object(actor, "change", service)


def _step_fields(fields: dict[str, Any], current: str | None = None) -> dict[str, Any]:
    """Check a step's status change and keep `done` / `done_at` in line with it."""
    unknown = set(fields) - {*STEP_FIELDS, "done"}
    if unknown:
        raise ValidationError({name: "Not a field of a step." for name in unknown})
    fields = dict(fields)
    if "done" in fields and "status" not in fields:
        # The "tick it off" shortcut of the pathway page.
        fields["status"] = StepStatus.DONE if fields["done"] else StepStatus.TODO
    fields.pop("done", None)
    status = fields.get("status")
    if status is not None and status != current:
        if status not in StepStatus.values:
            raise ValidationError({"status": f"“{status}” is not a step status."})
        if current is not None:
            _check_transition(STEP_TRANSITIONS, current, status, "step")
        fields["done"] = status == StepStatus.DONE
        fields["done_at"] = timezone.now() if status == StepStatus.DONE else None
    return fields


def _check_step(step: PathwayStep) -> None:
    if step.status == StepStatus.BLOCKED and not step.blocker.strip():
        raise ValidationError({"blocker": "Say what blocks this step."})


@transactional
def pathway_create(
    *,
    actor: User,
    service: Service,
    to_mode: Mode,
    title: str,
    owner: User,
    target_date: date | None = None,
    description: str = "",
    steps: Iterable[dict[str, Any]] = (),
    readiness: Iterable[str | dict[str, Any]] = (),
    proposal: ReclassificationProposal | None = None,
) -> MigrationPathway:
    """Plan a service's move from its current mode to another, with its steps and readiness criteria."""
    _may_plan(actor, service)
    if to_mode.pk == service.mode_id:
        raise ValidationError({"to_mode": f"{service} is already in {to_mode}."})
    pathway = create_audited(
        MigrationPathway(
            service=service,
            title=title,
            from_mode=service.mode,
            to_mode=to_mode,
            owner=owner,
            target_date=target_date,
            description=description,
            proposal=proposal,
        ),
        actor=actor,
        verb=AuditVerb.PATHWAY_CREATE,
    )
    for order, step in enumerate(steps):
        _add_step(pathway, actor=actor, order=order, fields=step)
    for order, item in enumerate(readiness):
        values = {"label": item} if isinstance(item, str) else dict(item)
        create_audited(
            ReadinessCriterion(pathway=pathway, order=order, **values),
            actor=actor,
            verb=AuditVerb.READINESS_ADD,
        )
    return pathway


def pathway_update(
    *,
    actor: User,
    pathway: MigrationPathway,
    reason: str = "",
    title: str | NotGiven = UNSET,
    owner: User | NotGiven = UNSET,
    target_date: date | NotGiven | None = UNSET,
    description: str | NotGiven = UNSET,
    to_mode: Mode | NotGiven = UNSET,
) -> MigrationPathway:
    """Change a pathway's title, owner, target date, description or target mode (not its status)."""
    require_object(actor, "change", pathway)
    if pathway.status not in PATHWAYS_IN_FLIGHT:
        raise ValidationError({"status": f"A {pathway.get_status_display().lower()} pathway is closed."})
    fields = given(
        title=title, owner=owner, target_date=target_date, description=description, to_mode=to_mode
    )
    if isinstance(to_mode, Mode) and to_mode.pk == pathway.from_mode_id:
        raise ValidationError({"to_mode": f"The pathway starts in {to_mode}; choose another target mode."})
    return update_audited(pathway, actor=actor, fields=fields, reason=reason, verb=AuditVerb.PATHWAY_UPDATE)


def pathway_set_status(
    *, actor: User, pathway: MigrationPathway, status: str, reason: str = ""
) -> MigrationPathway:
    """Move a pathway along planned → in progress ⇄ blocked → completed (or cancelled)."""
    require_object(actor, "change", pathway)
    _check_transition(PATHWAY_TRANSITIONS, pathway.status, status, "pathway")
    if status == PathwayStatus.COMPLETED and pathway.readiness.filter(met=False).exists():
        raise ValidationError(
            {"status": "Every readiness criterion must be met before the pathway completes."}
        )
    return update_audited(
        pathway,
        actor=actor,
        fields={"status": status},
        reason=reason,
        verb=AuditVerb.PATHWAY_SET_STATUS,
        action=AuditAction.TRANSITION,
    )


def _add_step(pathway: MigrationPathway, *, actor: User, order: int, fields: dict[str, Any]) -> PathwayStep:
    fields = _step_fields(fields)
    step = PathwayStep(pathway=pathway, order=order, **fields)
    _check_step(step)
    return create_audited(step, actor=actor, verb=AuditVerb.PATHWAY_STEP_ADD)


@transactional
def pathway_step_add(
    *,
    actor: User,
    pathway: MigrationPathway,
    title: str,
    owner: User | None = None,
    due_date: date | None = None,
    status: str = StepStatus.TODO,
    blocker: str = "",
) -> PathwayStep:
    """Add a step (owner, due date, status, blocker) at the end of a pathway."""
    require_perm(actor, "portfolio.add_pathwaystep")
    require_object(actor, "change", pathway)
    order = pathway.steps.count()
    fields = {"title": title, "owner": owner, "due_date": due_date, "status": status, "blocker": blocker}
    return _add_step(pathway, actor=actor, order=order, fields=fields)


@transactional
def pathway_step_update(
    *,
    actor: User,
    step: PathwayStep,
    reason: str = "",
    title: str | NotGiven = UNSET,
    owner: User | NotGiven | None = UNSET,
    due_date: date | NotGiven | None = UNSET,
    status: str | NotGiven = UNSET,
    blocker: str | NotGiven = UNSET,
    done: bool | NotGiven = UNSET,
) -> PathwayStep:
    """Change a step's status (or tick it off with done=True), blocker, owner, due date or title."""
    require_object(actor, "change", step)
    fields = _step_fields(
        given(title=title, owner=owner, due_date=due_date, status=status, blocker=blocker, done=done),
        current=step.status,
    )
    step = update_audited(step, actor=actor, fields=fields, reason=reason, verb=AuditVerb.PATHWAY_STEP_UPDATE)
    _check_step(step)  # raising here rolls the update back
    return step


@transactional
def readiness_add(
    *, actor: User, pathway: MigrationPathway, label: str, evidence: str = ""
) -> ReadinessCriterion:
    """Add a readiness criterion (e.g. "deployment automation in place") to a pathway."""
    require_perm(actor, "portfolio.add_readinesscriterion")
    require_object(actor, "change", pathway)
    order = pathway.readiness.count()
    return create_audited(
        ReadinessCriterion(pathway=pathway, label=label, evidence=evidence, order=order),
        actor=actor,
        verb=AuditVerb.READINESS_ADD,
    )


def readiness_update(
    *, actor: User, criterion: ReadinessCriterion, met: bool, evidence: str = ""
) -> ReadinessCriterion:
    """Mark a readiness criterion met (with evidence) or not."""
    require_object(actor, "change", criterion)
    return update_audited(
        criterion, actor=actor, fields={"met": met, "evidence": evidence}, verb=AuditVerb.READINESS_UPDATE
    )

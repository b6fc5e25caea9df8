"""Writes of the portfolio: modes, services, reclassification, dependencies and CSV import."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    delete_audited,
    require_object,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.portfolio import assessment as engine
from bimodal.portfolio.choices import (
    PATHWAY_TRANSITIONS,
    PATHWAYS_IN_FLIGHT,
    PROPOSAL_TRANSITIONS,
    QUESTIONNAIRE_TRANSITIONS,
    STEP_TRANSITIONS,
    AssessmentSource,
    Lifecycle,
    PathwayStatus,
    ProposalSource,
    ProposalStatus,
    QuestionnaireStatus,
    StepStatus,
)
from bimodal.portfolio.models import (
    Assessment,
    BusinessCapability,
    Criterion,
    MigrationPathway,
    Mode,
    PathwayStep,
    Questionnaire,
    ReadinessCriterion,
    ReclassificationProposal,
    RegulatoryTag,
    Service,
    ServiceDependency,
)
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.selectors import current_questionnaire, scorer_for, would_create_cycle


def modes_apply_preset(*, preset: str, actor: User | None = None) -> list[Mode]:
    """Create or update the modes of a preset (bimodal, trimodal, pace-layered); idempotent."""
    if preset not in PRESETS:
        raise ValidationError({"preset": f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}."})
    modes = []
    with transaction.atomic():
        for order, spec in enumerate(PRESETS[preset], start=1):
            fields = {**spec, "order": order}
            mode = Mode.objects.filter(key=fields["key"]).first()
            if mode is None:
                mode = create_audited(
                    Mode(**fields), actor=actor, reason=f"preset {preset}", verb="mode_create"
                )
            else:
                mode = update_audited(
                    mode, actor=actor, fields=fields, reason=f"preset {preset}", verb="mode_update"
                )
            modes.append(mode)
    return modes


def mode_update(*, actor: User, mode: Mode, reason: str = "", **fields) -> Mode:
    """Change a mode's name or governance profile."""
    require_object(actor, "change", mode)
    return update_audited(mode, actor=actor, fields=fields, reason=reason, verb="mode_update")


def service_create(
    *, actor: User, name: str, mode: Mode, owner_team, regulatory_tags=(), slug: str = "", **fields
) -> Service:
    """Add a service to the portfolio."""
    require_perm(actor, "portfolio.add_service")
    if not actor.has_perm("portfolio.manage_all_services") and not (
        owner_team.members.filter(pk=actor.pk).exists() or owner_team.lead_id == actor.pk
    ):
        raise PermissionDenied("You may only add services owned by a team you belong to.")
    service = Service(
        name=name, slug=slug or unique_slug(Service, name), mode=mode, owner_team=owner_team, **fields
    )
    return create_audited(
        service, actor=actor, m2m={"regulatory_tags": regulatory_tags}, verb="service_create"
    )


def service_update(
    *, actor: User, service: Service, regulatory_tags=None, reason: str = "", **fields
) -> Service:
    """Change a service's attributes; its mode changes only through `service_change_mode`."""
    require_object(actor, "change", service)
    if "mode" in fields and fields["mode"] != service.mode:
        raise ValidationError({"mode": "Use reclassification to move a service to another mode."})
    fields.pop("mode", None)
    m2m = {"regulatory_tags": regulatory_tags} if regulatory_tags is not None else None
    return update_audited(service, actor=actor, fields=fields, m2m=m2m, reason=reason, verb="service_update")


def service_change_mode(*, actor: User, service: Service, mode: Mode, reason: str) -> Service:
    """Move a service to another mode; needs the reclassify permission and a reason."""
    require_perm(actor, "portfolio.reclassify_service")
    require_object(actor, "view", service)
    return _move_service(service, mode, actor=actor, reason=reason)


def _move_service(service: Service, mode: Mode, *, actor, reason: str) -> Service:
    """Move a service to another mode, audited (the caller has checked who may)."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the service changes mode."})
    if mode.pk == service.mode_id:
        raise ValidationError({"mode": f"{service} is already in {mode}."})
    return update_audited(
        service,
        actor=actor,
        fields={"mode": mode},
        reason=reason.strip(),
        verb="service_change_mode",
        action=AuditAction.TRANSITION,
    )


def dependency_add(
    *, actor: User, source: Service, target: Service, kind: str = "runtime", description: str = ""
) -> ServiceDependency:
    """Record that `source` depends on `target`; refuses self-edges, duplicates and cycles of the same kind."""
    require_perm(actor, "portfolio.add_servicedependency")
    require_object(actor, "change", source)
    require_object(actor, "view", target)
    with transaction.atomic():
        if ServiceDependency.objects.filter(source=source, target=target, kind=kind).exists():
            raise ValidationError({"target": f"{source} already depends on {target} ({kind})."})
        if would_create_cycle(source=source, target=target, kind=kind):
            raise ValidationError(
                {
                    "target": f"{target} already depends on {source} through {kind} edges: this would close a cycle."
                }
            )
        edge = ServiceDependency(source=source, target=target, kind=kind, description=description)
        return create_audited(edge, actor=actor, verb="dependency_add")


def dependency_remove(*, actor: User, dependency: ServiceDependency, reason: str = "") -> None:
    """Remove a dependency edge."""
    require_perm(actor, "portfolio.delete_servicedependency")
    require_object(actor, "delete", dependency)
    delete_audited(dependency, actor=actor, reason=reason, verb="dependency_remove")


def capability_get_or_create(*, actor: User, name: str) -> BusinessCapability:
    """The business capability of that name, created (and audited) when new."""
    existing = BusinessCapability.objects.filter(name__iexact=name.strip()).first()
    if existing:
        return existing
    require_perm(actor, "portfolio.add_businesscapability")
    return create_audited(BusinessCapability(name=name.strip()), actor=actor)


def regulatory_tag_get_or_create(*, actor: User, name: str) -> RegulatoryTag:
    """The regulatory tag of that name, created (and audited) when new."""
    existing = RegulatoryTag.objects.filter(name__iexact=name.strip()).first()
    if existing:
        return existing
    require_perm(actor, "portfolio.add_regulatorytag")
    return create_audited(RegulatoryTag(name=name.strip()), actor=actor)


# --- questionnaires --------------------------------------------------------------------------------


def _check_transition(table: dict, current: str, new: str, what: str) -> None:
    """Refuse a status change that choices.py does not allow."""
    if new not in table.get(current, set()):
        raise ValidationError({"status": f"A {what} cannot go from {current} to {new}."})


@transaction.atomic
def questionnaire_create_default(*, actor: User | None = None) -> Questionnaire:
    """Create and publish the default questionnaire (version 1) for the modes in the database.

    High cost of change, criticality and regulation speak for the first mode; demand for change,
    modularity, automation, skills and uncertainty for the last one."""
    if actor is not None:
        require_perm(actor, "portfolio.add_questionnaire")
    modes = list(Mode.objects.order_by("order", "name").values_list("key", flat=True))
    stable, agile = (modes[0], modes[-1]) if modes else ("mode-1", "mode-2")
    version = (Questionnaire.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    questionnaire = create_audited(
        Questionnaire(version=version, name="Mode readiness", notes="The default questionnaire."),
        actor=actor,
        verb="questionnaire_create",
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
                mode_weights=engine.default_mode_weights(spec["pole"], stable, agile),
                options=spec["options"],
                order=order,
            ),
            actor=actor,
            verb="criterion_create",
        )
    if not Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED).exists():
        questionnaire = _publish(questionnaire, actor=actor)
    return questionnaire


def _publish(questionnaire: Questionnaire, *, actor) -> Questionnaire:
    for old in Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED).exclude(
        pk=questionnaire.pk
    ):
        update_audited(
            old, actor=actor, fields={"status": QuestionnaireStatus.RETIRED}, verb="questionnaire_retire"
        )
    return update_audited(
        questionnaire,
        actor=actor,
        fields={
            "status": QuestionnaireStatus.PUBLISHED,
            "published_at": timezone.now(),
            "published_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
        verb="questionnaire_publish",
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def questionnaire_new_version(*, actor: User, source: Questionnaire) -> Questionnaire:
    """A draft copy of `source` with the next version number, to edit and then publish."""
    require_perm(actor, "portfolio.add_questionnaire")
    version = Questionnaire.objects.order_by("-version").values_list("version", flat=True).first() + 1
    draft = create_audited(
        Questionnaire(version=version, name=source.name, notes=f"Copied from v{source.version}."),
        actor=actor,
        verb="questionnaire_create",
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
                options=criterion.options,
                order=criterion.order,
            ),
            actor=actor,
            verb="criterion_create",
        )
    return draft


@transaction.atomic
def questionnaire_publish(*, actor: User, questionnaire: Questionnaire) -> Questionnaire:
    """Make a draft the questionnaire in use; the previously published one is retired."""
    require_perm(actor, "portfolio.change_questionnaire")
    _check_transition(
        QUESTIONNAIRE_TRANSITIONS, questionnaire.status, QuestionnaireStatus.PUBLISHED, "questionnaire"
    )
    if not questionnaire.criteria.exists():
        raise ValidationError({"status": "A questionnaire needs at least one criterion."})
    return _publish(questionnaire, actor=actor)


def criterion_update(*, actor: User, criterion: Criterion, reason: str = "", **fields) -> Criterion:
    """Change a criterion's label, weight, direction per mode or options (drafts only)."""
    require_object(actor, "change", criterion)
    fields.pop("questionnaire", None)
    return update_audited(criterion, actor=actor, fields=fields, reason=reason, verb="criterion_update")


@transaction.atomic
def criterion_add(
    *,
    actor: User,
    questionnaire: Questionnaire,
    key: str,
    label: str,
    dimension: str,
    options: list,
    weight: float = 1,
    mode_weights: dict | None = None,
    help_text: str = "",
    order: int | None = None,
) -> Criterion:
    """Add a criterion to a draft questionnaire (published and retired versions are frozen)."""
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
        mode_weights=mode_weights or {},
        options=options,
        order=order,
    )
    return create_audited(criterion, actor=actor, verb="criterion_add")


@transaction.atomic
def criterion_remove(*, actor: User, criterion: Criterion, reason: str = "") -> None:
    """Remove a criterion from a draft questionnaire."""
    require_perm(actor, "portfolio.delete_criterion")
    require_object(actor, "delete", criterion)
    delete_audited(criterion, actor=actor, reason=reason, verb="criterion_remove")


# --- assessments -----------------------------------------------------------------------------------


def _may_assess(actor: User, service: Service) -> None:
    require_perm(actor, "portfolio.add_assessment")
    if not actor.has_perm("portfolio.manage_all_services"):
        require_object(actor, "change", service)


def assessment_fields(result: engine.Result, modes_by_key: dict[str, Mode]) -> dict:
    """The stored fields of an engine result."""
    names = {key: str(mode.short_name or mode.name) for key, mode in modes_by_key.items()}
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


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    service: Service,
    answers: dict,
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
    Service.objects.select_for_update().filter(pk=service.pk).first()
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
        verb="assessment_record",
    )


@transaction.atomic
def assessment_record_many(
    *,
    actor: User,
    rows: list[tuple[str, Service, dict]],
    notes: str = "",
    source: str = AssessmentSource.BULK,
) -> list[Assessment]:
    """Record many assessments (bulk): all or nothing.

    `rows` are (row label, service, answers); every row is checked first and the ValidationError names
    each refused row by its label (e.g. "line 3")."""
    questionnaire = current_questionnaire()
    if questionnaire is None:
        raise ValidationError({"answers": "No questionnaire is published."})
    scorer = scorer_for(questionnaire)
    errors: dict[str, list[str]] = {}
    seen: dict[int, str] = {}
    for label, service, answers in rows:
        problems = errors.setdefault(label, [])
        if service.pk in seen:
            problems.append(f"{service.slug} is already assessed by {seen[service.pk]}")
        seen.setdefault(service.pk, label)
        try:
            _may_assess(actor, service)
        except PermissionDenied as exc:
            problems.append(str(exc))
        try:
            if not scorer.validate(answers):
                problems.append("no answers to record")
        except engine.AnswerError as exc:
            problems += [f"{key}: {message}" for key, message in exc.errors.items()]
    errors = {label: problems for label, problems in errors.items() if problems}
    if errors:
        raise ValidationError(errors)
    return [
        assessment_record(
            actor=actor,
            service=service,
            answers=answers,
            notes=notes,
            source=source,
            questionnaire=questionnaire,
        )
        for _, service, answers in rows
    ]


# --- reclassification proposals ------------------------------------------------------------------

# The governance decision type that decides a proposal: the route (who is accountable, which forum)
# comes from the decision rights of the service's organisational unit.
RECLASSIFY_SERVICE = "reclassify_service"


def _governance():
    """The governance services and selectors (imported late: governance's routing reads portfolio)."""
    from bimodal.governance import selectors as governance_selectors
    from bimodal.governance import services as governance_services

    return governance_services, governance_selectors


@transaction.atomic
def proposal_create(
    *,
    actor: User | None,
    service: Service,
    to_mode: Mode,
    reason: str,
    evidence: dict | None = None,
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
    proposal = create_audited(proposal, actor=actor, verb="proposal_create")
    governance_services, _ = _governance()
    governance_services.decision_request_open(
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


def proposal_decision(proposal: ReclassificationProposal):
    """The governance decision request deciding `proposal` (pending or closed), or None for a proposal
    raised before proposals went to governance."""
    _, governance_selectors = _governance()
    return governance_selectors.latest_decision_for(proposal, RECLASSIFY_SERVICE)


def may_decide_proposal(user: User, proposal: ReclassificationProposal) -> tuple[bool, str]:
    """Whether `user` may accept or reject `proposal` outside a meeting, and why not."""
    if proposal.status != ProposalStatus.OPEN:
        return False, "This proposal has been decided."
    request = proposal_decision(proposal)
    if request is None:
        if user.has_perm("portfolio.decide_reclassificationproposal"):
            return True, ""
        return False, "Only a governance lead decides this proposal."
    governance_services, _ = _governance()
    return governance_services.may_decide(user, request)


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
    governance_services, _ = _governance()
    outcome = "approved" if status == ProposalStatus.ACCEPTED else "rejected"
    governance_services.decision_record(actor=actor, request=request, outcome=outcome, note=note)
    return ReclassificationProposal.objects.get(pk=proposal.pk)


def proposal_decided(
    *, actor: User, proposal: ReclassificationProposal, accepted: bool, note: str = ""
) -> ReclassificationProposal:
    """Apply a decision on a proposal: accepted, the service moves to the proposed mode with the
    proposal's reason. Called by the governance handler, which has checked the decision right (or by
    _decide for a proposal raised before governance routing, after checking the permission)."""
    proposal = ReclassificationProposal.objects.select_for_update().get(pk=proposal.pk)
    status = ProposalStatus.ACCEPTED if accepted else ProposalStatus.REJECTED
    _check_transition(PROPOSAL_TRANSITIONS, proposal.status, status, "proposal")
    proposal = update_audited(
        proposal,
        actor=actor,
        fields={"status": status, "decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
        reason=note,
        verb=f"proposal_{status}",
        action=AuditAction.TRANSITION,
    )
    if accepted:
        service = Service.objects.select_related("mode").get(pk=proposal.service_id)
        reason = f"Reclassification proposal #{proposal.pk} accepted: {proposal.reason}"
        _move_service(service, proposal.to_mode, actor=actor, reason=reason)
    return proposal


@transaction.atomic
def proposal_accept(
    *, actor: User, proposal: ReclassificationProposal, note: str = ""
) -> ReclassificationProposal:
    """Accept a proposal (as the holder of its decision right): the service moves to the proposed mode."""
    return _decide(proposal, actor=actor, status=ProposalStatus.ACCEPTED, note=note.strip())


@transaction.atomic
def proposal_reject(
    *, actor: User, proposal: ReclassificationProposal, note: str
) -> ReclassificationProposal:
    """Reject a proposal, saying why."""
    if not note or not note.strip():
        raise ValidationError({"note": "Say why the proposal is rejected."})
    return _decide(proposal, actor=actor, status=ProposalStatus.REJECTED, note=note.strip())


# --- migration pathways ----------------------------------------------------------------------------


PATHWAY_FIELDS = {"title", "owner", "target_date", "description", "to_mode"}
STEP_FIELDS = {"title", "owner", "due_date", "status", "blocker"}


def _may_plan(actor: User, service: Service) -> None:
    """Owners of the service (its team, its service owner) and governance leads plan its pathways."""
    require_perm(actor, "portfolio.add_migrationpathway")
    if not actor.has_perm("portfolio.manage_all_services"):
        require_object(actor, "change", service)


def _step_fields(fields: dict, current: str | None = None) -> dict:
    """Check a step's status change and keep `done` / `done_at` in line with it."""
    unknown = set(fields) - STEP_FIELDS - {"done"}
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


@transaction.atomic
def pathway_create(
    *,
    actor: User,
    service: Service,
    to_mode: Mode,
    title: str,
    owner: User,
    target_date=None,
    description: str = "",
    steps: list[dict] = (),
    readiness: list[str | dict] = (),
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
        verb="pathway_create",
    )
    for order, step in enumerate(steps):
        _add_step(pathway, actor=actor, order=order, fields=step)
    for order, item in enumerate(readiness):
        item = {"label": item} if isinstance(item, str) else dict(item)
        create_audited(
            ReadinessCriterion(pathway=pathway, order=order, **item), actor=actor, verb="readiness_add"
        )
    return pathway


def pathway_update(*, actor: User, pathway: MigrationPathway, reason: str = "", **fields) -> MigrationPathway:
    """Change a pathway's title, owner, target date, description or target mode (not its status)."""
    require_object(actor, "change", pathway)
    unknown = set(fields) - PATHWAY_FIELDS
    if unknown:
        raise ValidationError({name: "This cannot be changed here." for name in unknown})
    if pathway.status not in PATHWAYS_IN_FLIGHT:
        raise ValidationError({"status": f"A {pathway.get_status_display().lower()} pathway is closed."})
    to_mode = fields.get("to_mode")
    if to_mode is not None and to_mode.pk == pathway.from_mode_id:
        raise ValidationError({"to_mode": f"The pathway starts in {to_mode}; choose another target mode."})
    return update_audited(pathway, actor=actor, fields=fields, reason=reason, verb="pathway_update")


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
        verb="pathway_set_status",
        action=AuditAction.TRANSITION,
    )


def _add_step(pathway: MigrationPathway, *, actor: User, order: int, fields: dict) -> PathwayStep:
    fields = _step_fields(fields)
    step = PathwayStep(pathway=pathway, order=order, **fields)
    _check_step(step)
    return create_audited(step, actor=actor, verb="pathway_step_add")


@transaction.atomic
def pathway_step_add(*, actor: User, pathway: MigrationPathway, title: str, **fields) -> PathwayStep:
    """Add a step (owner, due date, status, blocker) at the end of a pathway."""
    require_perm(actor, "portfolio.add_pathwaystep")
    require_object(actor, "change", pathway)
    order = pathway.steps.count()
    return _add_step(pathway, actor=actor, order=order, fields={"title": title, **fields})


@transaction.atomic
def pathway_step_update(*, actor: User, step: PathwayStep, reason: str = "", **fields) -> PathwayStep:
    """Change a step's status (or tick it off with done=True), blocker, owner, due date or title."""
    require_object(actor, "change", step)
    fields = _step_fields(fields, current=step.status)
    step = update_audited(step, actor=actor, fields=fields, reason=reason, verb="pathway_step_update")
    _check_step(step)  # raising here rolls the update back
    return step


@transaction.atomic
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
        verb="readiness_add",
    )


def readiness_update(
    *, actor: User, criterion: ReadinessCriterion, met: bool, evidence: str = ""
) -> ReadinessCriterion:
    """Mark a readiness criterion met (with evidence) or not."""
    require_object(actor, "change", criterion)
    return update_audited(
        criterion, actor=actor, fields={"met": met, "evidence": evidence}, verb="readiness_update"
    )


# --- drift detection -------------------------------------------------------------------------------

DELIVERY_DAYS = 90
_DORA = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time")


def delivery_evidence(service_ids: list[int]) -> dict[int, dict]:
    """How each service has delivered in the last 90 days — DORA's four keys with their levels, from
    the insights app's records of deployments, commits and incidents — as evidence for a proposal:
    {service id: {metric: {value, level, count}, "days": 90}}. Services without deployments are absent.
    One computation for all of them."""
    if not service_ids:
        return {}
    from bimodal.insights import selectors as insights  # insights reads the portfolio: imported late
    from bimodal.insights.metrics.scope import Scope

    scope = Scope.last_days(DELIVERY_DAYS, group="service", service_ids=tuple(service_ids))
    out = {}
    for row in insights.dora_table(scope):
        figures = {name: row[name] for name in _DORA}
        if not figures["deployment_frequency"].count:
            continue
        out[row["key"]] = {
            "days": DELIVERY_DAYS,
            **{
                name: {"value": f.value, "level": str(f.level), "count": f.count, **(f.extra or {})}
                for name, f in figures.items()
            },
        }
    return out


def _delivery_line(figures: dict) -> str:
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


@transaction.atomic
def drift_detect(*, actor: User | None = None, dry_run: bool = False) -> list[dict]:
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
    findings = []
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
        service, recommended, evidence = finding["service"], finding["to_mode"], finding["evidence"]
        if service.pk in delivery:
            evidence["delivery"] = delivery[service.pk]
            evidence["rationale"] = [*evidence.get("rationale", []), _delivery_line(delivery[service.pk])]
        if not dry_run and service.pk not in open_ids:
            reason = (
                f"Drift: {service.mode.short_name} service, but its {evidence['source']} recommend "
                f"{recommended.short_name} (confidence {evidence['confidence']:.2f})."
            )
            finding["proposal"] = proposal_create(
                actor=actor,
                service=service,
                to_mode=recommended,
                reason=reason,
                evidence=evidence,
                assessment=latest.get(service.pk) if evidence["source"] == "assessment" else None,
                source=ProposalSource.DRIFT,
            )
    return findings

"""The standard-change catalogue: templates proposed, approved through the mode's governance (a change
manager or a CAB member, never their owner), versioned, suspended and retired; standard changes raised
from an approved, in-date template with its fixed plans; and the periodic review of their results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bimodal.changes.choices import (
    TEMPLATE_TRANSITIONS,
    ChangeSource,
    ChangeStatus,
    ChangeType,
    Environment,
    TemplateStatus,
)
from bimodal.changes.models import Change, StandardChangeTemplate
from bimodal.changes.services.base import _next_reference, assess, template_refusals
from bimodal.changes.services.records import _validate_services
from bimodal.core.choices import NotificationKind
from bimodal.core.models import Actor, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    given,
    notify,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.governance.models import Forum
from bimodal.governance.profiles import CAB_SLUG
from bimodal.portfolio.models import Mode, Service

T = TemplateStatus
# The fields a person sets on a template: the form, the API's write serializer and the keyword arguments of
# template_propose / template_revise list the same names (changes/tests/test_templates.py checks them).
TEMPLATE_FIELDS: Final = (
    "name",
    "description",
    "services",
    "modes",
    "hostings",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "risk_ceiling",
    "review_date",
)
# The periodic review: over this many days, a template with at least REVIEW_MIN_CHANGES finished changes
# of which more than REVIEW_FAILURE_THRESHOLD failed or were backed out is suspended.
REVIEW_DAYS: Final = 90
REVIEW_MIN_CHANGES: Final = 3
REVIEW_FAILURE_THRESHOLD: Final = 0.2
FINISHED = (ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.BACKED_OUT)


def may_approve_template(user: Actor) -> bool:
    """Change managers and CAB members approve templates (the governance of a pre-approved change)."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_perm("changes.manage_change"):
        return True
    return (
        user.has_perm("changes.approve_change") and Forum.objects.filter(slug=CAB_SLUG, members=user).exists()
    )


def _check_review_date(review_date: date) -> None:
    if review_date <= timezone.localdate():
        raise ValidationError({"review_date": "The review date must be in the future."})


def _transition(
    template: StandardChangeTemplate, target: str, *, actor: Actor, reason: str, verb: AuditVerb, **extra: Any
) -> StandardChangeTemplate:
    if target not in TEMPLATE_TRANSITIONS[template.status]:
        raise ValidationError(
            {
                "status": f"A {T(template.status).label.lower()} template cannot become {T(target).label.lower()}."
            }
        )
    return update_audited(
        template,
        actor=actor,
        fields={"status": target, "status_reason": reason, **extra},
        reason=reason,
        verb=verb,
    )


@transactional
def template_propose(
    *,
    actor: User,
    name: str,
    implementation_plan: str,
    backout_plan: str,
    test_plan: str,
    review_date: date,
    description: str = "",
    services: Iterable[Service] = (),
    modes: Iterable[Mode] = (),
    hostings: list[str] | None = None,
    risk_ceiling: int = 30,
    reason: str = "",
) -> StandardChangeTemplate:
    """Propose a new standard-change template (version 1); its proposer owns it. It is usable once approved."""
    require_perm(actor, "changes.add_standardchangetemplate")
    _check_review_date(review_date)
    template = StandardChangeTemplate(
        key=unique_slug(StandardChangeTemplate, name, field="key"),
        name=name,
        description=description,
        hostings=list(hostings or []),
        implementation_plan=implementation_plan,
        backout_plan=backout_plan,
        test_plan=test_plan,
        risk_ceiling=risk_ceiling,
        review_date=review_date,
        owner=actor,
    )
    return create_audited(
        template,
        actor=actor,
        m2m={"services": list(services), "modes": list(modes)},
        reason=reason,
        verb=AuditVerb.TEMPLATE_PROPOSE,
    )


@transactional
def template_revise(
    *,
    actor: User,
    template: StandardChangeTemplate,
    reason: str = "",
    services: Iterable[Service] | None = None,
    modes: Iterable[Mode] | None = None,
    name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    hostings: list[str] | NotGiven = UNSET,
    implementation_plan: str | NotGiven = UNSET,
    backout_plan: str | NotGiven = UNSET,
    test_plan: str | NotGiven = UNSET,
    risk_ceiling: int | NotGiven = UNSET,
    review_date: date | NotGiven = UNSET,
) -> StandardChangeTemplate:
    """Propose the next version of a template (its owner or a change manager): a copy with the given
    fields changed, proposed; the version in use stays in use until the new one is approved."""
    require_object(actor, "change", template)
    latest = StandardChangeTemplate.objects.filter(key=template.key).order_by("-version").first()
    assert latest is not None
    if latest.status == T.PROPOSED:
        raise ValidationError({"status": f"Version {latest.version} is already proposed: decide it first."})
    if latest.status == T.RETIRED:
        raise ValidationError({"status": "The template is retired."})
    fields = given(
        name=name,
        description=description,
        hostings=hostings,
        implementation_plan=implementation_plan,
        backout_plan=backout_plan,
        test_plan=test_plan,
        risk_ceiling=risk_ceiling,
        review_date=review_date,
    )
    if "review_date" in fields:
        _check_review_date(fields["review_date"])
    copy = {
        name_: getattr(template, name_) for name_ in TEMPLATE_FIELDS if name_ not in {"services", "modes"}
    }
    new = StandardChangeTemplate(
        key=template.key, version=latest.version + 1, owner=template.owner, **{**copy, **fields}
    )
    return create_audited(
        new,
        actor=actor,
        m2m={
            "services": list(template.services.all() if services is None else services),
            "modes": list(template.modes.all() if modes is None else modes),
        },
        reason=reason,
        verb=AuditVerb.TEMPLATE_REVISE,
    )


@transactional
def template_approve(
    *, actor: User, template: StandardChangeTemplate, reason: str = ""
) -> StandardChangeTemplate:
    """Approve a proposed (or reinstate a suspended) template: a change manager or CAB member who does
    not own it; the versions it replaces are superseded."""
    if not may_approve_template(actor):
        raise PermissionDenied("Only a change manager or a CAB member approves standard-change templates.")
    if actor.pk == template.owner_id:
        raise PermissionDenied("Segregation of duties: you cannot approve a template you own.")
    _check_review_date(template.review_date)
    template = _transition(
        template,
        T.APPROVED,
        actor=actor,
        reason=reason or "approved",
        verb=AuditVerb.TEMPLATE_APPROVE,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    older = StandardChangeTemplate.objects.filter(
        key=template.key, version__lt=template.version, status__in=[T.APPROVED, T.SUSPENDED]
    )
    for old in older:
        _transition(
            old,
            T.SUPERSEDED,
            actor=actor,
            reason=f"superseded by version {template.version}",
            verb=AuditVerb.TEMPLATE_SUPERSEDE,
        )
    return template


@transactional
def template_suspend(*, actor: User, template: StandardChangeTemplate, reason: str) -> StandardChangeTemplate:
    """Suspend an approved template (a change manager): no standard change is raised from it meanwhile."""
    require_perm(actor, "changes.manage_change")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the template is suspended."})
    return _suspend(template, actor=actor, reason=reason)


def _suspend(template: StandardChangeTemplate, *, actor: Actor, reason: str) -> StandardChangeTemplate:
    template = _transition(template, T.SUSPENDED, actor=actor, reason=reason, verb=AuditVerb.TEMPLATE_SUSPEND)
    notify(
        recipients=[template.owner],
        kind=NotificationKind.TEMPLATE_SUSPENDED,
        obj=template,
        subject=f"Standard change “{template.name}” suspended",
        body=reason,
        url=reverse("changes:template_detail", args=[template.pk]),
    )
    return template


@transactional
def template_retire(*, actor: User, template: StandardChangeTemplate, reason: str) -> StandardChangeTemplate:
    """Retire a template version for good (its owner or a change manager); changes raised from it keep it."""
    require_object(actor, "change", template)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the template is retired."})
    return _transition(template, T.RETIRED, actor=actor, reason=reason, verb=AuditVerb.TEMPLATE_RETIRE)


@transactional
def change_create_from_template(
    *,
    actor: User,
    template: StandardChangeTemplate,
    services: Iterable[Service],
    title: str = "",
    environment: str = Environment.PRODUCTION,
    description: str = "",
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
    evidence: dict[str, Any] | None = None,
    risk_answers: dict[str, bool] | None = None,
) -> Change:
    """Raise a standard change (draft) from an approved, in-date template for services it covers, on
    which the actor may raise changes; its plans are the template's and cannot be edited."""
    require_perm(actor, "changes.add_change")
    require_object(actor, "view", template)
    service_list = _validate_services(actor, services)
    change = Change(
        reference=_next_reference(),
        title=title or template.name,
        change_type=ChangeType.STANDARD,
        source=ChangeSource.MANUAL,
        requester=actor,
        environment=environment,
        description=description,
        implementation_plan=template.implementation_plan,
        backout_plan=template.backout_plan,
        test_plan=template.test_plan,
        planned_start=planned_start,
        planned_end=planned_end,
        evidence=dict(evidence or {}),
        risk_answers=dict(risk_answers or {}),
        template=template,
    )
    change.full_clean(exclude=["reference"])
    score, level, _, _ = assess(
        services=service_list, change_type=ChangeType.STANDARD, answers=change.risk_answers
    )
    refusals = template_refusals(template, service_list, score)
    if refusals:
        raise ValidationError(refusals)
    change.risk_score, change.risk_level = score, level
    return create_audited(
        change,
        actor=actor,
        m2m={"services": service_list},
        reason=f"standard change from template {template.key} v{template.version}",
        verb=AuditVerb.CHANGE_CREATE,
    )


def template_usage(*, since: datetime | None = None) -> dict[int, dict[str, Any]]:
    """{template pk: count, finished, failed, success rate} of the changes raised from each template
    (since `since`, by creation), in one query."""
    rows = Change.objects.filter(template__isnull=False)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    figures = rows.values("template").annotate(
        count=Count("pk"),
        finished=Count("pk", filter=Q(result__in=FINISHED)),
        failed=Count("pk", filter=Q(result__in=FINISHED[1:])),
    )
    return {
        r["template"]: {
            "count": r["count"],
            "finished": r["finished"],
            "failed": r["failed"],
            "success_rate": (r["finished"] - r["failed"]) / r["finished"] if r["finished"] else None,
        }
        for r in figures
    }


@transactional
def templates_review() -> dict[str, int]:
    """The periodic review: suspend each approved template whose recent changes fail above the threshold
    (and notify its owner); return how many were reviewed and suspended."""
    since = timezone.now() - timedelta(days=REVIEW_DAYS)
    usage = template_usage(since=since)
    approved = list(
        StandardChangeTemplate.objects.select_for_update(no_key=True)
        .filter(status=T.APPROVED)
        .select_related("owner")
        .order_by("pk")
    )
    suspended = 0
    for template in approved:
        figures = usage.get(template.pk)
        if not figures or figures["finished"] < REVIEW_MIN_CHANGES:
            continue
        failure_rate = figures["failed"] / figures["finished"]
        if failure_rate > REVIEW_FAILURE_THRESHOLD:
            _suspend(
                template,
                actor=None,
                reason=f"periodic review: {figures['failed']} of the last {figures['finished']} finished "
                f"changes failed or were backed out in {REVIEW_DAYS} days ({failure_rate:.0%}, above "
                f"{REVIEW_FAILURE_THRESHOLD:.0%})",
            )
            suspended += 1
    return {"reviewed": len(approved), "suspended": suspended}

"""Maturity assessment: capability areas and the audits that score an org unit on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from bimodal.core.models import OrgUnit, User
from bimodal.core.services import (
    create_audited,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.insights.choices import MaturityMode
from bimodal.insights.models import CapabilityArea, MaturityAssessment, MaturityScore

# --- maturity assessment -----------------------------------------------------------------------------

DEFAULT_AREAS = [
    # (name, end of the modes' axis it matters most for, default target, description)
    ("Change enablement", MaturityMode.STABILITY, 4, "Risk-based change approval, CAB, windows and freezes."),
    ("Incident management", MaturityMode.BOTH, 4, "Detection, response, major incidents, restoration."),
    ("Problem management", MaturityMode.STABILITY, 3, "Root causes, known errors and their removal."),
    (
        "Service level management",
        MaturityMode.STABILITY,
        4,
        "Agreed targets, SLA clocks, reporting and review.",
    ),
    ("Release & deployment", MaturityMode.BOTH, 4, "Repeatable releases, deployment records, rollback."),
    (
        "CI/CD automation",
        MaturityMode.EXPLORATION,
        4,
        "Pipelines, automated tests, the deployment gate, deploy on demand.",
    ),
    (
        "Observability",
        MaturityMode.EXPLORATION,
        4,
        "Monitoring, alerting and tracing that find failures before customers.",
    ),
    ("Supplier management", MaturityMode.STABILITY, 3, "Contracts, supplier SLAs, scorecards and hand-offs."),
    (
        "Portfolio governance",
        MaturityMode.BOTH,
        3,
        "Mode classification, reclassification and investment decisions.",
    ),
    (
        "Product & agile delivery",
        MaturityMode.EXPLORATION,
        4,
        "Product teams, backlogs, small batches, build-it-run-it.",
    ),
]


@transactional
def capability_area_create(
    *,
    actor: User | None,
    name: str,
    slug: str = "",
    description: str = "",
    mode: str = MaturityMode.BOTH,
    default_target: int = 3,
    order: int = 0,
    active: bool = True,
) -> CapabilityArea:
    """Add a capability area to the maturity audit."""
    if actor is not None:
        require_perm(actor, "insights.add_capabilityarea")
    area = CapabilityArea(
        name=name,
        slug=slug or unique_slug(CapabilityArea, name),
        description=description,
        mode=mode,
        default_target=default_target,
        order=order,
        active=active,
    )
    return create_audited(area, actor=actor, verb=AuditVerb.CAPABILITY_AREA_CREATE)


def capability_areas_seed(*, actor: User | None = None) -> int:
    """Create the default two-speed ITSM capability areas that do not exist yet; returns how many."""
    existing = set(CapabilityArea.objects.values_list("name", flat=True))
    created = 0
    for order, (name, mode, target, description) in enumerate(DEFAULT_AREAS):
        if name not in existing:
            capability_area_create(
                actor=actor, name=name, mode=mode, default_target=target, description=description, order=order
            )
            created += 1
    return created


def _clean_scores(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[str] = []
    seen: set[int] = set()
    out: list[dict[str, Any]] = []
    for i, item in enumerate(scores, 1):
        area = item.get("area")
        if not isinstance(area, CapabilityArea):
            errors.append(f"Line {i}: choose a capability area.")
            continue
        if area.pk in seen:
            errors.append(f"{area}: scored twice.")
        seen.add(area.pk)
        score, target = item.get("score"), item.get("target") or area.default_target
        for label, value in (("score", score), ("target", target)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                errors.append(f"{area}: the {label} is a whole number from 1 to 5.")
        out.append(
            {"area": area, "score": score, "target": target, "evidence": item.get("evidence", "") or ""}
        )
    if not out and not errors:
        errors.append("Score at least one capability area.")
    if errors:
        raise ValidationError({"scores": errors})
    return out


@transactional
def maturity_assessment_record(
    *,
    actor: User,
    org_unit: OrgUnit,
    scores: list[dict[str, Any]],
    assessed_on: date | None = None,
    notes: str = "",
) -> MaturityAssessment:
    """Record an audit of an org unit: a score (1–5), target and evidence per capability area."""
    require_perm(actor, "insights.add_maturityassessment")
    require_object(actor, "view", org_unit)
    cleaned = _clean_scores(scores)
    assessment = MaturityAssessment(
        org_unit=org_unit, assessed_by=actor, assessed_on=assessed_on or timezone.localdate(), notes=notes
    )
    try:
        assessment.validate_constraints()
    except ValidationError:
        raise ValidationError(
            {"assessed_on": f"{org_unit} already has an assessment on {assessment.assessed_on}."}
        ) from None
    create_audited(assessment, actor=actor, verb=AuditVerb.MATURITY_ASSESSMENT_RECORD)
    for item in cleaned:
        create_audited(
            MaturityScore(assessment=assessment, **item), actor=actor, verb=AuditVerb.MATURITY_SCORE_RECORD
        )
    return assessment


@transactional
def maturity_assessment_update(
    *,
    actor: User,
    assessment: MaturityAssessment,
    scores: list[dict[str, Any]] | None = None,
    notes: str | None = None,
) -> MaturityAssessment:
    """Change an assessment's scores (areas given are set, others kept) or notes."""
    require_perm(actor, "insights.change_maturityassessment")
    require_object(actor, "change", assessment)
    if notes is not None:
        assessment = update_audited(
            assessment, actor=actor, fields={"notes": notes}, verb=AuditVerb.MATURITY_ASSESSMENT_UPDATE
        )
    for item in _clean_scores(scores) if scores else []:
        row = assessment.scores.filter(area=item["area"]).first()
        if row is None:
            create_audited(
                MaturityScore(assessment=assessment, **item),
                actor=actor,
                verb=AuditVerb.MATURITY_SCORE_RECORD,
            )
        else:
            fields = {k: item[k] for k in ("score", "target", "evidence")}
            update_audited(row, actor=actor, fields=fields, verb=AuditVerb.MATURITY_SCORE_UPDATE)
    return assessment

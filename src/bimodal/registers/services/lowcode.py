"""Low-code apps: registration, changes (risk recomputed) and promotion into the service catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from bimodal.core.choices import AuditAction
from bimodal.core.models import OrgUnit, Team, User
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
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.models import Mode, Service
from bimodal.registers import risk
from bimodal.registers.choices import (
    RegisterStage,
)
from bimodal.registers.models import LowCodeApp
from bimodal.registers.services.base import (
    _check_stage,
    _draft,
    _next_due,
)


def _lowcode_risk_fields(app: LowCodeApp, services: Iterable[Service]) -> dict[str, Any]:
    """The stored risk fields of an app from its attributes and integrated services."""
    integrations = list(services)
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


@transactional
def lowcode_create(
    *,
    actor: User,
    name: str,
    owner: User,
    business_unit: OrgUnit,
    platform: str,
    purpose: str,
    integrations: Iterable[Service] = (),
    slug: str = "",
    owner_team: Team | None = None,
    user_count: int = 0,
    data_classification: str = "",
    support_wrapper: str = "",
    support_team: Team | None = None,
    stage: str = "",
    description: str = "",
) -> LowCodeApp:
    """Register a low-code app; its risk score, controls and review cadence follow from its attributes
    (blank choices take the model fields' defaults)."""
    require_perm(actor, "registers.add_lowcodeapp")
    if stage == RegisterStage.PROMOTED:
        raise ValidationError({"stage": "A new app is promoted through its promotion step."})
    app = LowCodeApp(
        name=name,
        slug=slug or unique_slug(LowCodeApp, name),
        owner=owner,
        business_unit=business_unit,
        platform=platform,
        purpose=purpose,
        owner_team=owner_team,
        user_count=user_count,
        support_team=support_team,
        description=description,
        **given(
            data_classification=data_classification or UNSET,
            support_wrapper=support_wrapper or UNSET,
            stage=stage or UNSET,
        ),
    )
    for key, value in _lowcode_risk_fields(app, integrations).items():
        setattr(app, key, value)
    app.next_review_due = _next_due(app)
    return create_audited(app, actor=actor, m2m={"integrations": integrations}, verb=AuditVerb.LOWCODE_CREATE)


@transactional
def lowcode_update(
    *,
    actor: User,
    app: LowCodeApp,
    integrations: Iterable[Service] | None = None,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    platform: str | NotGiven = UNSET,
    owner: User | NotGiven = UNSET,
    owner_team: Team | NotGiven | None = UNSET,
    business_unit: OrgUnit | NotGiven = UNSET,
    purpose: str | NotGiven = UNSET,
    user_count: int | NotGiven = UNSET,
    data_classification: str | NotGiven = UNSET,
    support_wrapper: str | NotGiven = UNSET,
    support_team: Team | NotGiven | None = UNSET,
    stage: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
) -> LowCodeApp:
    """Change a low-code app; the risk score and controls are recomputed."""
    require_object(actor, "change", app)
    fields = given(
        slug=slug,
        name=name,
        platform=platform,
        owner=owner,
        owner_team=owner_team,
        business_unit=business_unit,
        purpose=purpose,
        user_count=user_count,
        data_classification=data_classification,
        support_wrapper=support_wrapper,
        support_team=support_team,
        stage=stage,
        description=description,
    )
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


@transactional
def lowcode_promote(
    *, actor: User, app: LowCodeApp, mode: Mode, owner_team: Team | None = None, reason: str = ""
) -> LowCodeApp:
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

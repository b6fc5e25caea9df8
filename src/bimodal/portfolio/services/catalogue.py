"""Modes (presets and profiles), services, moving a service to another mode, dependencies, capabilities and
regulatory tags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.choices import AuditAction
from bimodal.core.colours import AA_TEXT_CONTRAST, contrast_ratio
from bimodal.core.models import Team, User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    lock,
    require_object,
    require_perm,
    transactional,
    unique_slug,
    update_audited,
    write,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio import hooks
from bimodal.portfolio.choices import (
    Criticality,
    DataClassification,
    Hosting,
    Lifecycle,
    SupportCoverage,
)
from bimodal.portfolio.models import (
    BusinessCapability,
    Mode,
    RegulatoryTag,
    Service,
    ServiceDependency,
)
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.selectors import would_create_cycle

# The fields a person sets on a mode and on a service: the forms, the API's serializers and these services'
# keyword arguments list the same names (portfolio/tests/test_services.py checks that they do not drift).
MODE_FIELDS: Final = (
    "name",
    "short_name",
    "description",
    "colour",
    "order",
    "exploration",
    "change_approval",
    "release_cadence",
    "change_windows_required",
    "standard_changes_preapproved",
    "deployment_gate",
    "kpi_set",
    "risk_appetite",
)
# The profile fields that governance's generated policies of a mode are made from (and their names).
PROFILE_FIELDS: Final = (
    "name",
    "short_name",
    "change_approval",
    "release_cadence",
    "change_windows_required",
    "standard_changes_preapproved",
    "deployment_gate",
    "risk_appetite",
)
SERVICE_FIELDS: Final = (
    "slug",
    "name",
    "description",
    "mode",
    "owner_team",
    "service_owner",
    "capability",
    "lifecycle",
    "criticality",
    "data_classification",
    "hosting",
    "support_coverage",
    "supplier",
    "regulatory_tags",
    "availability_target",
    "documentation_url",
)


def modes_apply_preset(*, preset: str, actor: User | None = None) -> list[Mode]:
    """Create or update the modes of a preset (bimodal, trimodal, pace-layered); idempotent."""
    if preset not in PRESETS:
        raise ValidationError({"preset": f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}."})
    modes = []
    with write():
        for order, spec in enumerate(PRESETS[preset], start=1):
            fields = {**spec, "order": order}
            mode = Mode.objects.filter(key=fields["key"]).first()
            if mode is None:
                mode = create_audited(
                    Mode(**fields), actor=actor, reason=f"preset {preset}", verb=AuditVerb.MODE_CREATE
                )
            else:
                mode = update_audited(
                    mode, actor=actor, fields=fields, reason=f"preset {preset}", verb=AuditVerb.MODE_UPDATE
                )
            modes.append(mode)
    return modes


def _require_readable_colour(mode: Mode, colour: str | None) -> None:
    """A mode's badge is white text on its colour: a new colour must be dark enough to read it (WCAG AA).
    Only a new colour is checked, so a mode kept in an older, lighter colour can still be edited otherwise;
    a colour that is not #rrggbb is left to the model's validator."""
    if not colour or colour.lower() == mode.colour.lower() or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return
    ratio = contrast_ratio("#ffffff", colour)
    if ratio < AA_TEXT_CONTRAST:
        raise ValidationError(
            {
                "colour": f"White text on this colour is hard to read (contrast {ratio:.1f}:1, at least "
                f"{AA_TEXT_CONTRAST}:1 needed): choose a darker colour."
            }
        )


@transactional
def mode_update(
    *,
    actor: User,
    mode: Mode,
    reason: str = "",
    name: str | NotGiven = UNSET,
    short_name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    colour: str | NotGiven = UNSET,
    order: int | NotGiven = UNSET,
    exploration: Decimal | NotGiven = UNSET,
    change_approval: str | NotGiven = UNSET,
    release_cadence: str | NotGiven = UNSET,
    change_windows_required: bool | NotGiven = UNSET,
    standard_changes_preapproved: bool | NotGiven = UNSET,
    deployment_gate: bool | NotGiven = UNSET,
    kpi_set: str | NotGiven = UNSET,
    risk_appetite: str | NotGiven = UNSET,
) -> Mode:
    """Change a mode's name or governance profile (its key is fixed). The mode's row is locked first, so
    two edits at once are applied one after the other and its generated policies follow the last."""
    mode = lock(mode)
    require_object(actor, "change", mode)
    fields = given(
        name=name,
        short_name=short_name,
        description=description,
        colour=colour,
        order=order,
        exploration=exploration,
        change_approval=change_approval,
        release_cadence=release_cadence,
        change_windows_required=change_windows_required,
        standard_changes_preapproved=standard_changes_preapproved,
        deployment_gate=deployment_gate,
        kpi_set=kpi_set,
        risk_appetite=risk_appetite,
    )
    _require_readable_colour(mode, fields.get("colour"))
    before = {name: getattr(mode, name) for name in PROFILE_FIELDS}
    mode = update_audited(mode, actor=actor, fields=fields, reason=reason, verb=AuditVerb.MODE_UPDATE)
    if any(getattr(mode, name) != value for name, value in before.items()):
        hooks.mode_profile_changed(actor=actor, mode=mode, reason=reason or f"{mode.key} profile changed")
    if mode.release_cadence != before["release_cadence"]:
        hooks.mode_cadence_changed(actor=actor, mode=mode, reason=reason or f"{mode.key} release cadence")
    return mode


def service_create(
    *,
    actor: User,
    name: str,
    mode: Mode,
    owner_team: Team,
    regulatory_tags: Iterable[RegulatoryTag] = (),
    slug: str = "",
    description: str = "",
    service_owner: User | None = None,
    capability: BusinessCapability | None = None,
    lifecycle: str = Lifecycle.LIVE,
    criticality: int = Criticality.TIER_2,
    data_classification: str = DataClassification.INTERNAL,
    hosting: str = Hosting.ON_PREMISES,
    support_coverage: str = SupportCoverage.BUSINESS_HOURS,
    supplier: Any = None,  # a suppliers.Supplier: the portfolio sits below the suppliers app
    availability_target: Decimal | None = None,
    documentation_url: str = "",
) -> Service:
    """Add a service to the portfolio."""
    require_perm(actor, "portfolio.add_service")
    if not actor.has_perm("portfolio.manage_all_services") and not (
        owner_team.members.filter(pk=actor.pk).exists() or owner_team.lead_id == actor.pk
    ):
        raise PermissionDenied("You may only add services owned by a team you belong to.")
    service = Service(
        name=name,
        slug=slug or unique_slug(Service, name),
        mode=mode,
        owner_team=owner_team,
        description=description,
        service_owner=service_owner,
        capability=capability,
        lifecycle=lifecycle,
        criticality=criticality,
        data_classification=data_classification,
        hosting=hosting,
        support_coverage=support_coverage,
        supplier=supplier,
        availability_target=availability_target,
        documentation_url=documentation_url,
    )
    return create_audited(
        service, actor=actor, m2m={"regulatory_tags": regulatory_tags}, verb=AuditVerb.SERVICE_CREATE
    )


# Who may move a service to another owner team (governance leads, administrators).
TRANSFER_PERMISSION: Final = "portfolio.manage_all_services"


@transactional
def service_update(
    *,
    actor: User,
    service: Service,
    regulatory_tags: Iterable[RegulatoryTag] | None = None,
    reason: str = "",
    slug: str | NotGiven = UNSET,
    name: str | NotGiven = UNSET,
    description: str | NotGiven = UNSET,
    mode: Mode | NotGiven = UNSET,
    owner_team: Team | NotGiven = UNSET,
    service_owner: User | NotGiven | None = UNSET,
    capability: BusinessCapability | NotGiven | None = UNSET,
    lifecycle: str | NotGiven = UNSET,
    criticality: int | NotGiven = UNSET,
    data_classification: str | NotGiven = UNSET,
    hosting: str | NotGiven = UNSET,
    support_coverage: str | NotGiven = UNSET,
    supplier: Any = UNSET,  # a suppliers.Supplier or None
    availability_target: Decimal | NotGiven | None = UNSET,
    documentation_url: str | NotGiven = UNSET,
) -> Service:
    """Change a service's attributes; its mode changes only through `service_change_mode` (giving the
    current mode is allowed, another one is refused) and its owner team only with TRANSFER_PERMISSION."""
    service = lock(service)
    require_object(actor, "change", service)
    if mode is not UNSET and mode != service.mode:
        raise ValidationError({"mode": "Use reclassification to move a service to another mode."})
    if (
        isinstance(owner_team, Team)
        and owner_team.pk != service.owner_team_id
        and not actor.has_perm(TRANSFER_PERMISSION)
    ):
        # Ownership carries the right to change the service: handing it over is a governance decision.
        raise ValidationError(
            {
                "owner_team": "Moving a service to another team is a governance decision: "
                "ask a governance lead to transfer it."
            }
        )
    fields = given(
        slug=slug,
        name=name,
        description=description,
        owner_team=owner_team,
        service_owner=service_owner,
        capability=capability,
        lifecycle=lifecycle,
        criticality=criticality,
        data_classification=data_classification,
        hosting=hosting,
        support_coverage=support_coverage,
        supplier=supplier,
        availability_target=availability_target,
        documentation_url=documentation_url,
    )
    m2m = {"regulatory_tags": regulatory_tags} if regulatory_tags is not None else None
    return update_audited(
        service, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.SERVICE_UPDATE
    )


@transactional
def service_change_mode(*, actor: User, service: Service, mode: Mode, reason: str) -> Service:
    """Move a service to another mode; needs the reclassify permission and a reason."""
    require_perm(actor, "portfolio.reclassify_service")
    require_object(actor, "view", service)
    return _move_service(service, mode, actor=actor, reason=reason)


def _move_service(service: Service, mode: Mode, *, actor: User, reason: str) -> Service:
    """Move a service to another mode, audited (the caller has checked who may)."""
    service = lock(service)
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the service changes mode."})
    if mode.pk == service.mode_id:
        raise ValidationError({"mode": f"{service} is already in {mode}."})
    return update_audited(
        service,
        actor=actor,
        fields={"mode": mode},
        reason=reason.strip(),
        verb=AuditVerb.SERVICE_CHANGE_MODE,
        action=AuditAction.TRANSITION,
    )


def dependency_add(
    *, actor: User, source: Service, target: Service, kind: str = "runtime", description: str = ""
) -> ServiceDependency:
    """Record that `source` depends on `target`; refuses self-edges, duplicates and cycles of the same kind."""
    require_perm(actor, "portfolio.add_servicedependency")
    require_object(actor, "change", source)
    require_object(actor, "view", target)
    with write():
        if ServiceDependency.objects.filter(source=source, target=target, kind=kind).exists():
            raise ValidationError({"target": f"{source} already depends on {target} ({kind})."})
        if would_create_cycle(source=source, target=target, kind=kind):
            raise ValidationError(
                {
                    "target": f"{target} already depends on {source} through {kind} edges: this would close a cycle."
                }
            )
        edge = ServiceDependency(source=source, target=target, kind=kind, description=description)
        return create_audited(edge, actor=actor, verb=AuditVerb.DEPENDENCY_ADD)


def dependency_remove(*, actor: User, dependency: ServiceDependency, reason: str = "") -> None:
    """Remove a dependency edge."""
    require_perm(actor, "portfolio.delete_servicedependency")
    require_object(actor, "delete", dependency)
    delete_audited(dependency, actor=actor, reason=reason, verb=AuditVerb.DEPENDENCY_REMOVE)


def capability_get_or_create(*, actor: User, name: str) -> BusinessCapability:
    """The business capability of that name, created (and audited) when new."""
    existing = BusinessCapability.objects.filter(name__iexact=name.strip()).first()
    if existing:
        return existing
    require_perm(actor, "portfolio.add_businesscapability")
    return create_audited(
        BusinessCapability(name=name.strip()), actor=actor, verb=AuditVerb.BUSINESSCAPABILITY_CREATE
    )


def regulatory_tag_get_or_create(*, actor: User, name: str) -> RegulatoryTag:
    """The regulatory tag of that name, created (and audited) when new."""
    existing = RegulatoryTag.objects.filter(name__iexact=name.strip()).first()
    if existing:
        return existing
    require_perm(actor, "portfolio.add_regulatorytag")
    return create_audited(RegulatoryTag(name=name.strip()), actor=actor, verb=AuditVerb.REGULATORYTAG_CREATE)

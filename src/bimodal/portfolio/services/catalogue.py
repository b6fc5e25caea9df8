"""Modes (presets and profiles), services, moving a service to another mode, dependencies, capabilities and
regulatory tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from bimodal.core.choices import AuditAction
from bimodal.core.models import Team, User
from bimodal.core.services import (
    create_audited,
    delete_audited,
    require_object,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import (
    BusinessCapability,
    Mode,
    RegulatoryTag,
    Service,
    ServiceDependency,
)
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.selectors import would_create_cycle


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
                    Mode(**fields), actor=actor, reason=f"preset {preset}", verb=AuditVerb.MODE_CREATE
                )
            else:
                mode = update_audited(
                    mode, actor=actor, fields=fields, reason=f"preset {preset}", verb=AuditVerb.MODE_UPDATE
                )
            modes.append(mode)
    return modes


def mode_update(*, actor: User, mode: Mode, reason: str = "", **fields: Any) -> Mode:
    """Change a mode's name or governance profile."""
    require_object(actor, "change", mode)
    return update_audited(mode, actor=actor, fields=fields, reason=reason, verb=AuditVerb.MODE_UPDATE)


def service_create(
    *,
    actor: User,
    name: str,
    mode: Mode,
    owner_team: Team,
    regulatory_tags: Iterable[RegulatoryTag] = (),
    slug: str = "",
    **fields: Any,
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
        service, actor=actor, m2m={"regulatory_tags": regulatory_tags}, verb=AuditVerb.SERVICE_CREATE
    )


def service_update(
    *,
    actor: User,
    service: Service,
    regulatory_tags: Iterable[RegulatoryTag] | None = None,
    reason: str = "",
    **fields: Any,
) -> Service:
    """Change a service's attributes; its mode changes only through `service_change_mode`."""
    require_object(actor, "change", service)
    if "mode" in fields and fields["mode"] != service.mode:
        raise ValidationError({"mode": "Use reclassification to move a service to another mode."})
    fields.pop("mode", None)
    m2m = {"regulatory_tags": regulatory_tags} if regulatory_tags is not None else None
    return update_audited(
        service, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.SERVICE_UPDATE
    )


def service_change_mode(*, actor: User, service: Service, mode: Mode, reason: str) -> Service:
    """Move a service to another mode; needs the reclassify permission and a reason."""
    require_perm(actor, "portfolio.reclassify_service")
    require_object(actor, "view", service)
    return _move_service(service, mode, actor=actor, reason=reason)


def _move_service(service: Service, mode: Mode, *, actor: User, reason: str) -> Service:
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

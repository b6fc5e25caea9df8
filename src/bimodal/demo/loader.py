"""Load the demo organisation (Northbridge Bank) through the real service functions.

Idempotent: every entry is looked up by its slug or username first and skipped when it exists, so loading
twice changes nothing. Writes are made by the demo administrator, so the audit log records them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone

from bimodal.core import audit
from bimodal.core import services as core_services
from bimodal.core.choices import AuditAction
from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.services import transactional, write
from bimodal.core.verbs import AuditVerb
from bimodal.demo import data
from bimodal.demo.modes import DEFAULT_PRESET, mode_at, preset_modes, using_preset
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.models import Mode, Service, ServiceDependency
from bimodal.portfolio.presets import PRESETS
from bimodal.suppliers.models import Supplier

# Modules whose load(*, actor) -> {kind: created count} adds an area's demo data, idempotently, in order.
DEMO_EXTENSIONS = [
    "bimodal.demo.assessment",
    "bimodal.demo.changes",
    "bimodal.demo.governance",
    "bimodal.demo.servicedesk",
    "bimodal.demo.suppliers",
    "bimodal.demo.registers",
    "bimodal.demo.integrations",
    "bimodal.demo.insights",
    "bimodal.demo.delivery",
    "bimodal.demo.knowledge",
    "bimodal.demo.satisfaction",
]


@dataclass
class LoadResult:
    """How many rows of each kind a load created (all zero on a second load)."""

    created: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.created.values())


def _user_snapshot(user: User) -> dict:
    """What the audit log keeps of a new user (never the password hash)."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "supplier_id": user.supplier_id,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def _create_user(spec: dict, *, actor: User | None) -> User:
    """Create one demo user with their role group and an audit entry."""
    superuser = spec.get("superuser", False)
    supplier = Supplier.objects.get(slug=spec["supplier"]) if spec.get("supplier") else None
    with write():
        user = User(
            username=spec["username"],
            first_name=spec["first_name"],
            last_name=spec["last_name"],
            email=f"{spec['username']}@northbridge.example.com",
            job_title=spec["job_title"],
            supplier=supplier,
            is_staff=superuser,
            is_superuser=superuser,
        )
        user.set_password(settings.BIMODAL_DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=str(spec["role"])))
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=user,
            after=_user_snapshot(user),
            reason=f"demo organisation {data.ORGANISATION}",
            verb=AuditVerb.USER_CREATE,
        )
    return user


def _ensure_modes(admin: User, preset: str, result: LoadResult) -> None:
    """The modes of the preset the demo loads into, added when the database was set up with another one."""
    wanted = len(PRESETS[preset])
    if len(preset_modes()) < wanted:
        portfolio_services.modes_apply_preset(preset=preset, actor=admin)
        result.created["modes"] += wanted


def _load_admin(result: LoadResult) -> User:
    """The demo administrator: every later write is made by them."""
    spec = next(u for u in data.USERS if u["username"] == "admin")
    admin = User.objects.filter(username=spec["username"]).first()
    if admin is None:
        admin = _create_user(spec, actor=None)
        result.created["users"] += 1
    return admin


def _load_suppliers(admin: User, result: LoadResult) -> None:
    existing = set(Supplier.objects.values_list("slug", flat=True))
    for spec in data.SUPPLIERS:
        if spec["slug"] in existing:
            continue
        core_services.create_audited(
            Supplier(**spec), actor=admin, reason="demo organisation", verb=AuditVerb.SUPPLIER_CREATE
        )
        result.created["suppliers"] += 1


def _load_users(admin: User, result: LoadResult) -> None:
    existing = set(User.objects.values_list("username", flat=True))
    for spec in data.USERS:
        if spec["username"] in existing:
            continue
        _create_user(spec, actor=admin)
        result.created["users"] += 1


def _load_org_units(admin: User, result: LoadResult) -> None:
    existing = set(OrgUnit.objects.values_list("slug", flat=True))
    for spec in data.ORG_UNITS:
        if spec["slug"] in existing:
            continue
        fields = dict(spec)
        if "parent" in fields:
            fields["parent"] = OrgUnit.objects.get(slug=fields["parent"])
        if "head" in fields:
            fields["head"] = User.objects.get(username=fields["head"])
        core_services.orgunit_create(actor=admin, **fields)
        result.created["org_units"] += 1


def _load_teams(admin: User, result: LoadResult) -> None:
    existing = set(Team.objects.values_list("slug", flat=True))
    for spec in data.TEAMS:
        if spec["slug"] in existing:
            continue
        fields = dict(spec)
        fields["org_unit"] = OrgUnit.objects.get(slug=fields["org_unit"])
        fields["members"] = list(User.objects.filter(username__in=fields.pop("members", [])))
        if "lead" in fields:
            fields["lead"] = User.objects.get(username=fields["lead"])
        if "supplier" in fields:
            fields["supplier"] = Supplier.objects.get(slug=fields["supplier"])
        core_services.team_create(actor=admin, **fields)
        result.created["teams"] += 1


def _load_services(admin: User, result: LoadResult) -> None:
    capabilities = {
        name: portfolio_services.capability_get_or_create(actor=admin, name=name)
        for name in data.CAPABILITIES
    }
    tags = {
        name: portfolio_services.regulatory_tag_get_or_create(actor=admin, name=name)
        for name in data.REGULATORY_TAGS
    }
    teams = {t.slug: t for t in Team.objects.all()}
    suppliers = {s.slug: s for s in Supplier.objects.all()}
    existing = set(Service.objects.values_list("slug", flat=True))
    for spec in data.SERVICES:
        if spec["slug"] in existing:
            continue
        fields = dict(spec)
        fields["mode"] = mode_at(fields.pop("place"))
        fields["owner_team"] = teams[fields["owner_team"]]
        fields["capability"] = capabilities[fields["capability"]]
        fields["regulatory_tags"] = [tags[name] for name in fields["regulatory_tags"]]
        if "supplier" in fields:
            fields["supplier"] = suppliers[fields["supplier"]]
        if "service_owner" in fields:
            fields["service_owner"] = User.objects.get(username=fields["service_owner"])
        portfolio_services.service_create(actor=admin, **fields)
        result.created["services"] += 1


def _load_dependencies(admin: User, result: LoadResult) -> None:
    services = {s.slug: s for s in Service.objects.all()}
    existing = set(ServiceDependency.objects.values_list("source__slug", "target__slug", "kind"))
    for source, target, kind, description in data.DEPENDENCIES:
        if (source, target, kind) in existing:
            continue
        portfolio_services.dependency_add(
            actor=admin,
            source=services[source],
            target=services[target],
            kind=kind,
            description=description,
        )
        result.created["dependencies"] += 1


@transactional
def load_organisation(result: LoadResult | None = None, *, preset: str = DEFAULT_PRESET) -> User:
    """The part of the demo that does not depend on the day: modes, suppliers, people, teams, services
    and their dependencies. Returns the demo administrator, who makes every later write."""
    result = result if result is not None else LoadResult()
    with using_preset(preset):
        return _load_organisation(result, preset)


def _load_organisation(result: LoadResult, preset: str) -> User:
    admin = _load_admin(result)
    _ensure_modes(admin, preset, result)
    _load_suppliers(admin, result)
    _load_users(admin, result)
    _load_org_units(admin, result)
    _load_teams(admin, result)
    _load_services(admin, result)
    _load_dependencies(admin, result)
    return admin


class PresetConflict(ValueError):
    """The database already holds the demo in the modes of another preset."""


def _refuse_another_preset(preset: str) -> None:
    """A database holds the demo under one preset: loading it under another would leave its records in the
    first preset's modes and add the rest to the second's, so it is refused with the way out."""
    anchor = Service.objects.filter(slug=data.SERVICES[0]["slug"]).select_related("mode").first()
    if anchor is None or anchor.mode.key in {spec["key"] for spec in PRESETS[preset]}:
        return
    loaded = next(
        (name for name, specs in PRESETS.items() if anchor.mode.key in {s["key"] for s in specs}), ""
    )
    raise PresetConflict(
        f"This database already holds the demo under the {loaded or 'a custom'} preset ({anchor.name} is in "
        f"{anchor.mode}). A database holds the demo under one preset: load --preset {preset} into a fresh "
        f"database, e.g. DATABASE_URL=sqlite:///var/{preset}.sqlite3 bimodal demo --preset {preset}"
    )


def load_demo(*, preset: str = DEFAULT_PRESET) -> LoadResult:
    """Create whatever part of the demo organisation is missing, in the modes of `preset` (bimodal,
    trimodal, pace-layered); return what was created."""
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    _refuse_another_preset(preset)
    result = LoadResult()
    with write(), using_preset(preset):
        admin = load_organisation(result, preset=preset)
        for extension in DEMO_EXTENSIONS:
            for kind, count in import_module(extension).load(actor=admin).items():
                result.created[kind] += count
        _read_what_is_settled()
    return result


def _read_what_is_settled() -> None:
    """The demo's history is a past the people have lived through: notifications about tickets that are
    resolved, closed or cancelled by now count as read, so each inbox holds what is still open."""
    from django.contrib.contenttypes.models import ContentType

    from bimodal.core.models import Notification
    from bimodal.servicedesk.choices import DONE_STATUSES
    from bimodal.servicedesk.models import Ticket

    settled = [str(pk) for pk in Ticket.objects.filter(status__in=DONE_STATUSES).values_list("pk", flat=True)]
    Notification.objects.filter(
        read_at__isnull=True, content_type=ContentType.objects.get_for_model(Ticket), object_id__in=settled
    ).update(read_at=timezone.now())


def demo_summary() -> dict:
    """Counts for the demo banner: services per mode (the modes that have any), users, teams, suppliers,
    dependencies."""
    per_mode = list(
        Mode.objects.annotate(n=Count("services"))
        .filter(n__gt=0)
        .order_by("exploration", "order")
        .values_list("short_name", "n")
    )
    return {
        "services_by_mode": per_mode,
        "services": Service.objects.count(),
        "dependencies": ServiceDependency.objects.count(),
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "org_units": OrgUnit.objects.count(),
        "suppliers": Supplier.objects.count(),
    }

"""Import Backstage software-catalog descriptors (`catalog-info.yaml`) into teams, services and dependencies.

Mapping: a Group of type team/squad becomes a Team, any other Group an OrgUnit; a System becomes the
business capability of its components; a Component becomes a Service (slug = metadata.name), with
`spec.owner` as owner team, `spec.lifecycle` as lifecycle, `spec.dependsOn` components as runtime
dependencies and the annotations `bimodal.io/mode` and `bimodal.io/criticality`. All documents or none:
any error and nothing is written. Re-importing the same files changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import slugify

from bimodal.core import services as core_services
from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.services import write
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.choices import DependencyKind, Lifecycle
from bimodal.portfolio.models import Mode, Service, ServiceDependency

API_VERSIONS = {"backstage.io/v1alpha1", "backstage.io/v1beta1"}
MODE_ANNOTATION = "bimodal.io/mode"
CRITICALITY_ANNOTATION = "bimodal.io/criticality"
TEAM_GROUP_TYPES = {"team", "squad", "sub-team"}
DEFAULT_ORG_UNIT = ("backstage", "Imported from Backstage")
LIFECYCLES = {
    "production": Lifecycle.LIVE,
    "experimental": Lifecycle.IN_DEVELOPMENT,
    "development": Lifecycle.IN_DEVELOPMENT,
    "deprecated": Lifecycle.SUNSETTING,
}


@dataclass
class BackstageError:
    """A problem with one document of one file."""

    source: str
    document: int
    entity: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}, document {self.document}"
        return f"{where} ({self.entity}): {self.message}" if self.entity else f"{where}: {self.message}"


@dataclass
class BackstageResult:
    """What an import did, by kind (service, team, org unit, dependency), or why it did nothing."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    errors: list[BackstageError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Entity:
    kind: str
    name: str
    doc: dict
    source: str
    index: int

    @property
    def label(self) -> str:
        return f"{self.doc['kind']} {self.name}"

    @property
    def spec(self) -> dict:
        return self.doc.get("spec") or {}

    @property
    def metadata(self) -> dict:
        return self.doc.get("metadata") or {}

    @property
    def title(self) -> str:
        profile = self.spec.get("profile") or {}
        return str(profile.get("displayName") or self.metadata.get("title") or self.name)


class _Failed(Exception):
    """Raised inside the import transaction to roll it back."""


def parse_ref(ref: str, default_kind: str) -> tuple[str, str]:
    """`[kind:][namespace/]name` → (kind, slug of name), lower-case as Backstage compares them."""
    text = str(ref).strip()
    kind, _, rest = text.rpartition(":") if ":" in text else (default_kind, "", text)
    name = rest.rsplit("/", 1)[-1]
    return kind.lower(), slugify(name)


def read_entities(sources: list[tuple[str, str]]) -> tuple[list[_Entity], list[BackstageError]]:
    """Parse every YAML document of every (name, text) source; report what is not a catalog entity."""
    entities, errors = [], []
    for source, text in sources:
        try:
            documents = list(yaml.safe_load_all(text))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark else ""
            errors.append(
                BackstageError(source, 0, "", f"not valid YAML{line}: {getattr(exc, 'problem', exc)}")
            )
            continue
        for index, doc in enumerate(documents, start=1):
            if doc is None:
                continue
            if not isinstance(doc, dict) or doc.get("apiVersion") not in API_VERSIONS:
                errors.append(
                    BackstageError(source, index, "", "not a Backstage entity (apiVersion backstage.io/…)")
                )
                continue
            name = (doc.get("metadata") or {}).get("name")
            if not name or not doc.get("kind"):
                errors.append(BackstageError(source, index, "", "kind and metadata.name are required"))
                continue
            entities.append(_Entity(str(doc["kind"]).lower(), slugify(str(name)), doc, source, index))
    return entities, errors


def import_backstage(
    *, actor: User, sources: list[tuple[str, str]], default_mode: Mode | None = None, dry_run: bool = False
) -> BackstageResult:
    """Import catalog entities from (file name, YAML text) pairs; all or nothing."""
    if not actor.has_perm("portfolio.import_services"):
        raise PermissionDenied("You do not have permission to import services.")
    result = BackstageResult()
    entities, result.errors = read_entities(sources)
    if result.errors:
        return result
    try:
        with write():
            _Importer(actor, result, default_mode).run(entities)
            if result.errors:
                raise _Failed
            if dry_run:
                raise _Failed
    except _Failed:
        pass
    return result


class _Importer:
    """One import run: groups first, then systems, components and their dependencies."""

    def __init__(self, actor: User, result: BackstageResult, default_mode: Mode | None) -> None:
        self.actor, self.result, self.default_mode = actor, result, default_mode
        self.modes = {}
        for mode in Mode.objects.all():
            for key in (mode.key, mode.short_name, mode.name):
                self.modes[key.lower()] = mode

    def fail(self, entity: _Entity, message: str) -> None:
        self.result.errors.append(BackstageError(entity.source, entity.index, entity.label, message))

    def run(self, entities: list[_Entity]) -> None:
        by_kind: dict[str, list[_Entity]] = {}
        for entity in entities:
            by_kind.setdefault(entity.kind, []).append(entity)
        groups = by_kind.pop("group", [])
        systems = {e.name: e.title for e in by_kind.pop("system", [])}
        components = by_kind.pop("component", [])
        for kind, rest in sorted(by_kind.items()):
            self.result.skipped.extend(f"{kind} {e.name}" for e in rest)
        # Org units before teams, so that a team finds its parent unit.
        for group in sorted(groups, key=lambda g: g.spec.get("type") in TEAM_GROUP_TYPES):
            self._guard(group, self._group)
        services = {}
        for component in components:
            service = self._guard(component, self._component, systems)
            if service is not None:
                services[component.name] = service
        # A dependency on a component that failed is not reported again: its own error says why.
        self.failed = {c.name for c in components} - services.keys()
        for component in components:
            if component.name in services:
                self._guard(component, self._dependencies, services[component.name])

    def _guard(self, entity: _Entity, step, *args):
        """Run one step; a refused write becomes an error on that entity (the transaction is rolled back)."""
        try:
            return step(entity, *args)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages:
                self.fail(entity, message)
            return None

    def _count(self, kind: str, outcome: str) -> None:
        getattr(self.result, outcome)[kind] += 1

    def _group(self, entity: _Entity) -> None:
        description = str(entity.metadata.get("description", ""))
        parent = None
        if entity.spec.get("parent"):
            _, parent_slug = parse_ref(entity.spec["parent"], "group")
            parent = OrgUnit.objects.filter(slug=parent_slug).first()
        if entity.spec.get("type") not in TEAM_GROUP_TYPES:
            unit = OrgUnit.objects.filter(slug=entity.name).first()
            fields = {"name": entity.title, "description": description, "parent": parent}
            if unit is None:
                core_services.orgunit_create(actor=self.actor, slug=entity.name, **fields)
                self._count("org unit", "created")
            else:
                self._update(unit, fields, "org unit", core_services.orgunit_update, "org_unit")
            return
        org_unit = parent or self._default_org_unit()
        team = Team.objects.filter(slug=entity.name).first()
        fields = {"name": entity.title, "description": description, "org_unit": org_unit}
        if team is None:
            core_services.team_create(actor=self.actor, slug=entity.name, **fields)
            self._count("team", "created")
        else:
            self._update(team, fields, "team", core_services.team_update, "team")

    def _default_org_unit(self) -> OrgUnit:
        slug, name = DEFAULT_ORG_UNIT
        unit = OrgUnit.objects.filter(slug=slug).first()
        if unit is None:
            unit = core_services.orgunit_create(actor=self.actor, slug=slug, name=name)
            self._count("org unit", "created")
        return unit

    def _update(self, obj, fields: dict, kind: str, update, argument: str) -> None:
        if all(getattr(obj, name) == value for name, value in fields.items()):
            self._count(kind, "unchanged")
            return
        update(actor=self.actor, reason="Backstage import", **{argument: obj}, **fields)
        self._count(kind, "updated")

    def _component(self, entity: _Entity, systems: dict[str, str]) -> Service | None:
        spec, annotations = entity.spec, entity.metadata.get("annotations") or {}
        errors_before = len(self.result.errors)
        fields: dict = {"description": str(entity.metadata.get("description", ""))}
        owner_kind, owner_slug = parse_ref(spec.get("owner", ""), "group")
        fields["owner_team"] = Team.objects.filter(slug=owner_slug).first() if owner_kind == "group" else None
        if fields["owner_team"] is None:
            self.fail(entity, f"spec.owner “{spec.get('owner', '')}” is not a team (a Group of type team)")
        lifecycle = str(spec.get("lifecycle", "production")).lower()
        if lifecycle not in LIFECYCLES:
            self.fail(entity, f"spec.lifecycle “{lifecycle}” is not one of {', '.join(LIFECYCLES)}")
        fields["lifecycle"] = LIFECYCLES.get(lifecycle)
        mode_text = str(annotations.get(MODE_ANNOTATION, "")).lower()
        mode = self.modes.get(mode_text) if mode_text else self.default_mode
        if mode is None:
            self.fail(
                entity,
                f"no mode: annotation {MODE_ANNOTATION} “{mode_text}” is unknown"
                if mode_text
                else f"no mode: add the annotation {MODE_ANNOTATION} or give a default mode",
            )
        if CRITICALITY_ANNOTATION in annotations:
            try:
                fields["criticality"] = int(annotations[CRITICALITY_ANNOTATION])
            except (TypeError, ValueError):
                self.fail(entity, f"annotation {CRITICALITY_ANNOTATION} must be a tier 0–3")
        if spec.get("system"):
            _, system = parse_ref(spec["system"], "system")
            capability_name = systems.get(system, str(spec["system"]).rsplit("/", 1)[-1])
            fields["capability"] = portfolio_services.capability_get_or_create(
                actor=self.actor, name=capability_name
            )
        if len(self.result.errors) > errors_before:
            return None
        service = Service.objects.filter(slug=entity.name).first()
        if service is None:
            service = portfolio_services.service_create(
                actor=self.actor, name=entity.title, slug=entity.name, mode=mode, **fields
            )
            self._count("service", "created")
            return service
        changed = service.mode_id != mode.pk or any(
            getattr(service, name) != value for name, value in {**fields, "name": entity.title}.items()
        )
        if service.mode_id != mode.pk:
            service = portfolio_services.service_change_mode(
                actor=self.actor, service=service, mode=mode, reason="Backstage import"
            )
        service = portfolio_services.service_update(
            actor=self.actor, service=service, name=entity.title, reason="Backstage import", **fields
        )
        self._count("service", "updated" if changed else "unchanged")
        return service

    def _dependencies(self, entity: _Entity, service: Service) -> None:
        for ref in entity.spec.get("dependsOn") or []:
            kind, slug = parse_ref(ref, "component")
            if kind != "component":
                self.result.skipped.append(f"{entity.label} → {ref}")
                continue
            target = Service.objects.filter(slug=slug).first()
            if target is None and slug in self.failed:
                continue
            if target is None:
                self.fail(entity, f"spec.dependsOn “{ref}”: no such component or service")
                continue
            exists = ServiceDependency.objects.filter(
                source=service, target=target, kind=DependencyKind.RUNTIME
            )
            if exists.exists():
                self._count("dependency", "unchanged")
                continue
            portfolio_services.dependency_add(actor=self.actor, source=service, target=target)
            self._count("dependency", "created")

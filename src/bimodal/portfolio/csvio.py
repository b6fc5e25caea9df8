"""CSV import and export of the service catalogue.

Import is all-or-nothing: every row is checked first, and one bad row means nothing is written;
each error names its line (the header is line 1), column and what is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from bimodal.core.audit import snapshot
from bimodal.core.models import Team, User
from bimodal.core.services import unique_slug, write
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.choices import (
    Criticality,
    DataClassification,
    DependencyKind,
    Hosting,
    Lifecycle,
    SupportCoverage,
)
from bimodal.portfolio.models import Mode, Service, ServiceDependency

# A service's fields as its form and API name them (portfolio.services.SERVICE_FIELDS), then its dependencies.
COLUMNS = [*portfolio_services.SERVICE_FIELDS, "depends_on"]
REQUIRED = ["name", "mode", "owner_team"]
LIST_SEPARATOR = ";"
_CHOICE_COLUMNS = {
    "lifecycle": Lifecycle,
    "data_classification": DataClassification,
    "hosting": Hosting,
    "support_coverage": SupportCoverage,
}


@dataclass
class RowError:
    """A problem with one cell (or the whole row) of an import file."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import did (or, with errors, why it did nothing)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dependencies_added: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(Exception):
    """Raised inside the import transaction to roll everything back."""


def _choice(enum, raw: str) -> str:
    """Accept a choice by its value or its label, case-insensitively."""
    lowered = raw.strip().lower()
    for value, label in enum.choices:
        if lowered in {str(value).lower(), str(label).lower()}:
            return value
    allowed = ", ".join(str(v) for v in enum.values)
    raise ValueError(f"“{raw}” is not one of: {allowed}")


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(LIST_SEPARATOR) if part.strip()]


class _Lookups:
    """Reference data loaded once per import, so the number of queries does not grow with rows."""

    def __init__(self) -> None:
        self.modes = {}
        for mode in Mode.objects.all():
            for key in (mode.key, mode.short_name, mode.name, str(mode)):
                self.modes[key.lower()] = mode
        self.teams = {}
        for team in Team.objects.all():
            self.teams[team.slug.lower()] = team
            self.teams[team.name.lower()] = team
        self.suppliers = {}
        for supplier in Service.supplier.field.related_model.objects.all():
            self.suppliers[supplier.slug.lower()] = supplier
            self.suppliers[supplier.name.lower()] = supplier
        self.services = {s.slug: s for s in Service.objects.prefetch_related("regulatory_tags")}
        self.services_by_name = {s.name.lower(): s for s in self.services.values()}

    def slug_for(self, row: dict) -> str:
        """The row's slug: as given, else the existing service of that name, else a new one."""
        if row.get("slug"):
            return row["slug"]
        existing = self.services_by_name.get(row.get("name", "").lower())
        if existing:
            return existing.slug
        return unique_slug(Service, row["name"]) if row.get("name") else ""

    def user(self, username: str) -> User:
        user = User.objects.filter(Q(username__iexact=username) | Q(email__iexact=username)).first()
        if user is None:
            raise ValueError(f"no user “{username}”")
        return user


def read_rows(text: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Parse CSV text into (line number, row) pairs, checking the header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    errors = []
    if not header:
        return [], [RowError(1, "", "the file is empty")]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [h for h in REQUIRED if h not in header]
    if unknown:
        errors.append(
            RowError(1, ", ".join(unknown), f"unknown column; known columns are {', '.join(COLUMNS)}")
        )
    if missing:
        errors.append(RowError(1, ", ".join(missing), "required column missing"))
    rows = []
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(RowError(line, "", "more cells than columns"))
            continue
        cleaned = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if any(cleaned.values()):
            rows.append((line, cleaned))
    if not rows and not errors:
        errors.append(RowError(1, "", "the file has a header but no rows"))
    return rows, errors


def _plan_row(line: int, row: dict, lookups: _Lookups, actor: User, errors: list[RowError]) -> dict | None:
    """Turn one row into the fields of a service, or record why it cannot be."""
    plan: dict = {"line": line}
    row_errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        row_errors.append(RowError(line, column, message))

    for column in REQUIRED:
        if not row.get(column):
            fail(column, "is required")
    name = row.get("name", "")
    plan["slug"] = lookups.slug_for(row)
    plan["name"] = name
    plan["description"] = row.get("description", "")
    if row.get("mode"):
        plan["mode"] = lookups.modes.get(row["mode"].lower())
        if plan["mode"] is None:
            fail("mode", f"no mode “{row['mode']}”")
    if row.get("owner_team"):
        plan["owner_team"] = lookups.teams.get(row["owner_team"].lower())
        if plan["owner_team"] is None:
            fail("owner_team", f"no team “{row['owner_team']}”")
    if row.get("service_owner"):
        try:
            plan["service_owner"] = lookups.user(row["service_owner"])
        except ValueError as exc:
            fail("service_owner", str(exc))
    if row.get("supplier"):
        plan["supplier"] = lookups.suppliers.get(row["supplier"].lower())
        if plan["supplier"] is None:
            fail("supplier", f"no supplier “{row['supplier']}”")
    for column, enum in _CHOICE_COLUMNS.items():
        if row.get(column):
            try:
                plan[column] = _choice(enum, row[column])
            except ValueError as exc:
                fail(column, str(exc))
    if row.get("criticality"):
        try:
            value = int(row["criticality"])
            if value not in Criticality.values:
                raise ValueError
            plan["criticality"] = value
        except ValueError:
            fail("criticality", f"“{row['criticality']}” is not a tier 0–3")
    if row.get("availability_target"):
        plan["availability_target"] = row["availability_target"]
    if row.get("documentation_url"):
        plan["documentation_url"] = row["documentation_url"]
    plan["capability"] = row.get("capability", "")
    plan["regulatory_tags"] = _split(row.get("regulatory_tags", ""))
    plan["depends_on"] = _split(row.get("depends_on", ""))

    existing = lookups.services.get(plan["slug"]) if plan["slug"] else None
    plan["existing"] = existing
    if not row_errors:
        # Model validation (lengths, URL, decimal ranges) without touching the database.
        # The capability is a name here (created on write if new), so it is left out of the candidate.
        concrete = {f.name for f in Service._meta.concrete_fields} - {"capability"}
        fields = {k: v for k, v in plan.items() if k in concrete}
        candidate = Service(**fields)
        if existing:
            candidate.pk = existing.pk
        try:
            candidate.full_clean(exclude=["capability"], validate_unique=False)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                for message in messages:
                    fail(column, message)
    if not row_errors and existing:
        if not Service.objects.restrict(actor, "change").filter(pk=existing.pk).exists():
            fail("slug", f"you may not change the existing service “{existing.slug}”")
        elif plan["mode"] != existing.mode and not actor.has_perm("portfolio.reclassify_service"):
            fail("mode", f"moving “{existing.slug}” to another mode needs the reclassify permission")
    errors.extend(row_errors)
    return None if row_errors else plan


def import_services(*, actor: User, text: str, dry_run: bool = False, progress=None) -> ImportResult:
    """Create or update services (matched by slug) from CSV text; all rows or none.

    `progress`, when given, is called with the number of rows done (for a progress bar)."""
    if not actor.has_perm("portfolio.import_services"):
        raise PermissionDenied("You do not have permission to import services.")
    result = ImportResult()
    rows, result.errors = read_rows(text)
    if result.errors:
        return result
    lookups = _Lookups()
    plans = []
    seen: dict[str, int] = {}
    for line, row in rows:
        plan = _plan_row(line, row, lookups, actor, result.errors)
        if plan is None:
            continue
        if plan["slug"] in seen:
            result.errors.append(
                RowError(line, "slug", f"“{plan['slug']}” already appears on line {seen[plan['slug']]}")
            )
            continue
        seen[plan["slug"]] = line
        plans.append(plan)
    known_slugs = set(lookups.services) | set(seen)
    for plan in plans:
        for slug in plan["depends_on"]:
            if slug not in known_slugs:
                result.errors.append(RowError(plan["line"], "depends_on", f"no service “{slug}”"))
            elif slug == plan["slug"]:
                result.errors.append(
                    RowError(plan["line"], "depends_on", "a service cannot depend on itself")
                )
    if result.errors:
        return result
    try:
        with write():
            _apply(plans, actor, result, progress)
            if dry_run:
                raise ImportFailed("dry run")
    except ImportFailed:
        if result.errors:
            # Everything was rolled back: report the errors, not writes that did not happen.
            result.created, result.updated, result.unchanged = [], [], []
            result.dependencies_added = 0
    return result


def _apply(plans: list[dict], actor: User, result: ImportResult, progress) -> None:
    """Write the planned rows; raise ImportFailed (rolling back) when a write is refused."""
    saved: dict[str, Service] = {}
    for done, plan in enumerate(plans, start=1):
        try:
            saved[plan["slug"]] = _apply_row(plan, actor, result)
        except (ValidationError, PermissionDenied) as exc:
            _fail(result, plan["line"], exc)
        if progress:
            progress(done)
    for plan in plans:
        source = saved[plan["slug"]]
        for slug in plan["depends_on"]:
            target = saved.get(slug) or Service.objects.get(slug=slug)
            if ServiceDependency.objects.filter(
                source=source, target=target, kind=DependencyKind.RUNTIME
            ).exists():
                continue
            try:
                portfolio_services.dependency_add(actor=actor, source=source, target=target)
                result.dependencies_added += 1
            except (ValidationError, PermissionDenied) as exc:
                _fail(result, plan["line"], exc, column="depends_on")


def _fail(result: ImportResult, line: int, exc: Exception, column: str = "") -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        for field_name, messages in exc.message_dict.items():
            for message in messages:
                result.errors.append(RowError(line, column or field_name, message))
    else:
        result.errors.append(RowError(line, column, "; ".join(getattr(exc, "messages", [str(exc)]))))
    raise ImportFailed(str(exc))


def _apply_row(plan: dict, actor: User, result: ImportResult) -> Service:
    """Create or update one service from its plan."""
    tags = [
        portfolio_services.regulatory_tag_get_or_create(actor=actor, name=n) for n in plan["regulatory_tags"]
    ]
    capability = (
        portfolio_services.capability_get_or_create(actor=actor, name=plan["capability"])
        if plan["capability"]
        else None
    )
    fields = {
        k: plan[k]
        for k in (
            "description",
            "owner_team",
            "service_owner",
            "lifecycle",
            "criticality",
            "data_classification",
            "hosting",
            "support_coverage",
            "supplier",
            "availability_target",
            "documentation_url",
        )
        if k in plan
    }
    fields["capability"] = capability
    existing: Service | None = plan["existing"]
    if existing is None:
        service = portfolio_services.service_create(
            actor=actor,
            name=plan["name"],
            slug=plan["slug"],
            mode=plan["mode"],
            regulatory_tags=tags,
            **fields,
        )
        result.created.append(service.slug)
        return service

    before = snapshot(existing)
    if plan["mode"] != existing.mode:
        existing = portfolio_services.service_change_mode(
            actor=actor, service=existing, mode=plan["mode"], reason="CSV import"
        )
    service = portfolio_services.service_update(
        actor=actor, service=existing, name=plan["name"], regulatory_tags=tags, reason="CSV import", **fields
    )
    (result.updated if snapshot(service) != before else result.unchanged).append(service.slug)
    return service


def export_services(services) -> str:
    """CSV text of `services` in the import format (a round trip changes nothing)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    services = services.select_related(
        "mode", "owner_team", "service_owner", "capability", "supplier"
    ).prefetch_related("regulatory_tags", "dependencies__target")
    for s in services:
        writer.writerow(
            {
                "slug": s.slug,
                "name": s.name,
                "description": s.description,
                "mode": s.mode.key,
                "owner_team": s.owner_team.slug,
                "service_owner": s.service_owner.username if s.service_owner else "",
                "capability": s.capability.name if s.capability else "",
                "lifecycle": s.lifecycle,
                "criticality": s.criticality,
                "data_classification": s.data_classification,
                "hosting": s.hosting,
                "support_coverage": s.support_coverage,
                "supplier": s.supplier.slug if s.supplier else "",
                "regulatory_tags": LIST_SEPARATOR.join(sorted(t.name for t in s.regulatory_tags.all())),
                "availability_target": s.availability_target if s.availability_target is not None else "",
                "documentation_url": s.documentation_url,
                "depends_on": LIST_SEPARATOR.join(
                    sorted({d.target.slug for d in s.dependencies.all() if d.kind == DependencyKind.RUNTIME})
                ),
            }
        )
    return out.getvalue()

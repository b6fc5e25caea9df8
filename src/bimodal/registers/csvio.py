"""CSV import and export of the registers (low-code apps, AI use cases, cloud accounts, monthly costs).

Import is all-or-nothing: every row is checked first and written inside one transaction; one bad row means
nothing is written. Each error names its line (the header is line 1), its column and what is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import OrgUnit, Team, User
from bimodal.core.services import write
from bimodal.portfolio import selectors as portfolio_selectors
from bimodal.portfolio.choices import DataClassification
from bimodal.registers import risk
from bimodal.registers import services as register_services
from bimodal.registers.choices import (
    AiRunsOn,
    CloudProvider,
    DpiaStatus,
    Platform,
    RegisterStage,
    SupportWrapper,
)
from bimodal.registers.models import AIUseCase, CloudAccount, LowCodeApp

SEP = ";"
TRUE = {"yes", "y", "true", "1"}
FALSE = {"no", "n", "false", "0", ""}


@dataclass
class RowError:
    """A problem with one cell (or row) of an import file."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f", column {self.column}" if self.column else "") + f": {self.message}"


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in self.errors],
        }


class _Rollback(Exception):
    """Raised inside the import transaction to undo every row."""


@dataclass(frozen=True)
class Col:
    """A column: how to parse it and whether it is required; `export_only` columns are computed values."""

    name: str
    kind: str = "text"
    enum: type | None = None
    required: bool = False
    export_only: bool = False


@dataclass(frozen=True)
class Spec:
    """One importable register: its model, columns and how a row is written."""

    key: str
    model: type
    columns: list[Col]


LOW_CODE = Spec(
    "low_code",
    LowCodeApp,
    [
        Col("slug"),
        Col("name", required=True),
        Col("description"),
        Col("platform", "choice", Platform, required=True),
        Col("owner", "user", required=True),
        Col("owner_team", "team"),
        Col("business_unit", "orgunit", required=True),
        Col("purpose", required=True),
        Col("user_count", "int"),
        Col("data_classification", "choice", DataClassification),
        Col("integrations", "services"),
        Col("support_wrapper", "choice", SupportWrapper),
        Col("support_team", "team"),
        Col("stage", "choice", RegisterStage),
        Col("risk_score", export_only=True),
        Col("risk_level", export_only=True),
    ],
)
AI = Spec(
    "ai",
    AIUseCase,
    [
        Col("slug"),
        Col("name", required=True),
        Col("description"),
        Col("owner", "user", required=True),
        Col("owner_team", "team"),
        Col("purpose", required=True),
        Col("model_vendor", required=True),
        Col("runs_on", "choice", AiRunsOn),
        Col("personal_data", "bool"),
        Col("special_categories", "bool"),
        Col("data_categories"),
        Col("affected_people"),
        Col("affected_count", "int"),
        Col("risk_yes", "answers"),
        Col("dpia_status", "choice", DpiaStatus),
        Col("human_oversight"),
        Col("monitoring"),
        Col("services", "services"),
        Col("stage", "choice", RegisterStage),
        Col("risk_tier", export_only=True),
        Col("ethics_decision", export_only=True),
    ],
)
CLOUD = Spec(
    "cloud",
    CloudAccount,
    [
        Col("slug"),
        Col("name", required=True),
        Col("description"),
        Col("provider", "choice", CloudProvider, required=True),
        Col("account_ref", required=True),
        Col("owner", "user"),
        Col("owner_team", "team"),
        Col("services", "services"),
        Col("monthly_budget", "decimal"),
        Col("total_resources", "int"),
        Col("tagged_resources", "int"),
        Col("idle_resources", "int"),
        Col("orphaned_resources", "int"),
        Col("stage", "choice", RegisterStage),
    ],
)
SPECS = {spec.key: spec for spec in (LOW_CODE, AI, CLOUD)}
COST_COLUMNS = ["account", "month", "amount"]


def _choice(enum, raw: str) -> str:
    lowered = raw.strip().lower()
    for value, label in enum.choices:
        if lowered in {str(value).lower(), str(label).lower()}:
            return value
    raise ValueError(f"“{raw}” is not one of: {', '.join(str(v) for v in enum.values)}")


def _split(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(SEP) if p.strip()]


class _Lookups:
    """Reference data loaded once per import, so queries do not grow with rows."""

    def __init__(self, actor: User) -> None:
        self.teams = {}
        for team in Team.objects.all():
            self.teams[team.slug.lower()] = self.teams[team.name.lower()] = team
        self.units = {}
        for unit in OrgUnit.objects.all():
            self.units[unit.slug.lower()] = self.units[unit.name.lower()] = unit
        self.services = {
            s.slug: s for s in portfolio_selectors.service_list(user=actor).prefetch_related(None)
        }
        self.users = {}
        for user in User.objects.filter(is_active=True):
            self.users[user.username.lower()] = user
            if user.email:
                self.users[user.email.lower()] = user


def read_rows(
    text: str, known: list[str], required: list[str]
) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Parse CSV text into (line, row) pairs, checking the header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        return [], [RowError(1, "", "the file is empty")]
    errors = []
    unknown = [h for h in header if h not in known]
    missing = [h for h in required if h not in header]
    if unknown:
        errors.append(
            RowError(1, ", ".join(unknown), f"unknown column; known columns are {', '.join(known)}")
        )
    if missing:
        errors.append(RowError(1, ", ".join(missing), "required column missing"))
    rows = []
    for row in reader:
        if None in row:
            errors.append(RowError(reader.line_num, "", "more cells than columns"))
            continue
        cleaned = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if any(cleaned.values()):
            rows.append((reader.line_num, cleaned))
    if not rows and not errors:
        errors.append(RowError(1, "", "the file has a header but no rows"))
    return rows, errors


def _parse(col: Col, raw: str, lookups: _Lookups):
    """One cell as the value a service function takes; ValueError says what is wrong."""
    if col.kind == "text":
        return raw
    if col.kind == "int":
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"“{raw}” is not a whole number") from None
        if value < 0:
            raise ValueError("cannot be negative")
        return value
    if col.kind == "decimal":
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"“{raw}” is not a number") from None
    if col.kind == "bool":
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        raise ValueError(f"“{raw}” is not yes or no")
    if col.kind == "choice":
        return _choice(col.enum, raw)
    if col.kind == "user":
        user = lookups.users.get(raw.lower())
        if user is None:
            raise ValueError(f"no active user “{raw}”")
        return user
    if col.kind == "team":
        team = lookups.teams.get(raw.lower())
        if team is None:
            raise ValueError(f"no team “{raw}”")
        return team
    if col.kind == "orgunit":
        unit = lookups.units.get(raw.lower())
        if unit is None:
            raise ValueError(f"no org unit “{raw}”")
        return unit
    if col.kind == "services":
        missing = [s for s in _split(raw) if s not in lookups.services]
        if missing:
            raise ValueError(f"no service {', '.join('“' + m + '”' for m in missing)}")
        return [lookups.services[s] for s in _split(raw)]
    if col.kind == "answers":
        keys = _split(raw)
        unknown = [k for k in keys if k not in risk.AI_QUESTION_KEYS]
        if unknown:
            raise ValueError(
                f"unknown questions {', '.join(unknown)}; known: {', '.join(risk.AI_QUESTION_KEYS)}"
            )
        return {k: k in keys for k in risk.AI_QUESTION_KEYS}
    raise AssertionError(col.kind)


def _write(spec: Spec, actor: User, existing, fields: dict):
    """Create or update one item through the register's services."""
    if spec.key == "ai" and "risk_yes" in fields:
        fields["risk_answers"] = fields.pop("risk_yes")
    if existing is None:
        create = {
            "low_code": register_services.lowcode_create,
            "ai": register_services.aiusecase_create,
            "cloud": register_services.cloudaccount_create,
        }[spec.key]
        return create(actor=actor, **fields), True
    fields.pop("slug", None)
    if fields.get("stage") == existing.stage:
        fields.pop("stage")
    if spec.key == "low_code":
        return register_services.lowcode_update(
            actor=actor, app=existing, reason="CSV import", **fields
        ), False
    if spec.key == "ai":
        return register_services.aiusecase_update(
            actor=actor, use_case=existing, reason="CSV import", **fields
        ), False
    return register_services.cloudaccount_update(
        actor=actor, account=existing, reason="CSV import", **fields
    ), False


def _fail(result: ImportResult, line: int, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for column, messages in exc.message_dict.items():
            for message in messages:
                result.errors.append(RowError(line, column, message))
    else:
        result.errors.append(RowError(line, "", "; ".join(getattr(exc, "messages", [str(exc)]))))


def import_register(*, actor: User, key: str, text: str) -> ImportResult:
    """Create or update items of one register (matched by slug, else name) from CSV text; all rows or none."""
    if not actor.has_perm("registers.import_registers"):
        raise PermissionDenied("You do not have permission to import register items.")
    spec = SPECS[key]
    columns = {c.name: c for c in spec.columns}
    result = ImportResult()
    rows, result.errors = read_rows(text, list(columns), [c.name for c in spec.columns if c.required])
    if result.errors:
        return result
    lookups = _Lookups(actor)
    existing_items = {i.slug: i for i in spec.model.objects.all()}
    by_name = {i.name.lower(): i for i in existing_items.values()}
    plans, seen = [], {}
    for line, row in rows:
        fields, row_errors = {}, []
        for name, raw in row.items():
            col = columns[name]
            if col.export_only:
                continue
            if not raw:
                if col.required:
                    row_errors.append(RowError(line, name, "is required"))
                continue
            try:
                fields[name] = _parse(col, raw, lookups)
            except ValueError as exc:
                row_errors.append(RowError(line, name, str(exc)))
        existing = existing_items.get(row.get("slug", "")) or by_name.get(row.get("name", "").lower())
        ident = existing.slug if existing else (row.get("slug") or row.get("name", "").lower())
        if ident in seen:
            row_errors.append(RowError(line, "slug", f"the same item already appears on line {seen[ident]}"))
        seen[ident] = line
        result.errors.extend(row_errors)
        if not row_errors:
            plans.append((line, existing, fields))
    if result.errors:
        return result
    try:
        with write():
            for line, existing, fields in plans:
                try:
                    item, created = _write(spec, actor, existing, dict(fields))
                except (ValidationError, PermissionDenied) as exc:
                    _fail(result, line, exc)
                    continue
                (result.created if created else result.updated).append(item.slug)
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created, result.updated = [], []
    return result


def _cell(item, col: Col) -> str:
    value = getattr(item, col.name, "")
    if col.kind in {"user", "team"} or col.name in {"owner", "owner_team", "support_team"}:
        return "" if value is None else (value.username if isinstance(value, User) else value.slug)
    if col.kind == "orgunit":
        return value.slug if value else ""
    if col.kind == "services":
        return SEP.join(sorted(s.slug for s in getattr(item, col.name).all()))
    if col.kind == "bool":
        return "yes" if value else "no"
    if col.kind == "answers":
        return SEP.join(k for k in risk.AI_QUESTION_KEYS if item.risk_answers.get(k))
    return "" if value is None else str(value)


def export_register(key: str, queryset) -> str:
    """CSV text of `queryset` in the import format (computed columns included, ignored on import)."""
    spec = SPECS[key]
    m2m = [c.name for c in spec.columns if c.kind == "services"]
    queryset = queryset.select_related(
        *[c.name for c in spec.columns if c.kind in {"user", "team", "orgunit"}]
    ).prefetch_related(*m2m)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in spec.columns])
    for item in queryset:
        writer.writerow([_cell(item, c) for c in spec.columns])
    return out.getvalue()


def import_costs(*, actor: User, text: str) -> ImportResult:
    """Record monthly costs (account slug or provider id, month YYYY-MM, amount) from CSV; all rows or none."""
    result = ImportResult()
    rows, result.errors = read_rows(text, COST_COLUMNS, COST_COLUMNS)
    if result.errors:
        return result
    accounts = {}
    for account in CloudAccount.objects.restrict(actor, "change"):
        accounts[account.slug] = accounts[account.account_ref] = account
    plans, seen = [], {}
    for line, row in rows:
        errors = []
        account = accounts.get(row.get("account", ""))
        if account is None:
            errors.append(
                RowError(line, "account", f"no cloud account “{row.get('account', '')}” that you may change")
            )
        try:
            month = register_services.parse_month(row.get("month", ""))
        except ValidationError as exc:
            errors.append(RowError(line, "month", exc.message_dict["month"][0]))
            month = None
        try:
            amount = Decimal(row.get("amount", ""))
            if amount < 0 or not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                RowError(line, "amount", f"“{row.get('amount', '')}” is not an amount of 0 or more")
            )
        if account and month:
            key = (account.pk, month)
            if key in seen:
                errors.append(
                    RowError(
                        line, "month", f"{account.slug} {month:%Y-%m} already appears on line {seen[key]}"
                    )
                )
            seen[key] = line
        result.errors.extend(errors)
        if not errors:
            plans.append((line, account, month, amount))
    if result.errors:
        return result
    try:
        with write():
            for line, account, month, amount in plans:
                try:
                    register_services.cloudcost_record(
                        actor=actor, account=account, month=month, amount=amount
                    )
                except (ValidationError, PermissionDenied) as exc:
                    _fail(result, line, exc)
                    continue
                result.created.append(f"{account.slug} {month:%Y-%m}")
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = []
    return result


def export_costs(queryset) -> str:
    """CSV of monthly costs in the import format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COST_COLUMNS)
    for cost in queryset.select_related("account"):
        writer.writerow([cost.account.slug, f"{cost.month:%Y-%m}", cost.amount])
    return out.getvalue()

"""Deployment history in bulk: one row validation shared by the bulk API and `bimodal import-deployments`.

A load is all-or-nothing: every row is checked first (errors name the row and the field), then all rows are
written in one transaction. Rows are idempotent on their external id (given, or derived from service,
environment, commit and finish time), so loading the same file twice creates nothing the second time.

Row fields: service (slug) or repository ("org/repo", optionally "github:org/repo"), environment, status,
started_at, finished_at, version, commit, commits [{sha, authored_at, message, author}], external_id,
pipeline_url. In CSV, `commits` is "sha@authored_at" entries separated by ";"."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from django.utils import timezone

from bimodal.changes.choices import DeploymentSource, DeploymentStatus
from bimodal.core.services import require_perm, write
from bimodal.integrations import services
from bimodal.integrations.choices import Provider
from bimodal.integrations.models import Repository
from bimodal.integrations.services import TERMINAL
from bimodal.integrations.timeparse import parse_timestamp
from bimodal.integrations.webhooks import (
    EXTERNAL_ID_LENGTH,
    PIPELINE_URL_LENGTH,
    SHA_LENGTH,
    VERSION_LENGTH,
    CommitData,
    DeploymentData,
)
from bimodal.portfolio.models import Service

FIELDS = [
    "service",
    "repository",
    "environment",
    "status",
    "started_at",
    "finished_at",
    "version",
    "commit",
    "commits",
    "external_id",
    "pipeline_url",
]
STATUS_ALIASES = {
    "success": DeploymentStatus.SUCCEEDED,
    "successful": DeploymentStatus.SUCCEEDED,
    "failure": DeploymentStatus.FAILED,
    "error": DeploymentStatus.FAILED,
    "rollback": DeploymentStatus.ROLLED_BACK,
    "running": DeploymentStatus.IN_PROGRESS,
}
MAX_ROWS = 20000


@dataclass
class RowError:
    """A problem with one row (`row`: 0-based index in the list, or the line number in a file)."""

    row: int
    field: str
    message: str

    def as_dict(self, key: str = "index") -> dict:
        return {key: self.row, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"{self.row}" + (f", {self.field}" if self.field else "") + f": {self.message}"


@dataclass
class ValidRow:
    """A checked row, ready to write."""

    service: Service
    repository: Repository | None
    environment: str
    data: DeploymentData


@dataclass
class LoadResult:
    """Outcome of a load: rows checked, created, updated, and errors (nothing written when any)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Lookups:
    """Services and repositories by key, loaded once per load (a fixed number of queries)."""

    def __init__(self, actor) -> None:
        visible = Service.objects.all() if actor is None else Service.objects.restrict(actor, "view")
        self.services = {s.slug: s for s in visible}
        self.repositories: dict[tuple[str, str], Repository] = {}
        self.by_service: dict[int, list[Repository]] = {}
        for repo in Repository.objects.select_related("service"):
            self.repositories[(repo.provider, repo.full_name.lower())] = repo
            self.by_service.setdefault(repo.service_id, []).append(repo)

    def repository(self, text: str) -> Repository | None:
        provider, _, name = text.partition(":") if ":" in text else ("", "", text)
        name = name.strip().lower()
        if provider:
            return self.repositories.get((provider.strip().lower(), name))
        matches = [r for (p, n), r in self.repositories.items() if n == name and p in Provider.values]
        return matches[0] if len(matches) == 1 else None


def _text(raw: dict, name: str, limit: int) -> str:
    value = raw.get(name)
    value = "" if value is None else str(value).strip()
    if len(value) > limit:
        raise ValueError(f"at most {limit} characters")
    return value


def _commits(raw) -> list[CommitData]:
    """Commits from a list of {sha, authored_at, …} or from CSV text "sha@time;sha@time"."""
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        items = []
        for part in raw.split(";"):
            part = part.strip()
            if not part:
                continue
            sha, sep, at = part.partition("@")
            if not sep:
                raise ValueError(f"{part!r}: write sha@authored_at")
            items.append({"sha": sha, "authored_at": at})
        raw = items
    if not isinstance(raw, list):
        raise ValueError("a list of {sha, authored_at}")
    commits = []
    for item in raw:
        if not isinstance(item, dict) or not item.get("sha") or not item.get("authored_at"):
            raise ValueError("each commit needs sha and authored_at")
        sha = str(item["sha"]).strip()
        if len(sha) > SHA_LENGTH:
            raise ValueError(f"{sha[:16]}…: a sha has at most {SHA_LENGTH} characters")
        commits.append(
            CommitData(
                sha=sha,
                authored_at=parse_timestamp(item["authored_at"]),
                message=str(item.get("message") or "")[:300],
                author=str(item.get("author") or "")[:200],
            )
        )
    return commits


def validate_row(raw: dict, lookups: _Lookups) -> tuple[ValidRow | None, list[tuple[str, str]]]:
    """Check one row; returns the valid row or (field, message) errors."""
    errors: list[tuple[str, str]] = []

    def attempt(name, fn):
        try:
            return fn()
        except (ValueError, TypeError) as exc:
            errors.append((name, str(exc)))
            return None

    if not isinstance(raw, dict):
        return None, [("", "each row must be an object")]
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        errors.append(("", f"unknown field(s): {', '.join(unknown)}"))
    service_slug = _text(raw, "service", 120)
    repo_name = _text(raw, "repository", 280)
    repository = service = None
    if repo_name:
        repository = lookups.repository(repo_name)
        if repository is None:
            errors.append(
                ("repository", f"no repository {repo_name!r} (give provider:org/repo if ambiguous)")
            )
        else:
            service = repository.service
    if service_slug:
        by_slug = lookups.services.get(service_slug)
        if by_slug is None:
            errors.append(("service", f"no service {service_slug!r} that you can see"))
        elif service is not None and service.pk != by_slug.pk:
            errors.append(("service", f"repository {repo_name!r} belongs to {service.slug}"))
        service = by_slug
    elif not repo_name:
        errors.append(("service", "give service (slug) or repository"))
    environment_name = attempt("environment", lambda: _text(raw, "environment", 60))
    if not environment_name and ("environment", "") not in errors:
        errors.append(("environment", "required"))
    status_text = (attempt("status", lambda: _text(raw, "status", 20)) or "").lower()
    status = STATUS_ALIASES.get(status_text, status_text)
    if status not in DeploymentStatus.values:
        errors.append(("status", f"one of {', '.join(DeploymentStatus.values)} (got {status_text!r})"))
    started_at = attempt("started_at", lambda: parse_timestamp(raw.get("started_at")))
    finished_at = attempt("finished_at", lambda: parse_timestamp(raw.get("finished_at")))
    finished_error = any(name == "finished_at" for name, _ in errors)
    if status in TERMINAL and not finished_at and not finished_error:
        errors.append(("finished_at", "required for a finished deployment"))
    if started_at and finished_at and finished_at < started_at:
        errors.append(("finished_at", "before started_at"))
    version = attempt("version", lambda: _text(raw, "version", VERSION_LENGTH)) or ""
    commit = attempt("commit", lambda: _text(raw, "commit", SHA_LENGTH)) or ""
    external_id = attempt("external_id", lambda: _text(raw, "external_id", EXTERNAL_ID_LENGTH)) or ""
    pipeline_url = attempt("pipeline_url", lambda: _text(raw, "pipeline_url", PIPELINE_URL_LENGTH)) or ""
    commits = attempt("commits", lambda: _commits(raw.get("commits")))
    if commits and repository is None and service is not None:
        candidates = lookups.by_service.get(service.pk, [])
        if len(candidates) == 1:
            repository = candidates[0]
        else:
            errors.append(
                ("commits", f"service {service.slug} has {len(candidates)} repositories: give repository")
            )
    if errors:
        return None, errors
    environment = services.environment_for(repository, environment_name)
    if not external_id:
        moment = (finished_at or started_at).isoformat() if (finished_at or started_at) else ""
        external_id = f"{service.slug}:{environment}:{commit or version}:{moment}"[:100]
    data = DeploymentData(
        external_id=external_id,
        environment=environment_name,
        status=status,
        commit=commit,
        version=version,
        started_at=started_at,
        finished_at=finished_at,
        pipeline_url=pipeline_url,
        commits=commits or None,
    )
    return ValidRow(service=service, repository=repository, environment=environment, data=data), []


def validate_rows(
    rows: Iterable[dict], *, actor, number: Callable[[int], int] = lambda i: i
) -> tuple[list[ValidRow], list[RowError]]:
    """Check every row; `number` turns a 0-based position into what errors report (index or line)."""
    lookups = _Lookups(actor)
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    # A row's identity is its external id within its service (as the deployments' unique key).
    seen: dict[tuple[int, str], int] = {}
    for position, raw in enumerate(rows):
        if position >= MAX_ROWS:
            errors.append(RowError(number(position), "", f"at most {MAX_ROWS} rows per load"))
            break
        row, problems = validate_row(raw, lookups)
        errors.extend(RowError(number(position), name, message) for name, message in problems)
        if row is not None:
            key = (row.service.pk, row.data.external_id)
            if key in seen:
                errors.append(RowError(number(position), "external_id", f"repeats row {seen[key]}"))
            seen[key] = number(position)
            valid.append(row)
    return valid, errors


def deployments_load(
    *,
    actor,
    rows: list[dict],
    source: str = DeploymentSource.IMPORT,
    dry_run: bool = False,
    number: Callable[[int], int] = lambda i: i,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Validate then write deployment rows, all or nothing (see the module docstring). `actor` None is the
    system (the command line run without --user): every service, recorded as "system"."""
    if actor is not None:
        require_perm(actor, "integrations.import_deployments")
    valid, errors = validate_rows(rows, actor=actor, number=number)
    result = LoadResult(rows=len(rows), errors=errors)
    if errors or dry_run:
        return result
    try:
        with write():
            now = timezone.now()
            for row in sorted(valid, key=lambda r: r.data.finished_at or r.data.started_at or now):
                _, created = services.deployment_report(
                    actor=actor,
                    service=row.service,
                    source=source,
                    environment=row.environment,
                    data=row.data,
                    repository=row.repository,
                )
                if created:
                    result.created += 1
                else:
                    result.updated += 1
                if progress is not None:
                    progress(1)
    except (IntegrityError, DataError) as exc:
        # Rows are checked first, so this is a concurrent load of the same deployments (a unique key) or
        # a constraint the checks missed: the transaction is rolled back, nothing is written.
        if isinstance(exc, IntegrityError) and services.unique_violation(exc):
            message = "another load wrote the same deployments at the same time: send it again"
        else:
            message = f"refused by the database: {exc}"
        return LoadResult(rows=len(rows), errors=[RowError(-1, "", message)])
    return result


# --- files ------------------------------------------------------------------------------------------


def read_rows(text: str, fmt: str) -> tuple[list[dict], Callable[[int], int]]:
    """Rows of a CSV or JSON document and how to number them for errors (the line in the file)."""
    if fmt == "json":
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("deployments"), list):
            data = data["deployments"]
        if not isinstance(data, list):
            raise ValidationError('A JSON import is a list of deployments (or {"deployments": [...]}).')
        return data, lambda i: i + 1
    reader = csv.DictReader(io.StringIO(text))
    rows, lines = [], []
    for raw in reader:
        rows.append({k.strip(): v for k, v in raw.items() if k is not None and v not in (None, "")})
        lines.append(reader.line_num)
    return rows, lambda i: lines[i] if i < len(lines) else i + 2

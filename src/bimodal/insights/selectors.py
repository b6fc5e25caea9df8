"""Reads of the insights app: the scope a page asks for, the figures of the dashboards with labels and
drill-down links, trends, maturity history and gaps. Figures are computed by `metrics` in SQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from bimodal.changes.models import Deployment
from bimodal.core.models import Actor, OrgUnit, Team, User
from bimodal.core.validation import NUL_MESSAGE, has_nul
from bimodal.delivery.models import Actual, Budget, TeamCapacity
from bimodal.insights.choices import Definitions
from bimodal.insights.metrics import dora, kpis, sources, sql
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.models import MaturityAssessment, MaturityScore, MetricSettings
from bimodal.integrations.models import Commit
from bimodal.portfolio.choices import KpiSet
from bimodal.portfolio.models import Mode, Service
from bimodal.servicedesk.models import Ticket

PERIODS = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "12 months")]
GROUPS = [("", "Everything"), ("mode", "Mode"), ("team", "Team"), ("service", "Service")]


def scope_from(params: QueryDict | Mapping[str, str], *, user: User) -> Scope:
    """The scope named by query parameters: days or start/end, by (breakdown), service, team, mode
    (slugs / keys), definitions (`bimodal` or `devlake`; the organisation's setting when absent);
    services the user cannot see are left out. An unknown `definitions`, or a key holding NUL (which
    PostgreSQL refuses in text), is a ValidationError naming the parameter."""
    for name in ("service", "team", "mode", "definitions"):
        if has_nul(params.get(name)):
            raise ValidationError({name: NUL_MESSAGE})
    now = timezone.now()
    definitions = params.get("definitions") or MetricSettings.current().definitions
    if definitions not in Definitions.values:
        raise ValidationError({"definitions": f"Choose one of: {', '.join(Definitions.values)}."})
    start_d, end_d = parse_date(params.get("start") or ""), parse_date(params.get("end") or "")
    if start_d and end_d and end_d >= start_d:
        # Whole local days of the organisation's time zone: from the start date's midnight to the
        # midnight after the end date (a summer day starts at 23:00 UTC the day before in London).
        start, end = sql.midnight(start_d), sql.midnight(end_d + timedelta(days=1))
    else:
        try:
            days = max(1, min(int(params.get("days") or 90), 3650))
        except ValueError:
            days = 90
        start, end = now - timedelta(days=days), now
    group = params.get("by") or ""
    group = group if group in dict(GROUPS) else ""
    visible = Service.objects.restrict(user, "view")
    service_ids = None
    if params.get("service"):
        service_ids = tuple(visible.filter(slug=params["service"]).values_list("pk", flat=True))
    elif not user.has_perm("portfolio.view_all_services"):
        service_ids = tuple(visible.values_list("pk", flat=True))
    team = Team.objects.filter(slug=params.get("team") or "").values_list("pk", flat=True).first()
    mode = Mode.objects.filter(key=params.get("mode") or "").values_list("pk", flat=True).first()
    return Scope(
        start=start,
        end=end,
        group=group,
        service_ids=service_ids,
        team_id=team,
        mode_id=mode,
        definitions=definitions,
    )


_MANY_KEYS = 200  # past this many groups, `labels` reads a range of rows instead of an IN list


def labels(group: str, keys: Iterable[int | None]) -> dict[int, str]:
    """Names of breakdown keys (one query)."""
    known = [k for k in keys if k is not None]
    if group in ("service", "team"):
        rows = (Service if group == "service" else Team).objects.all()
        if len(known) > _MANY_KEYS:
            # Thousands of services: a range scan, not an IN list of thousands of parameters (building that
            # query cost more than a second of Python at 20,000 services).
            wanted = set(known)
            pairs = rows.filter(pk__range=(min(known), max(known))).values_list("pk", "name")
            return {pk: name for pk, name in pairs if pk in wanted}
        return dict(rows.filter(pk__in=known).values_list("pk", "name"))
    if group == "mode":
        return {
            pk: short or name
            for pk, short, name in Mode.objects.filter(pk__in=known).values_list("pk", "short_name", "name")
        }
    return {0: "Everything in scope"}


#: The KPI sets that include each family of measures (portfolio.KpiSet).
KPI_FAMILIES = {"flow": (KpiSet.FLOW, KpiSet.BOTH), "stability": (KpiSet.STABILITY, KpiSet.BOTH)}


def modes_judged_by(family: str) -> list[Mode]:
    """The modes whose KPI set includes a family of measures ("flow": DORA; "stability": change success,
    SLA, MTTR, availability), from the most stable to the most exploratory."""
    return list(Mode.objects.filter(kpi_set__in=KPI_FAMILIES[family]).order_by("exploration", "order", "key"))


def dora_table(scope: Scope) -> list[dict[str, Any]]:
    """One row per breakdown group: the four keys with their levels."""
    figures = dora.compute(scope)
    names = labels(scope.group, figures)
    rows = [{"key": g, "label": names.get(g, str(g)), **metrics} for g, metrics in figures.items()]
    return sorted(rows, key=lambda r: str(r["label"]))


class Ranked:
    """Every breakdown row of a table, worst first, read a page at a time: the per-group aggregate that
    decides the order is one SQL statement (`ranking`: g and the sort columns), ordered, limited and
    counted in the database; only the groups of the page asked for are then computed in full (`build`:
    the figure rows of a scope narrowed to those services). The Python work is proportional to the rows
    shown, not to the services in scope. Paginator-compatible (`count()` and slicing)."""

    def __init__(
        self,
        scope: Scope,
        ranking: tuple[str, list[Any]],
        order: str,
        build: Callable[[Scope], list[dict[str, Any]]],
    ) -> None:
        self.scope, self.ranking, self.order, self.build = scope, ranking, order, build
        self._count: int | None = None
        #: Rows built so far (a test measures that it does not grow with the services in scope).
        self.built = 0

    def count(self) -> int:
        if self._count is None:
            text, params = self.ranking
            self._count = int(sql.fetch(f"SELECT COUNT(*) AS n FROM ({text}) r", params)[0]["n"])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def keys(self, offset: int, limit: int) -> list[int]:
        """The breakdown keys of rows offset..offset+limit, worst first (ties by name, then id)."""
        text, params = self.ranking
        name = 's.name COLLATE "C"' if sql.vendor() == "postgresql" else "s.name"
        rows = sql.fetch(
            f"SELECT r.g FROM ({text}) r JOIN {sources.service()} s ON s.id = r.g "
            f"ORDER BY {self.order}, {name}, r.g LIMIT %s OFFSET %s",
            [*params, int(limit), int(offset)],
        )
        return [int(r["g"]) for r in rows]

    def rows(self, offset: int, limit: int) -> list[dict[str, Any]]:
        keys = self.keys(offset, limit)
        if not keys:
            return []
        by_key = {r["key"]: r for r in self.build(replace(self.scope, service_ids=tuple(keys)))}
        out = [by_key[k] for k in keys if k in by_key]
        self.built += len(out)
        return out

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        if not isinstance(item, slice):
            raise TypeError("Ranked rows are read by slices")
        start, stop = item.start or 0, item.stop if item.stop is not None else self.count()
        return self.rows(start, max(stop - start, 0))


def ranked_by_service(scope: Scope) -> bool:
    """Whether a table of the scope is one row per service (then read worst first a page at a time)."""
    return scope.group == "service"


def dora_ranking(scope: Scope, *, fresh: bool = False) -> tuple[str, list[Any]]:
    """Per group with any DORA figure: its change failure rate (-1 without one) and its successful
    production deployments — the order of the DORA table, worst first (`dora_ranked`). `fresh`: the
    DORA facts were just brought up to date."""
    if not fresh:
        dora.refresh()
    failures, f_params = dora.failure_rows(scope)
    deployments, d_params = dora.deployment_rows(scope)
    leads, l_params = dora.pull_request_lead_rows(scope) if scope.devlake else dora.lead_time_rows(scope)
    text = (
        "SELECT g, COALESCE(MAX(rate), -1) AS cfr, SUM(n) AS deployments FROM ("
        f"SELECT g, 1.0 * SUM(failed) / COUNT(*) AS rate, 0 AS n FROM ({failures}) x1 GROUP BY g "
        f"UNION ALL SELECT g, NULL, COUNT(*) FROM ({deployments}) x2 GROUP BY g "
        f"UNION ALL SELECT g, NULL, 0 FROM ({leads}) x3 GROUP BY g) u GROUP BY g"
    )
    return text, [*f_params, *d_params, *l_params]


def dora_ranked(scope: Scope, *, fresh: bool = False) -> Ranked:
    """The DORA table of a per-service scope, worst first (highest change failure rate, then fewest
    deployments), a page at a time."""
    return Ranked(scope, dora_ranking(scope, fresh=fresh), "r.cfr DESC, r.deployments", dora_table)


def kpi_table(scope: Scope) -> dict[str, Any]:
    """The Mode 1 KPIs, each as rows per breakdown group with labels."""
    data = kpis.compute(scope)
    keys: set[int] = set()
    for name, values in data.items():
        if name != "availability":
            keys |= set(values)
    names = labels(scope.group, keys)
    out: dict[str, Any] = {"availability": data["availability"]}
    for name, values in data.items():
        if name == "availability":
            continue
        out[name] = sorted(
            ({"key": g, "label": names.get(g, str(g)), **v} for g, v in values.items()),
            key=lambda r: str(r["label"]),
        )
    return out


def csat_table(scope: Scope) -> list[dict[str, Any]]:
    """Customer satisfaction per breakdown group with labels (every mode: it is not a KPI-set measure)."""
    figures = kpis.csat(scope)
    names = labels(scope.group, figures)
    rows = [{"key": g, "label": names.get(g, str(g)), **v} for g, v in figures.items()]
    return sorted(rows, key=lambda r: str(r["label"]))


def weekly_trend(scope: Scope) -> list[dict[str, Any]]:
    """Per week of the period (Monday first, in the organisation's time zone): production deployments
    (and failed ones), changes finished (and completed), incidents opened and resolved — three grouped
    queries."""
    where, params = scope.service_filter()
    period = scope.period_params()
    series: dict[int, dict[str, int]] = {}

    def add(column: str, text: str, args: list[Any], fields: list[str]) -> None:
        # The week of each row's local day, grouped in an outer query (the day's parameters come first).
        day, day_params = sql.local_day(column, scope.start, scope.end)
        grouped = (
            f"SELECT (day + 3) / 7 AS wk, COUNT(*) AS n, {', '.join(f'SUM({f}) AS {f}' for f in fields[1:])} "
            if len(fields) > 1
            else "SELECT (day + 3) / 7 AS wk, COUNT(*) AS n "
        )
        query = f"{grouped}FROM (SELECT {day} AS day, r.* FROM ({text}) r) y GROUP BY (day + 3) / 7"
        for row in sql.fetch(query, [*day_params, *args]):
            counts = {fields[0]: int(row["n"] or 0), **{f: int(row[f] or 0) for f in fields[1:]}}
            series.setdefault(int(row["wk"]), {}).update(counts)

    add(
        "r.finished_at",
        f"SELECT d.finished_at, CASE WHEN d.status <> 'succeeded' THEN 1 ELSE 0 END AS failed "
        f"FROM {sources.deployment()} d JOIN {sources.service()} s ON s.id = d.service_id WHERE d.environment = 'production' "
        f"AND d.status IN ('succeeded', 'failed', 'rolled_back') AND d.finished_at >= %s AND d.finished_at < %s{where}",
        [*period, *params],
        ["deployments", "failed"],
    )
    add(
        "r.at",
        f"SELECT t.at, CASE WHEN t.to_state = 'completed' THEN 1 ELSE 0 END AS completed "
        f"FROM insights_transition t JOIN {sources.service()} s ON s.id = t.service_id WHERE t.stream = 'change' "
        f"AND t.to_state IN ('completed', 'failed', 'backed_out') AND t.at >= %s AND t.at < %s{where}",
        [*period, *params],
        ["changes", "completed"],
    )
    add(
        "r.opened_at",
        f"SELECT k.opened_at FROM {sources.ticket()} k JOIN {sources.service()} s ON s.id = k.service_id "
        f"WHERE k.ticket_type = 'incident' AND k.opened_at >= %s AND k.opened_at < %s{where}",
        [*period, *params],
        ["incidents"],
    )
    _, (first, last), _ = sql.buckets(scope.start, scope.end)
    out = []
    for wk in range(first, last + 1):
        row: dict[str, Any] = {
            "deployments": 0,
            "failed": 0,
            "changes": 0,
            "completed": 0,
            "incidents": 0,
            **series.get(wk, {}),
        }
        row["week"] = sql.week_start(wk)
        row["success_rate"] = row["completed"] / row["changes"] if row["changes"] else None
        row["failure_rate"] = row["failed"] / row["deployments"] if row["deployments"] else None
        out.append(row)
    return out


def weekly_operations(scope: Scope) -> list[dict[str, Any]]:
    """Per week of the period, the Mode 1 KPIs over everything in scope: change success rate, emergency-change
    ratio, SLA attainment (response and resolution together) and MTTR (mean hours) — four grouped queries
    over the same rows as the KPI tables, bucketed by the organisation's local week."""
    scope = scope.with_group("")
    series: dict[int, dict[str, Any]] = {}

    def add(rows: tuple[str, list[Any]], column: str, figures: str) -> None:
        day, day_params = sql.local_day(column, scope.start, scope.end)
        query = (
            f"SELECT (day + 3) / 7 AS wk, {figures} FROM (SELECT {day} AS day, r.* FROM ({rows[0]}) r) y "
            "GROUP BY (day + 3) / 7"
        )
        for row in sql.fetch(query, [*day_params, *rows[1]]):
            series.setdefault(int(row.pop("wk")), {}).update(row)

    add(
        kpis.finished_change_rows(scope),
        "r.at",
        "COUNT(*) AS finished, SUM(CASE WHEN to_state = 'completed' THEN 1 ELSE 0 END) AS completed",
    )
    add(
        kpis.raised_change_rows(scope),
        "r.at",
        "COUNT(*) AS raised, SUM(CASE WHEN kind = 'emergency' THEN 1 ELSE 0 END) AS emergency",
    )
    add(
        kpis.sla_rows(scope),
        "r.stopped_at",
        "COUNT(*) AS stopped, SUM(CASE WHEN state = 'met' THEN 1 ELSE 0 END) AS met",
    )
    add(kpis.resolved_incident_rows(scope), "r.resolved_at", "COUNT(*) AS resolved, AVG(seconds) AS mttr")
    _, (first, last), _ = sql.buckets(scope.start, scope.end)
    out = []
    for wk in range(first, last + 1):
        got = series.get(wk, {})
        counts = {
            k: int(got.get(k) or 0)
            for k in ("finished", "completed", "raised", "emergency", "stopped", "met")
        }
        counts["resolved"] = int(got.get("resolved") or 0)
        out.append(
            {
                "week": sql.week_start(wk),
                **counts,
                "success_rate": counts["completed"] / counts["finished"] if counts["finished"] else None,
                "emergency_ratio": counts["emergency"] / counts["raised"] if counts["raised"] else None,
                "sla_attainment": counts["met"] / counts["stopped"] if counts["stopped"] else None,
                "mttr_hours": float(got["mttr"]) / 3600 if got.get("mttr") is not None else None,
            }
        )
    return out


def portfolio_by_mode(*, user: Actor) -> list[Mapping[str, Any]]:
    """Live services per mode (with colours), for the CIO dashboard."""
    from django.db.models import Count, Q

    return list(
        Mode.objects.annotate(live=Count("services", filter=Q(services__lifecycle="live"), distinct=True))
        .order_by("order", "name")
        .values("key", "name", "short_name", "colour", "live")
    )


def delivery_by_mode(year: int | None = None) -> list[dict[str, Any]] | None:
    """Spend (budget envelopes, actuals) and people (capacity FTE) per mode for a fiscal year, from the
    delivery app's budgets and capacity; None when there is no delivery data."""
    budget, actual, capacity = Budget, Actual, TeamCapacity
    year = year or sql.local_date(timezone.now()).year
    envelopes = dict(
        budget.objects.filter(fiscal_year=year, initiative__isnull=True)
        .order_by()
        .values("mode")
        .annotate(t=Sum("amount"))
        .values_list("mode", "t")
    )
    spent = dict(
        actual.objects.filter(fiscal_year=year)
        .order_by()
        .values("mode")
        .annotate(t=Sum("amount"))
        .values_list("mode", "t")
    )
    people = dict(
        capacity.objects.filter(fiscal_year=year)
        .order_by()
        .values("mode")
        .annotate(t=Sum("fte"))
        .values_list("mode", "t")
    )
    if not (envelopes or spent or people):
        return None
    return [
        {
            "mode": m,
            "budget": envelopes.get(m.pk) or 0,
            "actual": spent.get(m.pk) or 0,
            "fte": people.get(m.pk) or 0,
        }
        for m in Mode.objects.order_by("order", "name")
    ]


def data_quality(scope: Scope, *, fresh: bool = False) -> dict[str, int]:
    """Records the DORA figures leave out, counted instead of silently skewing them (one query):
    commits first deployed in the period but authored after that deployment finished
    (`negative_lead_times`: left out of the lead time), successful production deployments of the
    period without any commit (`deployments_without_commits`: no lead time comes from them) and
    incidents opened in the period that are attributed to no deployment (`incidents_without_deployment`:
    their service had no successful production deployment before them, so no failure rate counts
    them). `fresh`: the DORA facts were just brought up to date (by the figures of the same page)."""
    if not fresh:
        dora.refresh()
    negative, negative_params = dora.negative_lead_rows(scope)
    deployments, dep_params = deployment_rows_without_commits(scope)
    orphans, orphan_params = incidents_without_deployment_rows(scope)
    row = sql.fetch(
        f"SELECT (SELECT COUNT(*) FROM ({negative}) n) AS negative_lead_times, "
        f"(SELECT COUNT(*) FROM ({deployments}) d) AS deployments_without_commits, "
        f"(SELECT COUNT(*) FROM ({orphans}) i) AS incidents_without_deployment",
        [*negative_params, *dep_params, *orphan_params],
    )[0]
    return {name: int(value or 0) for name, value in row.items()}


def deployment_rows_without_commits(scope: Scope) -> tuple[str, list[Any]]:
    """Successful production deployments of the period that name no commit."""
    rows, params = dora.deployment_rows(scope)
    return (
        f"SELECT * FROM ({rows}) x WHERE NOT EXISTS (SELECT 1 FROM {sources.deployment_commit()} dc "
        "WHERE dc.deployment_id = x.deployment_id)",
        params,
    )


def incidents_without_deployment_rows(scope: Scope) -> tuple[str, list[Any]]:
    """Incidents (not cancelled) opened in the period and attributed to no deployment (the
    IncidentAttribution facts; call `dora.refresh()` first): g, ticket_id, service_id, opened_at,
    resolved_at."""
    where, params = scope.service_filter()
    return (
        f"SELECT {scope.group_sql()} AS g, t.id AS ticket_id, t.service_id, t.opened_at, t.resolved_at "
        f"FROM {sources.ticket()} t JOIN {sources.service()} s ON s.id = t.service_id "
        "LEFT JOIN insights_incidentattribution a ON a.ticket_id = t.id "
        "WHERE t.ticket_type = 'incident' AND t.status <> 'cancelled' AND a.deployment_id IS NULL "
        f"AND t.opened_at >= %s AND t.opened_at < %s{where}",
        [*scope.period_params(), *params],
    )


# --- drill-downs --------------------------------------------------------------------------------------


def _lead_rows(scope: Scope) -> tuple[str, list[Any]]:
    return dora.pull_request_lead_rows(scope) if scope.devlake else dora.lead_time_rows(scope)


def _recovery_rows(scope: Scope) -> tuple[str, list[Any]]:
    if scope.devlake:
        return dora.recovery_incident_rows(scope)
    return _where(dora.failure_rows(scope), "recovery_seconds IS NOT NULL")


DRILLDOWNS: dict[str, tuple[str, Callable[[Scope], tuple[str, list[Any]]]]] = {
    "deployments": ("Successful production deployments", lambda s: dora.deployment_rows(s)),
    "lead-time": ("Commits (DevLake: pull requests) and their lead time", _lead_rows),
    "failures": ("Production deployments, failed or not", lambda s: dora.failure_rows(s)),
    "recovery": ("Failed deployments (DevLake: incidents) and their recovery", _recovery_rows),
    "negative-lead-times": (
        "Commits ignored: authored after their deployment finished",
        lambda s: dora.negative_lead_rows(s),
    ),
    "deployments-without-commits": (
        "Successful production deployments without commits",
        deployment_rows_without_commits,
    ),
    "incidents-without-deployment": (
        "Incidents attributed to no deployment",
        incidents_without_deployment_rows,
    ),
    "changes-finished": ("Changes finished", lambda s: kpis.finished_change_rows(s)),
    "changes-raised": ("Changes raised", lambda s: kpis.raised_change_rows(s)),
    "changes-in-freeze": (
        "Changes implemented (in a freeze or not)",
        lambda s: kpis.implemented_change_rows(s),
    ),
    "sla": ("SLA clocks stopped", lambda s: kpis.sla_rows(s)),
    "mttr": ("Incidents resolved", lambda s: kpis.resolved_incident_rows(s)),
    "backlog": ("Open tickets", lambda s: kpis.backlog_rows(s)),
}


def _where(query: tuple[str, list[Any]], condition: str) -> tuple[str, list[Any]]:
    return f"SELECT * FROM ({query[0]}) q WHERE {condition}", query[1]


def drilldown(
    metric: str, scope: Scope, *, key: int | str | None = None, limit: int | None = 500
) -> tuple[str, list[str], list[dict[str, Any]]]:
    """(title, columns, rows) of the records behind a figure (optionally one breakdown group)."""
    title, build = DRILLDOWNS[metric]
    if metric in ("lead-time", "failures", "recovery", "negative-lead-times", "incidents-without-deployment"):
        dora.refresh()
    text, params = build(scope)
    if key not in (None, ""):
        text, params = f"SELECT * FROM ({text}) k WHERE g = %s", [*params, int(key)]
    text += f" LIMIT {int(limit)}" if limit else ""
    rows = sql.fetch(text, params)
    columns = [c for c in (rows[0].keys() if rows else []) if c != "g"]
    return title, columns, rows


def record_cells(
    rows: list[dict[str, Any]], columns: list[str], *, user: Actor
) -> list[list[tuple[Any, str]]]:
    """The records as table cells (value, link): services, tickets, deployments and commits named and
    linked instead of bare ids — one query per kind of record, restricted to what the user may see (an id
    the user may not see stays a bare id)."""

    def ids(column: str) -> set[int]:
        return {r[column] for r in rows if r.get(column) is not None} if column in columns else set()

    labels: dict[str, dict[Any, tuple[Any, str]]] = {}
    if wanted := ids("service_id"):
        labels["service_id"] = {
            s.pk: (s.name, s.get_absolute_url())
            for s in Service.objects.restrict(user, "view").filter(pk__in=wanted).only("id", "name", "slug")
        }
    if wanted := ids("ticket_id"):
        labels["ticket_id"] = {
            t.pk: (t.number, t.get_absolute_url())
            for t in Ticket.objects.restrict(user, "view").filter(pk__in=wanted).only("id", "number")
        }
    if wanted := ids("deployment_id"):
        deployments = Deployment.objects.restrict(user, "view").filter(pk__in=wanted)
        labels["deployment_id"] = {
            pk: (f"{version or pk} ({source}:{external_id})" if external_id else f"{version or pk}", "")
            for pk, version, source, external_id in deployments.values_list(
                "pk", "version", "source", "external_id"
            )
        }
    if wanted := ids("commit_id"):
        commits = Commit.objects.restrict(user, "view").filter(pk__in=wanted).select_related("repository")
        labels["commit_id"] = {
            c.pk: (
                f"{c.repository.full_name}@{c.sha[:10]}",
                reverse("integrations:repository_detail", args=[c.repository_id]),
            )
            for c in commits.only("id", "sha", "repository__full_name")
        }
    out = []
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            label, url = labels.get(column, {}).get(value, (value, ""))
            if column == "number" and value:
                url = reverse("servicedesk:ticket_detail", args=[value])
            cells.append((label, url))
        out.append(cells)
    return out


def to_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """CSV text of a table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


# --- maturity -----------------------------------------------------------------------------------------


def maturity_overview(*, user: Actor) -> list[dict[str, Any]]:
    """Each org unit with its latest two assessments' average score and average gap."""
    assessments = (
        MaturityAssessment.objects.restrict(user, "view")
        .select_related("org_unit", "assessed_by")
        .prefetch_related("scores")
    )
    by_unit: dict[int, list[MaturityAssessment]] = {}
    for a in assessments:
        by_unit.setdefault(a.org_unit_id, []).append(a)
    units = OrgUnit.objects.restrict(user, "view").order_by("name")
    out = []
    for unit in units:
        history = by_unit.get(unit.pk, [])
        latest = history[0] if history else None
        scores = list(latest.scores.all()) if latest else []
        out.append(
            {
                "unit": unit,
                "latest": latest,
                "previous": history[1] if len(history) > 1 else None,
                "count": len(history),
                "average": sum(s.score for s in scores) / len(scores) if scores else None,
                "gap": sum(max(s.target - s.score, 0) for s in scores),
            }
        )
    return out


def maturity_scores(assessment: MaturityAssessment) -> list[MaturityScore]:
    return list(assessment.scores.select_related("area"))


def gap_list(assessment: MaturityAssessment) -> list[MaturityScore]:
    """The areas below target, biggest gap first."""
    return sorted(
        (s for s in maturity_scores(assessment) if s.gap > 0),
        key=lambda s: (-s.gap, s.area.order, s.area.name),
    )


def unit_history(assessment: MaturityAssessment, *, user: Actor) -> list[MaturityAssessment]:
    return list(
        MaturityAssessment.objects.restrict(user, "view")
        .filter(org_unit_id=assessment.org_unit_id)
        .prefetch_related("scores__area")
        .order_by("assessed_on")
    )


_DORA = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time")


def delivery_evidence(service_ids: list[int], *, days: int) -> dict[int, dict[str, Any]]:
    """How each service has delivered in the last `days` days — DORA's four keys with their levels, from
    the records of deployments, commits and incidents — as evidence for a reclassification proposal:
    {service id: {metric: {value, level, count}, "days": days}}. Services without deployments are
    absent. One computation for all of them (implements `portfolio.hooks.delivery_evidence`)."""
    if not service_ids:
        return {}
    scope = Scope.last_days(days, group="service", service_ids=tuple(service_ids))
    out = {}
    for row in dora_table(scope):
        figures = {name: row[name] for name in _DORA}
        if not figures["deployment_frequency"].count:
            continue
        out[row["key"]] = {
            "days": days,
            **{
                name: {"value": f.value, "level": str(f.level), "count": f.count, **(f.extra or {})}
                for name, f in figures.items()
            },
        }
    return out

"""DORA's four keys for production deployments, with the 2023 report's levels as Apache DevLake's DORA
dashboard (grafana/dashboards/DORA.json, v1.0.3) benchmarks them. All figures are set-based SQL; see
docs/insights.md for the definitions table. Two sets of definitions (`Scope.definitions`):

"bimodal" (the default):
- Deployment frequency: the median number of deployment days (days with at least one successful
  production deployment) per calendar week and per calendar month of the period, weeks and months
  without a deployment counting as 0. Elite ≥ 5 days a week, high ≥ 1 a week, medium ≥ 1 a month.
- Lead time for changes: for each commit of a successful production deployment, the time from its
  authoring to the finish of the first successful production deployment containing it; the median.
  Commits authored after that deployment finished are left out (and counted as a data-quality
  signal). Elite < 1 day, high < 1 week, medium < 30 days.
- Change failure rate: the share of production deployments finished in the period that failed — the
  deployment itself failed or was rolled back, or an incident is attributed to it (an incident is
  attributed to the latest successful production deployment of its service finished strictly before
  it was opened; several incidents on one deployment count once). Elite ≤ 5 %, high ≤ 10 %,
  medium ≤ 15 %.
- Failed-deployment recovery time: for each deployment with attributed incidents, all resolved, the
  time from the deployment's finish to the last of those resolutions; the median. Elite < 1 hour,
  high < 1 day, medium < 1 week.

"devlake" (Apache DevLake compatible): the same attribution and levels, but the change failure rate is
over successful deployments only, recovery time is per incident (deployment finish → the incident's
resolution, incidents resolved in the period), lead time is per merged pull request (its first commit
→ the first production deployment containing its merge commit), and every median of an even count is
the lower middle value.
"""

from __future__ import annotations

from dataclasses import dataclass

from bimodal.insights.choices import Level
from bimodal.insights.metrics import sources, sql
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.services import dora_facts_refresh

DAY = 86_400
HOUR = 3_600
FINISHED = ("succeeded", "failed", "rolled_back")


# --- levels -------------------------------------------------------------------------------------------


def frequency_level(days_per_week: float | None, days_per_month: float | None) -> str:
    """2023 level of deployment frequency from median deployment days per week / per month."""
    if days_per_week is None or days_per_month is None:
        return Level.NONE
    if days_per_week >= 5:  # DevLake DORA.json, 2023 report: "On-demand(elite)" at ≥ 5 days a week
        return Level.ELITE
    if days_per_week >= 1:
        return Level.HIGH
    if days_per_month >= 1:
        return Level.MEDIUM
    return Level.LOW


def lead_time_level(seconds: float | None) -> str:
    """2023 level of the median lead time for changes."""
    if seconds is None:
        return Level.NONE
    if seconds < DAY:
        return Level.ELITE
    if seconds < 7 * DAY:
        return Level.HIGH
    if seconds < 30 * DAY:
        return Level.MEDIUM
    return Level.LOW


def failure_rate_level(rate: float | None) -> str:
    """2023 level of the change failure rate (0–1)."""
    if rate is None:
        return Level.NONE
    if rate <= 0.05:
        return Level.ELITE
    if rate <= 0.10:
        return Level.HIGH
    if rate <= 0.15:
        return Level.MEDIUM
    return Level.LOW


def recovery_level(seconds: float | None) -> str:
    """2023 level of the median failed-deployment recovery time."""
    if seconds is None:
        return Level.NONE
    if seconds < HOUR:
        return Level.ELITE
    if seconds < DAY:
        return Level.HIGH
    if seconds < 7 * DAY:
        return Level.MEDIUM
    return Level.LOW


# --- the record-level queries (the drill-downs list these rows) ----------------------------------------


def deployment_rows(scope: Scope, *, statuses=("succeeded",)) -> tuple[str, list]:
    """Production deployments finished in the period: g, deployment_id, service_id, status, finished_at."""
    where, params = scope.service_filter()
    marks = ", ".join(["%s"] * len(statuses))
    text = (
        f"SELECT {scope.group_sql()} AS g, d.id AS deployment_id, d.service_id, d.status, d.finished_at "
        f"FROM {sources.deployment()} d JOIN {sources.service()} s ON s.id = d.service_id "
        f"WHERE d.environment = 'production' AND d.status IN ({marks}) "
        f"AND d.finished_at >= %s AND d.finished_at < %s{where}"
    )
    return text, [*statuses, *scope.period_params(), *params]


def lead_time_rows(scope: Scope, *, direct: bool = False) -> tuple[str, list]:
    """One row per commit first deployed to production in the period: g, commit_id, service_id,
    authored_at, deployed_at, lead_seconds. Read from the CommitLead facts (call `refresh()` first);
    `direct` derives the same rows from the deployment commits. Commits authored after their
    deployment finished (a negative lead time: a wrong clock or a rewritten history) are left out;
    `negative_lead_rows` lists them."""
    return _commit_lead_rows(scope, direct=direct, keep="x.authored_at <= x.deployed_at")


def negative_lead_rows(scope: Scope) -> tuple[str, list]:
    """The commits first deployed in the period that were authored after that deployment finished
    (left out of the lead time): same columns as `lead_time_rows`."""
    return _commit_lead_rows(scope, keep="x.authored_at > x.deployed_at")


def _commit_lead_rows(scope: Scope, *, keep: str, direct: bool = False) -> tuple[str, list]:
    where, params = scope.service_filter()
    if not direct:
        text = (
            f"SELECT {scope.group_sql()} AS g, x.commit_id, x.service_id, x.authored_at, x.deployed_at, "
            f"x.lead_seconds FROM insights_commitlead x JOIN {sources.service()} s ON s.id = x.service_id "
            f"WHERE x.deployed_at >= %s AND x.deployed_at < %s AND {keep}{where}"
        )
        return text, [*scope.period_params(), *params]
    # The commit's authored time is carried through the per-commit group (MIN of one value), so the
    # commits are joined while hashing the deployment commits rather than probed once per group.
    text = (
        f"SELECT {scope.group_sql()} AS g, x.commit_id, x.service_id, x.authored_at, x.deployed_at, "
        f"{sql.epoch('x.deployed_at')} - {sql.epoch('x.authored_at')} AS lead_seconds "
        "FROM (SELECT dc.commit_id, d.service_id, MIN(d.finished_at) AS deployed_at, "
        "MIN(c.authored_at) AS authored_at "
        f"FROM {sources.deployment_commit()} dc JOIN {sources.deployment()} d ON d.id = dc.deployment_id "
        f"JOIN {sources.commit()} c ON c.id = dc.commit_id "
        "WHERE d.environment = 'production' AND d.status = 'succeeded' AND d.finished_at IS NOT NULL "
        "GROUP BY dc.commit_id, d.service_id) x "
        f"JOIN {sources.service()} s ON s.id = x.service_id "
        f"WHERE x.deployed_at >= %s AND x.deployed_at < %s AND {keep}{where}"
    )
    return text, [*scope.period_params(), *params]


def pull_request_lead_rows(scope: Scope) -> tuple[str, list]:
    """Apache DevLake's change lead time (dora plugin, change_lead_time_calculator.go, v1.0.3): one row
    per merged pull request whose merge commit reached production in the period: g, pull_request_id,
    number, service_id, first_commit_at (its first commit's authored time; the request's creation
    when unknown), deployed_at (the first successful production deployment containing the merge
    commit, from the CommitLead facts), lead_seconds. Requests whose first commit is later than that
    deployment are left out (DevLake drops negative spans)."""
    where, params = scope.service_filter()
    first = "COALESCE(pr.first_commit_at, pr.created_at)"
    text = (
        f"SELECT {scope.group_sql()} AS g, pr.id AS pull_request_id, pr.number, x.service_id, "
        f"{first} AS first_commit_at, x.deployed_at, "
        f"{sql.epoch('x.deployed_at')} - {sql.epoch(first)} AS lead_seconds "
        f"FROM insights_commitlead x JOIN {sources.commit()} c ON c.id = x.commit_id "
        f"JOIN {sources.pull_request()} pr ON pr.repository_id = c.repository_id "
        "AND pr.merge_commit_sha = c.sha "
        f"JOIN {sources.service()} s ON s.id = x.service_id "
        "WHERE pr.merged_at IS NOT NULL AND x.deployed_at >= %s AND x.deployed_at < %s "
        f"AND {first} <= x.deployed_at{where}"
    )
    return text, [*scope.period_params(), *params]


def failure_rows(scope: Scope, *, direct: bool = False) -> tuple[str, list]:
    """One row per finished production deployment of the period: g, deployment_id, service_id, status,
    finished_at, incidents, unresolved, resolved_at, failed (0/1), recovery_seconds (NULL unless all
    its incidents are resolved). Incidents are attributed by the IncidentAttribution facts (call
    `refresh()` first); `direct` attributes them here, from the deployments and tickets. Under DevLake's
    definitions only successful deployments count (failed = an incident is attributed to it)."""
    deployments, dep_params = deployment_rows(scope, statuses=("succeeded",) if scope.devlake else FINISHED)
    where, params = scope.service_filter()
    start = sql.param(scope.start)
    if not direct:
        attributed = (
            "SELECT 1 AS kind, t.resolved_at, a.deployment_id FROM insights_incidentattribution a "
            f"JOIN {sources.ticket()} t ON t.id = a.ticket_id WHERE t.ticket_type = 'incident' "
            "AND t.status <> 'cancelled' AND t.opened_at >= %s"
        )
        return _failure_select(deployments, f"att AS ({attributed})"), [*dep_params, start]
    # Attribution in one ordered pass per service instead of one index probe per incident: the
    # successful production deployments finished since the period start and the incidents opened since
    # then, in time order (an incident before a deployment finishing at the same instant: attribution
    # takes deployments finished strictly before the incident); the running count of
    # deployments numbers each deployment and tells every incident the number of the latest one before
    # it. Incidents whose latest deployment finished before the period start get number 0 (the old
    # deployment is not in the period, so nothing here). The deployment heading each number is the one
    # its incidents are attributed to.
    events = (
        "SELECT d.service_id, d.finished_at AS at, 0 AS kind, d.id AS deployment_id, NULL AS resolved_at "
        f"FROM {sources.deployment()} d JOIN {sources.service()} s ON s.id = d.service_id "
        "WHERE d.environment = 'production' AND d.status = 'succeeded' "
        f"AND d.finished_at >= %s{where} "
        "UNION ALL SELECT t.service_id, t.opened_at, 1, NULL, t.resolved_at "
        f"FROM {sources.ticket()} t JOIN {sources.service()} s ON s.id = t.service_id "
        f"WHERE t.ticket_type = 'incident' AND t.status <> 'cancelled' AND t.opened_at >= %s{where}"
    )
    numbered = (
        "SELECT service_id, kind, deployment_id, resolved_at, COUNT(deployment_id) OVER (PARTITION BY "
        "service_id ORDER BY at, kind DESC, deployment_id ROWS UNBOUNDED PRECEDING) AS n FROM ev"
    )
    attributed = (
        "SELECT kind, resolved_at, FIRST_VALUE(deployment_id) OVER (PARTITION BY service_id, n "
        "ORDER BY kind) AS deployment_id FROM seq"
    )
    ctes = f"ev AS ({events}), seq AS ({numbered}), att AS ({attributed})"
    return _failure_select(deployments, ctes), [*dep_params, start, *params, start, *params]


def _failure_select(deployments: str, ctes: str) -> str:
    """The failure rows from `att` (kind 1 rows: an incident's resolved_at and deployment_id)."""
    return (
        f"WITH dep AS ({deployments}), {ctes}, "
        "hit AS (SELECT deployment_id, COUNT(*) AS incidents, MAX(resolved_at) AS resolved_at, "
        "SUM(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END) AS unresolved FROM att "
        "WHERE kind = 1 AND deployment_id IS NOT NULL GROUP BY deployment_id) "
        "SELECT dep.g, dep.deployment_id, dep.service_id, dep.status, dep.finished_at, "
        "COALESCE(hit.incidents, 0) AS incidents, COALESCE(hit.unresolved, 0) AS unresolved, hit.resolved_at, "
        "CASE WHEN dep.status <> 'succeeded' OR hit.deployment_id IS NOT NULL THEN 1 ELSE 0 END AS failed, "
        f"CASE WHEN hit.deployment_id IS NOT NULL AND hit.unresolved = 0 THEN "
        f"{sql.epoch('hit.resolved_at')} - {sql.epoch('dep.finished_at')} END AS recovery_seconds "
        "FROM dep LEFT JOIN hit ON hit.deployment_id = dep.deployment_id"
    )


def recovery_incident_rows(scope: Scope) -> tuple[str, list]:
    """Apache DevLake's failed-deployment recovery time (DORA.json v1.0.3, "Failed deployment recovery
    time", 2023 report): one row per incident resolved in the period and attributed to a successful
    production deployment finished in the period: g, ticket_id, deployment_id, service_id,
    finished_at, opened_at, resolved_at, recovery_seconds (deployment finish → the incident's
    resolution). Reads the IncidentAttribution facts (call `refresh()` first)."""
    deployments, dep_params = deployment_rows(scope)
    text = (
        f"WITH dep AS ({deployments}) SELECT dep.g, t.id AS ticket_id, dep.deployment_id, dep.service_id, "
        "dep.finished_at, t.opened_at, t.resolved_at, "
        f"{sql.epoch('t.resolved_at')} - {sql.epoch('dep.finished_at')} AS recovery_seconds "
        "FROM insights_incidentattribution a JOIN dep ON dep.deployment_id = a.deployment_id "
        f"JOIN {sources.ticket()} t ON t.id = a.ticket_id WHERE t.ticket_type = 'incident' "
        "AND t.status <> 'cancelled' AND t.resolved_at >= %s AND t.resolved_at < %s"
    )
    return text, [*dep_params, *scope.period_params()]


def refresh() -> None:
    """Bring the facts the lead time and failure rows read up to date (cheap when nothing changed)."""

    dora_facts_refresh()


# --- the figures ----------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One metric of one group: its value, level and the counts behind it."""

    value: float | None
    level: str
    count: int = 0
    extra: dict | None = None


def _buckets(scope: Scope) -> tuple[int, int]:
    """Calendar weeks and months (partial ones included) that the period touches, in the organisation's
    time zone (`sql.buckets`)."""
    _, (first_week, last_week), (first_month, last_month) = sql.buckets(scope.start, scope.end)
    return max(last_week - first_week + 1, 1), max(last_month - first_month + 1, 1)


def _zero_filled_median(unit_sql: str, total: int, *, lower: bool = False) -> str:
    """Median per g of `unit_sql` (g, c: deployment days per bucket, only buckets with any) over `total`
    buckets, the missing ones counting as 0: the k values sit at sorted positions total − k + rn.
    `lower` takes the lower middle value of an even count (DevLake) instead of the mean of the two."""
    lo, hi = (total + 1) // 2, (total + 2) // 2
    hi = lo if lower else hi
    return (
        f"SELECT g, MAX(k) AS buckets_deployed, SUM(c) AS days, "
        f"(SUM(CASE WHEN rn + {total} - k = {lo} THEN c ELSE 0 END) "
        f"+ SUM(CASE WHEN rn + {total} - k = {hi} THEN c ELSE 0 END)) / 2.0 AS median "
        f"FROM (SELECT g, c, ROW_NUMBER() OVER (PARTITION BY g ORDER BY c) AS rn, "
        f"COUNT(*) OVER (PARTITION BY g) AS k FROM ({unit_sql}) u) r GROUP BY g"
    )


@sql.tuned()
def deployment_frequency(scope: Scope) -> dict:
    """Per group: median deployment days per week and per month, deployments and deployment days."""
    rows, params = deployment_rows(scope)
    # One pass over the deployments: per group and local day (the organisation's time zone), how many;
    # weeks and months are derived from the (few) deployment days, not from every deployment.
    day, day_params = sql.local_day("x.finished_at", scope.start, scope.end)
    params = [*day_params, *params]
    days = (
        f"SELECT g, day, n, {sql.month_of_day('day')} AS month FROM (SELECT g, day, COUNT(*) AS n FROM "
        f"(SELECT x.g, {day} AS day FROM ({rows}) x) z GROUP BY g, day) y"
    )
    weeks_n, months_n = _buckets(scope)
    weekly = "SELECT g, (day + 3) / 7 AS b, COUNT(*) AS c FROM days GROUP BY g, (day + 3) / 7"
    monthly = "SELECT g, month AS b, COUNT(*) AS c FROM days GROUP BY g, month"
    lower = scope.devlake
    text = (
        f"WITH days AS ({days}) "
        f"SELECT 'week' AS unit, w.* FROM ({_zero_filled_median(weekly, weeks_n, lower=lower)}) w "
        f"UNION ALL SELECT 'month' AS unit, m.* FROM ({_zero_filled_median(monthly, months_n, lower=lower)}) m "
        "UNION ALL SELECT 'count' AS unit, g, 0, SUM(n), 0 FROM days GROUP BY g"
    )
    out: dict = {}
    for row in sql.fetch(text, params):
        out.setdefault(row["g"], {})[row["unit"]] = row
    counts = {g: int(units["count"]["days"]) for g, units in out.items()}
    figures = {}
    for g, units in out.items():
        week, month = float(units["week"]["median"]), float(units["month"]["median"])
        figures[g] = Figure(
            value=week,
            level=frequency_level(week, month),
            count=counts.get(g, 0),
            extra={
                "days_per_week": week,
                "days_per_month": month,
                "deployment_days": int(units["week"]["days"]),
                "weeks": weeks_n,
                "months": months_n,
            },
        )
    return figures


@sql.tuned()
def lead_time(scope: Scope, *, fresh: bool = False) -> dict:
    """Per group: median (and p90) lead time in seconds over the commits deployed in the period (DevLake:
    over the pull requests, lower median)."""
    if not fresh:
        refresh()
    rows, params = pull_request_lead_rows(scope) if scope.devlake else lead_time_rows(scope)
    out = {}
    source = f"SELECT g, lead_seconds FROM ({rows}) x"
    for row in sql.percentiles(
        source, params, groups=["g"], values=["lead_seconds"], lower_median=scope.devlake
    ):
        median = float(row["p50_lead_seconds"])
        out[row["g"]] = Figure(
            value=median,
            level=lead_time_level(median),
            count=row["n"],
            extra={"p90": float(row["p90_lead_seconds"])},
        )
    return out


@sql.tuned()
def change_failure_rate(scope: Scope, *, fresh: bool = False) -> dict:
    """Per group: failed deployments / production deployments finished in the period."""
    if not fresh:
        refresh()
    rows, params = failure_rows(scope)
    out = {}
    for row in sql.fetch(
        f"SELECT g, COUNT(*) AS n, SUM(failed) AS failed, SUM(CASE WHEN incidents > 0 THEN 1 ELSE 0 END) "
        f"AS with_incidents FROM ({rows}) x GROUP BY g",
        params,
    ):
        rate = row["failed"] / row["n"] if row["n"] else None
        out[row["g"]] = Figure(
            value=rate,
            level=failure_rate_level(rate),
            count=row["n"],
            extra={"failed": int(row["failed"]), "with_incidents": int(row["with_incidents"])},
        )
    return out


@sql.tuned()
def recovery_time(scope: Scope, *, fresh: bool = False) -> dict:
    """Per group: median (and p90) deployment finish → resolution of its incidents, in seconds (DevLake:
    per incident, lower median)."""
    if not fresh:
        refresh()
    rows, params = recovery_incident_rows(scope) if scope.devlake else failure_rows(scope)
    source = f"SELECT g, recovery_seconds FROM ({rows}) x WHERE recovery_seconds IS NOT NULL"
    out = {}
    for row in sql.percentiles(
        source, params, groups=["g"], values=["recovery_seconds"], lower_median=scope.devlake
    ):
        median = float(row["p50_recovery_seconds"])
        out[row["g"]] = Figure(
            value=median,
            level=recovery_level(median),
            count=row["n"],
            extra={"p90": float(row["p90_recovery_seconds"])},
        )
    return out


METRICS = {
    "deployment_frequency": deployment_frequency,
    "lead_time": lead_time,
    "change_failure_rate": change_failure_rate,
    "recovery_time": recovery_time,
}
NO_DATA = Figure(value=None, level=Level.NONE)


@sql.tuned()
def _failures_once(scope: Scope, *, fresh: bool = False) -> tuple[dict, dict]:
    """Change failure rate and recovery time from one pass over the failure rows (PostgreSQL:
    percentile_cont skips the NULL recovery times of deployments without incidents)."""
    if not fresh:
        refresh()
    rows, params = failure_rows(scope)
    cfr, recovery = {}, {}
    for r in sql.fetch(
        "SELECT g, COUNT(*) AS n, SUM(failed) AS failed, SUM(CASE WHEN incidents > 0 THEN 1 ELSE 0 END) "
        "AS with_incidents, COUNT(recovery_seconds) AS recovered, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY recovery_seconds) AS p50, "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY recovery_seconds) AS p90 FROM ({rows}) x GROUP BY g",
        params,
    ):
        rate = r["failed"] / r["n"]
        cfr[r["g"]] = Figure(
            value=rate,
            level=failure_rate_level(rate),
            count=r["n"],
            extra={"failed": int(r["failed"]), "with_incidents": int(r["with_incidents"])},
        )
        if r["recovered"]:
            median = float(r["p50"])
            recovery[r["g"]] = Figure(
                value=median,
                level=recovery_level(median),
                count=r["recovered"],
                extra={"p90": float(r["p90"])},
            )
    return cfr, recovery


def compute(scope: Scope) -> dict:
    """All four keys per group: {g: {metric: Figure}} (a metric without data is NO_DATA). The facts are
    brought up to date first; the metrics are then independent queries, run side by side where the
    database allows (`sql.side_by_side`)."""
    refresh()
    tasks = {
        "deployment_frequency": lambda: deployment_frequency(scope),
        "lead_time": lambda: lead_time(scope, fresh=True),
    }
    if sql.vendor() == "postgresql" and not scope.devlake:
        tasks["failures"] = lambda: _failures_once(scope, fresh=True)
    else:
        tasks["change_failure_rate"] = lambda: change_failure_rate(scope, fresh=True)
        tasks["recovery_time"] = lambda: recovery_time(scope, fresh=True)
    results = sql.side_by_side(tasks)
    if "failures" in results:
        results["change_failure_rate"], results["recovery_time"] = results.pop("failures")
    groups = set().union(*[set(r) for r in results.values()])
    return {g: {name: results[name].get(g, NO_DATA) for name in METRICS} for g in groups}

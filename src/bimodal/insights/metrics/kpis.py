"""Mode 1 KPIs, set-based: change success rate, emergency-change ratio, changes in freeze, SLA
attainment, MTTR by priority, availability from major-incident downtime, backlog age; and customer
satisfaction (CSAT), which every mode is measured by.

Change figures come from the transition log (when a change was raised, implemented, finished);
ticket figures from the tickets and SLA clocks. See docs/insights.md for the definitions."""

from __future__ import annotations

from decimal import Decimal

from bimodal.insights.metrics import sources, sql
from bimodal.insights.metrics.scope import Scope

# Availability target (percent) by criticality tier when a service sets none.
DEFAULT_AVAILABILITY = {
    0: Decimal("99.950"),
    1: Decimal("99.900"),
    2: Decimal("99.500"),
    3: Decimal("99.000"),
}
OPEN_TICKET_STATUSES = ("new", "awaiting_approval", "in_progress", "awaiting_customer", "awaiting_supplier")


def _transitions(scope: Scope, condition: str, params: list) -> tuple[str, list]:
    where, filter_params = scope.service_filter()
    text = (
        f"SELECT {scope.group_sql()} AS g, t.id AS transition_id, t.object_id, t.reference, t.kind, "
        "t.from_state, t.to_state, t.at, t.service_id "
        f"FROM insights_transition t JOIN {sources.service()} s ON s.id = t.service_id "
        f"WHERE t.stream = 'change' AND t.at >= %s AND t.at < %s AND ({condition}){where}"
    )
    return text, [*scope.period_params(), *params, *filter_params]


def finished_change_rows(scope: Scope) -> tuple[str, list]:
    """Changes that finished (completed, failed, backed out) in the period."""
    return _transitions(scope, "t.to_state IN ('completed', 'failed', 'backed_out')", [])


def raised_change_rows(scope: Scope) -> tuple[str, list]:
    """Changes raised in the period: submitted from draft, or created past draft (e.g. by the gate)."""
    return _transitions(
        scope,
        "(t.from_state = 'draft' AND t.to_state = 'submitted') "
        "OR (t.from_state = '' AND t.to_state NOT IN ('draft', 'cancelled'))",
        [],
    )


def implemented_change_rows(scope: Scope) -> tuple[str, list]:
    """Changes that started implementation in the period, with in_freeze = 1 when a freeze covering
    their service (by service, by mode, or estate-wide) was in force at that moment."""
    rows, params = _transitions(scope, "t.to_state = 'implementing'", [])
    freeze = (
        f"SELECT 1 FROM {sources.change_window()} w WHERE w.kind = 'freeze' AND w.start <= x.at AND w.\"end\" > x.at "
        f"AND (EXISTS (SELECT 1 FROM {sources.window_service()} ws WHERE ws.changewindow_id = w.id "
        "AND ws.service_id = x.service_id) "
        f"OR EXISTS (SELECT 1 FROM {sources.window_mode()} wm JOIN {sources.service()} s2 "
        "ON s2.mode_id = wm.mode_id WHERE wm.changewindow_id = w.id AND s2.id = x.service_id) "
        f"OR (NOT EXISTS (SELECT 1 FROM {sources.window_service()} ws2 WHERE ws2.changewindow_id = w.id) "
        f"AND NOT EXISTS (SELECT 1 FROM {sources.window_mode()} wm2 WHERE wm2.changewindow_id = w.id)))"
    )
    text = f"SELECT x.*, CASE WHEN EXISTS ({freeze}) THEN 1 ELSE 0 END AS in_freeze FROM ({rows}) x"
    return text, params


def change_success(scope: Scope) -> dict:
    """Per group: finished changes, completed ones and the success rate."""
    rows, params = finished_change_rows(scope)
    out = {}
    for r in sql.fetch(
        f"SELECT g, COUNT(*) AS n, SUM(CASE WHEN to_state = 'completed' THEN 1 ELSE 0 END) AS ok "
        f"FROM ({rows}) x GROUP BY g",
        params,
    ):
        out[r["g"]] = {"finished": r["n"], "completed": int(r["ok"]), "rate": r["ok"] / r["n"]}
    return out


def emergency_ratio(scope: Scope) -> dict:
    """Per group: changes raised, emergency ones and their share."""
    rows, params = raised_change_rows(scope)
    out = {}
    for r in sql.fetch(
        f"SELECT g, COUNT(*) AS n, SUM(CASE WHEN kind = 'emergency' THEN 1 ELSE 0 END) AS em "
        f"FROM ({rows}) x GROUP BY g",
        params,
    ):
        out[r["g"]] = {"raised": r["n"], "emergency": int(r["em"]), "ratio": r["em"] / r["n"]}
    return out


def changes_in_freeze(scope: Scope) -> dict:
    """Per group: changes implemented, those implemented during a freeze, and the share."""
    rows, params = implemented_change_rows(scope)
    out = {}
    for r in sql.fetch(
        f"SELECT g, COUNT(*) AS n, SUM(in_freeze) AS frozen FROM ({rows}) y GROUP BY g", params
    ):
        out[r["g"]] = {"implemented": r["n"], "in_freeze": int(r["frozen"]), "ratio": r["frozen"] / r["n"]}
    return out


def sla_rows(scope: Scope) -> tuple[str, list]:
    """SLA clocks that stopped in the period, met or breached."""
    where, params = scope.service_filter()
    text = (
        f"SELECT {scope.group_sql()} AS g, i.id AS sla_id, i.ticket_id, tk.number, i.target, i.state, "
        f"i.stopped_at FROM {sources.sla_clock()} i JOIN {sources.ticket()} tk ON tk.id = i.ticket_id "
        f"JOIN {sources.service()} s ON s.id = tk.service_id "
        f"WHERE i.state IN ('met', 'breached') AND i.stopped_at >= %s AND i.stopped_at < %s{where}"
    )
    return text, [*scope.period_params(), *params]


def sla_attainment(scope: Scope) -> dict:
    """Per group and target (response / resolution): clocks stopped, met, attainment."""
    rows, params = sla_rows(scope)
    out: dict = {}
    for r in sql.fetch(
        f"SELECT g, target, COUNT(*) AS n, SUM(CASE WHEN state = 'met' THEN 1 ELSE 0 END) AS met "
        f"FROM ({rows}) x GROUP BY g, target",
        params,
    ):
        out.setdefault(r["g"], {})[r["target"]] = {
            "stopped": r["n"],
            "met": int(r["met"]),
            "attainment": r["met"] / r["n"],
        }
    return out


# A rating of 4 or 5 (of 5) counts as satisfied: the usual CSAT definition (docs/servicedesk.md).
SATISFIED_FROM = 4


def csat(scope: Scope) -> dict:
    """Per group: customer satisfaction. Answers given in the period (count, average rating, CSAT = the
    share rated 4 or 5) and tickets resolved in the period (count, those with an answer, response rate)."""
    where, params = scope.service_filter()
    answers = (
        f"SELECT {scope.group_sql()} AS g, r.rating FROM {sources.satisfaction()} r "
        f"JOIN {sources.ticket()} tk ON tk.id = r.ticket_id JOIN {sources.service()} s ON s.id = tk.service_id "
        f"WHERE r.answered_at >= %s AND r.answered_at < %s{where}"
    )
    resolved = (
        f"SELECT {scope.group_sql()} AS g, CASE WHEN EXISTS (SELECT 1 FROM {sources.satisfaction()} r "
        "WHERE r.ticket_id = tk.id) THEN 1 ELSE 0 END AS rated "
        f"FROM {sources.ticket()} tk JOIN {sources.service()} s ON s.id = tk.service_id "
        f"WHERE tk.resolved_at >= %s AND tk.resolved_at < %s{where}"
    )
    out: dict = {}
    empty = {
        "responses": 0,
        "average": None,
        "csat": None,
        "resolved": 0,
        "answered": 0,
        "response_rate": None,
    }
    for r in sql.fetch(
        f"SELECT g, COUNT(*) AS n, SUM(rating) AS total, "
        f"SUM(CASE WHEN rating >= {SATISFIED_FROM} THEN 1 ELSE 0 END) AS good FROM ({answers}) x GROUP BY g",
        [*scope.period_params(), *params],
    ):
        out[r["g"]] = {
            **empty,
            "responses": r["n"],
            "satisfied": int(r["good"]),
            "average": r["total"] / r["n"],
            "csat": r["good"] / r["n"],
        }
    for r in sql.fetch(
        f"SELECT g, COUNT(*) AS n, SUM(rated) AS rated FROM ({resolved}) y GROUP BY g",
        [*scope.period_params(), *params],
    ):
        row = out.setdefault(r["g"], {**empty, "satisfied": 0})
        row.update(resolved=r["n"], answered=int(r["rated"]), response_rate=r["rated"] / r["n"])
    return out


def resolved_incident_rows(scope: Scope) -> tuple[str, list]:
    """Incidents resolved in the period with their time to resolve (wall clock seconds)."""
    where, params = scope.service_filter()
    text = (
        f"SELECT {scope.group_sql()} AS g, t.id AS ticket_id, t.number, t.priority, t.opened_at, "
        f"t.resolved_at, {sql.epoch('t.resolved_at')} - {sql.epoch('t.opened_at')} AS seconds "
        f"FROM {sources.ticket()} t JOIN {sources.service()} s ON s.id = t.service_id "
        f"WHERE t.ticket_type = 'incident' AND t.resolved_at >= %s AND t.resolved_at < %s{where}"
    )
    return text, [*scope.period_params(), *params]


def mttr_by_priority(scope: Scope) -> dict:
    """Per group and priority: incidents resolved, mean, median and p90 time to restore (seconds)."""
    rows, params = resolved_incident_rows(scope)
    out: dict = {}
    for r in sql.percentiles(rows, params, groups=["g", "priority"], values=["seconds"]):
        out.setdefault(r["g"], {})[r["priority"]] = {
            "resolved": r["n"],
            "mean": float(r["total_seconds"]) / r["n"],
            "median": float(r["p50_seconds"]),
            "p90": float(r["p90_seconds"]),
        }
    return out


def availability(scope: Scope) -> list[dict]:
    """Per service in scope: major-incident downtime in the period (overlapping incidents merged),
    availability % and its target (the service's, else the default of its criticality tier)."""
    where, params = scope.service_filter()
    a, b = scope.start.timestamp(), scope.end.timestamp()
    opened = sql.greatest(sql.epoch("t.opened_at"), "%s")
    closed = sql.least(f"COALESCE({sql.epoch('t.resolved_at')}, %s)", "%s")
    previous_end = (
        "MAX(b) OVER (PARTITION BY sid ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    )
    text = (
        f"WITH iv AS (SELECT t.service_id AS sid, {opened} AS a, {closed} AS b FROM {sources.ticket()} t "
        f"JOIN {sources.service()} s ON s.id = t.service_id WHERE t.ticket_type = 'incident' AND t.major_incident "
        "AND t.status <> 'cancelled' AND t.opened_at < %s AND (t.resolved_at IS NULL OR t.resolved_at > %s)"
        f"{where}), "
        f"flagged AS (SELECT sid, a, b, CASE WHEN {previous_end} IS NULL OR a > {previous_end} "
        "THEN 1 ELSE 0 END AS fresh FROM iv WHERE b > a), "
        "islands AS (SELECT sid, a, b, SUM(fresh) OVER (PARTITION BY sid ORDER BY a, b "
        "ROWS UNBOUNDED PRECEDING) AS island FROM flagged), "
        "down AS (SELECT sid, SUM(e - s0) AS downtime, COUNT(*) AS outages FROM "
        "(SELECT sid, island, MIN(a) AS s0, MAX(b) AS e FROM islands GROUP BY sid, island) x GROUP BY sid) "
        "SELECT s.id AS service_id, s.name, s.slug, s.criticality, s.availability_target, "
        "COALESCE(down.downtime, 0) AS downtime, COALESCE(down.outages, 0) AS outages "
        f"FROM {sources.service()} s LEFT JOIN down ON down.sid = s.id WHERE s.lifecycle = 'live'{where} "
        "ORDER BY s.name"
    )
    period = max(b - a, 1.0)
    rows = sql.fetch(
        text,
        [a, b, b, sql.param(scope.end), sql.param(scope.start), *params, *params],
    )
    for r in rows:
        target = r["availability_target"]
        r["target"] = (
            Decimal(str(target)) if target is not None else DEFAULT_AVAILABILITY.get(r["criticality"])
        )
        r["target_source"] = "service" if target is not None else "criticality default"
        r["downtime"] = float(r["downtime"])
        r["availability"] = 100.0 * (1 - r["downtime"] / period)
        r["met"] = r["availability"] >= float(r["target"])
    return rows


def backlog_rows(scope: Scope) -> tuple[str, list]:
    """Tickets open at the end of the period (opened before it), with their age in seconds."""
    where, params = scope.service_filter()
    marks = ", ".join(["%s"] * len(OPEN_TICKET_STATUSES))
    text = (
        f"SELECT {scope.group_sql()} AS g, t.id AS ticket_id, t.number, t.ticket_type, t.priority, "
        f"t.opened_at, %s - {sql.epoch('t.opened_at')} AS age "
        f"FROM {sources.ticket()} t JOIN {sources.service()} s ON s.id = t.service_id "
        f"WHERE t.status IN ({marks}) AND t.opened_at < %s{where}"
    )
    return text, [scope.end.timestamp(), *OPEN_TICKET_STATUSES, sql.param(scope.end), *params]


def backlog_age(scope: Scope) -> dict:
    """Per group and ticket type: open tickets, median and p90 age (seconds)."""
    rows, params = backlog_rows(scope)
    out: dict = {}
    for r in sql.percentiles(rows, params, groups=["g", "ticket_type"], values=["age"]):
        out.setdefault(r["g"], {})[r["ticket_type"]] = {
            "open": r["n"],
            "median": float(r["p50_age"]),
            "p90": float(r["p90_age"]),
        }
    return out


@sql.tuned()
def compute(scope: Scope) -> dict:
    """Every Mode 1 KPI for the scope (availability is per service), in one tuned transaction (no JIT,
    the statement time limit: sql.tuned)."""
    return {
        "change_success": change_success(scope),
        "emergency_ratio": emergency_ratio(scope),
        "changes_in_freeze": changes_in_freeze(scope),
        "sla_attainment": sla_attainment(scope),
        "mttr": mttr_by_priority(scope),
        "availability": availability(scope),
        "backlog": backlog_age(scope),
    }

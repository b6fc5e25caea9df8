"""Value-stream heat maps from the transition log, set-based: for each stage (time an object spends in a
state, summed over its visits), each step (state → next state, the performance directly-follows graph)
and each hand-off (between parties, and between the records of the stream: incident → problem →
change → deployment → resolution) the count, median and 90th percentile, wall clock and business time.

Detect to Correct covers incidents, problems, changes and production deployments; Request to Fulfil
covers service requests. The bottleneck is the stage where the most time goes (largest total)."""

from __future__ import annotations

from bimodal.changes.choices import ChangeStatus, DeploymentStatus
from bimodal.insights.choices import ValueStream
from bimodal.insights.metrics import sources, sql
from bimodal.insights.metrics.scope import Scope
from bimodal.servicedesk.choices import TicketStatus, TicketType

STREAMS = {
    ValueStream.DETECT_TO_CORRECT: (
        "(t.stream IN ('ticket', 'change') OR (t.stream = 'deployment' AND t.kind = 'production'))"
    ),
    ValueStream.REQUEST_TO_FULFIL: "t.stream = 'request'",
}
# The stage label of a state: incidents and problems by kind, changes and deployments by stream.
_OWNER = "CASE WHEN t.stream = 'ticket' THEN t.kind ELSE t.stream END"
VALUES = ["wall", "business"]


_OWNERS = {**dict(TicketType.choices), "change": "Change", "deployment": "Deployment"}
_STATES = {
    "change": dict(ChangeStatus.choices),
    "deployment": dict(DeploymentStatus.choices),
    **{kind: dict(TicketStatus.choices) for kind in TicketType.values},
}


def stage_label(key: str) -> str:
    """The human name of a stage key (`change:awaiting_approval` → "Change: awaiting approval")."""
    owner, _, state = key.partition(":")
    name = _STATES.get(owner, {}).get(state) or state.replace("_", " ").capitalize()
    return f"{_OWNERS.get(owner, owner.capitalize())}: {name[:1].lower()}{name[1:]}"


def _label(state: str) -> str:
    return f"({_OWNER} || ':' || {state})"


def _base(stream: str, scope: Scope) -> tuple[str, list]:
    where, params = scope.service_filter()
    text = (
        f"FROM insights_transition t JOIN {sources.service()} s ON s.id = t.service_id "
        f"WHERE {STREAMS[stream]} AND t.at >= %s AND t.at < %s{where}"
    )
    return text, [*scope.period_params(), *params]


def stage_rows(stream: str, scope: Scope) -> tuple[str, list]:
    """Per object and stage: the time it spent in that state (all its visits) within the period."""
    base, params = _base(stream, scope)
    text = (
        f"SELECT {_label('t.from_state')} AS stage, t.stream, t.object_id, MIN(t.reference) AS reference, "
        "SUM(t.wall_seconds) AS wall, SUM(t.business_seconds) AS business "
        f"{base} AND t.from_state <> '' "
        f"GROUP BY {_label('t.from_state')}, t.stream, t.object_id"
    )
    return text, params


def step_rows(stream: str, scope: Scope) -> tuple[str, list]:
    """Each state change in the period with the time since the previous one (the DFG's edges)."""
    base, params = _base(stream, scope)
    text = (
        f"SELECT {_label('t.from_state')} AS source, {_label('t.to_state')} AS target, t.id AS transition_id, "
        f"t.reference, t.wall_seconds AS wall, t.business_seconds AS business {base} AND t.from_state <> ''"
    )
    return text, params


def party_handoff_rows(stream: str, scope: Scope, *, direct: bool = False) -> tuple[str, list]:
    """Hand-offs between parties in the period, with the time the receiving party held the record
    before its next transition (in the period; hand-offs still waiting have no time and are left out).
    Read from the `next_*` each transition gets when its object's next one is written; `direct`
    derives them with a window over the log."""
    base, params = _base(stream, scope)
    handoff = "t.from_party <> t.party AND t.from_party <> '' AND t.party <> ''"
    if not direct:
        text = (
            "SELECT t.from_party AS source, t.party AS target, t.id AS transition_id, t.reference, "
            f"t.next_wall_seconds AS wall, t.next_business_seconds AS business {base} AND {handoff} "
            "AND t.next_at < %s"
        )
        return text, [*params, sql.param(scope.end)]
    text = (
        "SELECT * FROM (SELECT t.from_party AS source, t.party AS target, t.id AS transition_id, t.reference, "
        f"{handoff} AS handoff, "
        "LEAD(t.wall_seconds) OVER (PARTITION BY t.stream, t.object_id ORDER BY t.at, t.id) AS wall, "
        "LEAD(t.business_seconds) OVER (PARTITION BY t.stream, t.object_id ORDER BY t.at, t.id) AS business "
        f"{base}) h WHERE handoff AND wall IS NOT NULL"
    )
    return text, params


def link_handoff_rows(scope: Scope) -> tuple[str, list]:
    """Detect to Correct hand-offs between records: incident → problem, incident/problem → change,
    change → production deployment, deployment → incident resolved; the time between the two events
    (the later one in the period; negative gaps — the later record existed first — are left out)."""
    where, params = scope.service_filter()
    # Each record's opening, as a derived table joined where it is needed rather than a CTE: PostgreSQL
    # materialises a CTE named more than once and guesses one row for each filter over it, and then
    # re-scanned it in a nested loop once per row of the other side (tens of seconds at 100,000
    # events). Inline, the planner sees the table's statistics and the partial index of openings
    # (ins_tr_opened).
    op = "(SELECT stream, object_id, at, business_clock FROM insights_transition WHERE from_state = '')"
    resolved = (
        "SELECT object_id, MIN(at) AS at, MIN(business_clock) AS business_clock FROM insights_transition "
        "WHERE stream = 'ticket' AND to_state = 'resolved' GROUP BY object_id"
    )
    finished = (
        "SELECT object_id, MIN(at) AS at, MIN(business_clock) AS business_clock FROM insights_transition "
        "WHERE stream = 'deployment' AND to_state = 'succeeded' GROUP BY object_id"
    )
    pairs = [
        # (label, from-join, a alias, b alias)
        (
            "incident → problem",
            f"FROM {sources.ticket()} i JOIN {op} a ON a.stream = 'ticket' AND a.object_id = i.id "
            "JOIN {op} b ON b.stream = 'ticket' AND b.object_id = i.problem_id "
            f"JOIN {sources.service()} s ON s.id = i.service_id WHERE i.ticket_type = 'incident'",
        ),
        (
            "incident → change",
            f"FROM {sources.ticket_change()} m JOIN {sources.ticket()} i ON i.id = m.ticket_id "
            "JOIN {op} a ON a.stream = 'ticket' AND a.object_id = i.id "
            "JOIN {op} b ON b.stream = 'change' AND b.object_id = m.change_id "
            f"JOIN {sources.service()} s ON s.id = i.service_id WHERE i.ticket_type = 'incident'",
        ),
        (
            "problem → change",
            f"FROM {sources.ticket_change()} m JOIN {sources.ticket()} i ON i.id = m.ticket_id "
            "JOIN {op} a ON a.stream = 'ticket' AND a.object_id = i.id "
            "JOIN {op} b ON b.stream = 'change' AND b.object_id = m.change_id "
            f"JOIN {sources.service()} s ON s.id = i.service_id WHERE i.ticket_type = 'problem'",
        ),
        (
            "change → deployment",
            f"FROM {sources.deployment()} d JOIN {op} a ON a.stream = 'change' AND a.object_id = d.change_id "
            "JOIN {op} b ON b.stream = 'deployment' AND b.object_id = d.id "
            f"JOIN {sources.service()} s ON s.id = d.service_id WHERE d.environment = 'production'",
        ),
        (
            "deployment → resolved",
            f"FROM {sources.ticket_change()} m JOIN {sources.ticket()} i ON i.id = m.ticket_id "
            f"JOIN {sources.deployment()} d ON d.change_id = m.change_id AND d.environment = 'production' "
            "JOIN fin a ON a.object_id = d.id JOIN res b ON b.object_id = i.id "
            f"JOIN {sources.service()} s ON s.id = i.service_id WHERE i.ticket_type = 'incident'",
        ),
    ]
    selects, all_params = [], []
    for label, joins in pairs:
        joins = joins.replace("{op}", op)
        selects.append(
            f"SELECT '{label}' AS link, b.at AS at, {sql.epoch('b.at')} - {sql.epoch('a.at')} AS wall, "
            f"b.business_clock - a.business_clock AS business {joins} AND b.at >= %s AND b.at < %s{where}"
        )
        all_params += [*scope.period_params(), *params]
    text = (
        f"WITH res AS ({resolved}), fin AS ({finished}) "
        f"SELECT link, wall, business FROM ({' UNION ALL '.join(selects)}) u WHERE wall >= 0"
    )
    return text, all_params


def _stats(rows: list[dict], keys: list[str]) -> list[dict]:
    out = []
    for r in rows:
        item = {k: r[k] for k in keys}
        item["count"] = r["n"]
        for v in VALUES:
            item[f"total_{v}"] = float(r[f"total_{v}"] or 0)
            item[f"p50_{v}"] = float(r[f"p50_{v}"] or 0)
            item[f"p90_{v}"] = float(r[f"p90_{v}"] or 0)
        out.append(item)
    return out


def heatmap(stream: str, scope: Scope, *, force_window: bool = False, direct: bool = False) -> dict:
    """Stages, steps and hand-offs of a value stream with count, median and p90 (wall and business
    seconds), and the bottleneck stage. The four parts are independent queries, run side by side
    where the database allows (`sql.side_by_side`)."""
    kw = {"values": VALUES, "force_window": force_window}

    @sql.tuned()
    def part(rows: tuple[str, list], keys: list[str]) -> list[dict]:
        return _stats(sql.percentiles(*rows, groups=keys, **kw), keys)

    tasks = {
        "stages": lambda: part(stage_rows(stream, scope), ["stage"]),
        "steps": lambda: part(step_rows(stream, scope), ["source", "target"]),
        "handoffs": lambda: part(party_handoff_rows(stream, scope, direct=direct), ["source", "target"]),
    }
    if stream == ValueStream.DETECT_TO_CORRECT:
        tasks["links"] = lambda: part(link_handoff_rows(scope), ["link"])
    done = sql.side_by_side(tasks)
    stages, steps, handoffs = done["stages"], done["steps"], done["handoffs"]
    links = done.get("links", [])
    stages.sort(key=lambda s: s["stage"])
    steps.sort(key=lambda s: (s["source"], s["target"]))
    handoffs.sort(key=lambda s: -s["count"])
    bottleneck = max(stages, key=lambda s: s["total_wall"], default=None)
    return {
        "stream": stream,
        "stages": stages,
        "steps": steps,
        "handoffs": handoffs,
        "links": links,
        "bottleneck": bottleneck["stage"] if bottleneck else None,
    }

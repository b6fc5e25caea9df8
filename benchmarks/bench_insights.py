"""Benchmark of the insights metrics on PostgreSQL: DORA's four keys over 1,000,000 production
deployments and the Detect-to-Correct heat map over 1,000,000 ticket transitions, against pm4py's
performance directly-follows graph on the same event log, in the same run.

Creates (and drops at the end) its own database: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bimodal_bench_insights. Data is bulk-loaded with COPY: 200 services,
1,000,000 deployments over a year (92 % succeeded, 5 % failed, 3 % rolled back) each with one commit,
200,000 incidents with five transitions each (new → in progress → awaiting supplier → in progress →
resolved, a hand-off to a supplier queue on the way). The derived data is then written as
`bimodal insights-backfill` writes it (transition next-links, DORA facts), each step timed on its own.
Prints seconds per full computation (median of 3 runs; target < 2 s each), checksums of the results, a
check against the figures derived without the stored links/facts, and the heat map's ratio to
pm4py.discover_performance_dfg. BENCH_KEEP=1 keeps the database, BENCH_REUSE=1 reuses a kept one.
Run: `.venv/bin/python benchmarks/bench_insights.py [deployments] [tickets]`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

DEPLOYMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
TICKETS = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000  # × 5 transitions
SERVICES = 200
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bimodal_bench_insights")
START = datetime(2025, 1, 6, tzinfo=UTC)
DAYS = 365
REPEATS = 3
RNG = np.random.default_rng(7)


def _admin(sql: str) -> None:
    import psycopg

    parts = urlparse(URL)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _dbname() -> str:
    return urlparse(URL).path.lstrip("/")


def _copy(model, rows_columns: list[str], rows) -> None:
    """COPY rows into a model's table; other columns get their field default (or NULL)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = set(rows_columns)
    constants = {}
    for f in fields:
        if f.column in given or f.attname in given:
            continue
        if f.null:
            constants[f.column] = None
        elif f.has_default():
            value = f.get_default()
            constants[f.column] = (
                f.get_db_prep_save(value, connection)
                if not isinstance(value, dict | list)
                else __import__("json").dumps(value)
            )
        else:
            constants[f.column] = ""
    columns = [*rows_columns, *constants]
    tail = list(constants.values())
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([*row, *tail])


def load() -> dict:
    from bimodal.changes.models import Deployment
    from bimodal.core.models import OrgUnit, Team, User
    from bimodal.insights import clock
    from bimodal.insights.models import Transition
    from bimodal.integrations.models import Commit, DeploymentCommit, Repository
    from bimodal.portfolio.models import Mode, Service
    from bimodal.servicedesk.models import Ticket

    unit = OrgUnit.objects.create(name="Bench", slug="bench")
    team = Team.objects.create(name="Bench", slug="bench", org_unit=unit)
    user = User.objects.create_user("bench", password=None)
    modes = list(Mode.objects.order_by("order"))
    services = Service.objects.bulk_create(
        [
            Service(name=f"Service {i}", slug=f"service-{i}", mode=modes[i % len(modes)], owner_team=team)
            for i in range(SERVICES)
        ]
    )
    repos = Repository.objects.bulk_create(
        [
            Repository(provider="github", full_name=f"org/r{i}", service=s, webhook_secret="x")
            for i, s in enumerate(services)
        ]
    )
    sids = np.array([s.pk for s in services])

    t0 = time.perf_counter()
    n = DEPLOYMENTS
    svc = RNG.integers(0, SERVICES, n)
    finished = START.timestamp() + np.sort(RNG.uniform(0, DAYS * 86400, n))
    status = RNG.choice(np.array(["succeeded", "failed", "rolled_back"]), n, p=[0.92, 0.05, 0.03])
    first_id = (Deployment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def ts(x: float) -> datetime:
        return datetime.fromtimestamp(x, UTC)

    _copy(
        Deployment,
        [
            "id",
            "created_at",
            "updated_at",
            "service_id",
            "environment",
            "status",
            "finished_at",
            "started_at",
        ],
        (
            (
                first_id + i,
                ts(finished[i] - 600),
                ts(finished[i]),  # saved last when its result was recorded
                int(sids[svc[i]]),
                "production",
                str(status[i]),
                ts(finished[i]),
                ts(finished[i] - 600),
            )
            for i in range(n)
        ),
    )
    authored = finished - RNG.exponential(30 * 3600, n)
    _copy(
        Commit,
        ["id", "repository_id", "sha", "authored_at"],
        ((i + 1, repos[svc[i]].pk, f"{i:040x}", ts(authored[i])) for i in range(n)),
    )
    _copy(DeploymentCommit, ["deployment_id", "commit_id"], ((first_id + i, i + 1) for i in range(n)))
    loaded_deployments = time.perf_counter() - t0

    t0 = time.perf_counter()
    k = TICKETS
    tsvc = RNG.integers(0, SERVICES, k)
    opened = START.timestamp() + RNG.uniform(0, DAYS * 86400, k)
    resolved = opened + RNG.exponential(8 * 3600, k) * 5
    _copy(
        Ticket,
        [
            "id",
            "created_at",
            "updated_at",
            "number",
            "ticket_type",
            "title",
            "service_id",
            "requester_id",
            "status",
            "opened_at",
            "resolved_at",
            "priority",
        ],
        (
            (
                i + 1,
                ts(opened[i]),
                ts(resolved[i]),  # saved last when it was resolved
                f"INC{i + 1:07d}",
                "incident",
                "bench",
                int(sids[tsvc[i]]),
                user.pk,
                "resolved",
                ts(opened[i]),
                ts(resolved[i]),
                "P3",
            )
            for i in range(k)
        ),
    )
    # Five transitions per incident: times split the open → resolved span at random points.
    cuts = np.sort(RNG.uniform(0, 1, (k, 3)), axis=1)
    span = (resolved - opened)[:, None]
    times = np.hstack([opened[:, None], opened[:, None] + cuts * span, resolved[:, None]])
    states = [
        ("", "new"),
        ("new", "in_progress"),
        ("in_progress", "awaiting_supplier"),
        ("awaiting_supplier", "in_progress"),
        ("in_progress", "resolved"),
    ]
    parties = ["Service desk", "Service desk", "Atlas Managed Services", "Service desk", "Service desk"]
    flat = times.ravel()
    clocks = clock.clocks(flat).reshape(times.shape)
    wall = np.hstack([np.zeros((k, 1)), np.diff(times, axis=1)])
    business = np.hstack([np.zeros((k, 1)), np.diff(clocks, axis=1)])
    _copy(
        Transition,
        [
            "stream",
            "kind",
            "object_id",
            "reference",
            "service_id",
            "from_state",
            "to_state",
            "at",
            "party",
            "from_party",
            "wall_seconds",
            "business_seconds",
            "business_clock",
        ],
        (
            (
                "ticket",
                "incident",
                i + 1,
                f"INC{i + 1:07d}",
                int(sids[tsvc[i]]),
                states[j][0],
                states[j][1],
                ts(times[i, j]),
                parties[j],
                parties[j - 1] if j else "",
                float(wall[i, j]),
                float(business[i, j]),
                float(clocks[i, j]),
            )
            for i in range(k)
            for j in range(5)
        ),
    )
    loaded_tickets = time.perf_counter() - t0
    from bimodal.insights.services import transition_next_backfill

    # Each transition's link to its object's next one, as the services write it one by one and
    # `bimodal insights-backfill` writes it for a whole log (this SQL).
    t0 = time.perf_counter()
    transition_next_backfill()
    linked_s = time.perf_counter() - t0
    from django.db import connection

    from bimodal.insights.services import dora_facts_refresh

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The DORA facts, as `bimodal insights-backfill` writes them (the metrics keep them up to date
    # afterwards): first production deployment of each commit, deployment of each incident.
    t0 = time.perf_counter()
    facts = dora_facts_refresh(full=True)
    facts_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE insights_commitlead")
        cursor.execute("ANALYZE insights_incidentattribution")
    return {
        "deployments_s": loaded_deployments,
        "tickets_s": loaded_tickets,
        "facts_s": facts_s,
        "linked_s": linked_s,
        "facts": facts,
        "times": times,
        "tsvc": tsvc,
    }


def timed(fn) -> tuple[float, float, object]:
    runs, result = [], None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs), result


def _plain(value):
    """Figures in a form that digests the same for the same results (floats to 9 significant digits)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return f"{value:.9g}"
    if hasattr(value, "__dataclass_fields__"):
        return _plain(vars(value))
    return value if isinstance(value, int | str | None) else str(value)


def _digest(result) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(_plain(result), sort_keys=True).encode()).hexdigest()[:12]


def _direct(fn):
    """Run fn with the lead-time and failure rows derived from the records instead of the facts."""
    from bimodal.insights.metrics import dora

    saved = (dora.lead_time_rows, dora.failure_rows)
    dora.lead_time_rows = lambda s: saved[0](s, direct=True)
    dora.failure_rows = lambda s: saved[1](s, direct=True)
    try:
        return fn()
    finally:
        dora.lead_time_rows, dora.failure_rows = saved


def main() -> None:
    reuse = os.environ.get("BENCH_REUSE") == "1"  # keep a loaded database between runs (BENCH_KEEP=1)
    if not reuse:
        _admin(f'DROP DATABASE IF EXISTS "{_dbname()}"')
        _admin(f'CREATE DATABASE "{_dbname()}"')
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if not reuse:
            print(
                f"Loading {DEPLOYMENTS:,} deployments and {TICKETS * 5:,} ticket transitions (COPY) …",
                flush=True,
            )
            data = load()
            print(
                f"  loaded: deployments + commits {data['deployments_s']:.1f} s, tickets + transitions {data['tickets_s']:.1f} s"
            )
            print(
                f"  transition next-links backfill (transition_next_backfill, as `bimodal insights-backfill`): {data['linked_s']:.1f} s"
            )
            print(
                f"  DORA facts backfill (dora_facts_refresh(full=True), as `bimodal insights-backfill`): "
                f"{data['facts_s']:.1f} s for {data['facts']['commits']:,} commits, {data['facts']['incidents']:,} incidents"
            )
        print(
            f"  load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)", flush=True
        )

        from bimodal.insights.choices import ValueStream
        from bimodal.insights.metrics import dora, valuestream
        from bimodal.insights.metrics.scope import Scope

        scope = Scope(start=START - timedelta(days=1), end=START + timedelta(days=DAYS + 30))
        for name, fn in dora.METRICS.items():
            median, best, result = timed(lambda fn=fn: fn(scope))
            figure = result.get(0)
            print(
                f"  DORA {name:22s} {median:6.3f} s (best {best:.3f})  value={figure.value if figure else None!r:.30} level={figure.level if figure else '-'}"
            )
        from bimodal.insights.services import dora_facts_refresh

        r_median, r_best, _ = timed(dora_facts_refresh)
        print(
            f"  DORA facts refresh, nothing changed     {r_median:6.3f} s (best {r_best:.3f}; in every figure above)"
        )
        d_median, d_best, whole = timed(lambda: dora.compute(scope))
        print(
            f"DORA, all four keys, whole estate:       {d_median:6.3f} s per computation (best {d_best:.3f}; target < 2 s)"
        )
        s_median, s_best, per_service = timed(lambda: dora.compute(scope.with_group("service")))
        print(
            f"DORA, all four keys, per service (200):  {s_median:6.3f} s per computation (best {s_best:.3f})"
        )
        t0 = time.perf_counter()
        direct = _direct(lambda: dora.compute(scope.with_group("service")))
        print(
            f"  per service without the facts (derived from the records, once): {time.perf_counter() - t0:.3f} s; "
            f"same figures: {_digest(direct) == _digest(per_service)}"
        )
        print(f"  checksum DORA whole estate {_digest(whole)}, per service {_digest(per_service)}")
        h_median, h_best, heat = timed(lambda: valuestream.heatmap(ValueStream.DETECT_TO_CORRECT, scope))
        print(
            f"Detect-to-Correct heat map:              {h_median:6.3f} s per computation (best {h_best:.3f}; target < 2 s)"
        )
        t0 = time.perf_counter()
        heat_direct = valuestream.heatmap(ValueStream.DETECT_TO_CORRECT, scope, direct=True)
        print(
            f"  heat map with hand-offs from a window over the log (once): {time.perf_counter() - t0:.3f} s; "
            f"same figures: {_digest(heat_direct) == _digest(heat)}"
        )
        print(f"  checksum heat map {_digest(heat)}")
        print(
            f"  bottleneck {heat['bottleneck']}; {len(heat['stages'])} stages, {len(heat['steps'])} steps, {len(heat['handoffs'])} hand-offs"
        )

        import pandas as pd
        import pm4py

        from bimodal.insights.models import Transition

        t0 = time.perf_counter()
        rows = Transition.objects.filter(stream="ticket").values_list("object_id", "kind", "to_state", "at")
        frame = pd.DataFrame.from_records(
            rows.iterator(chunk_size=50_000), columns=["case", "kind", "state", "at"]
        )
        frame["activity"] = frame["kind"] + ":" + frame["state"]
        read = time.perf_counter() - t0
        frame = frame[["case", "activity", "at"]]
        frame["case"] = frame["case"].astype(str)
        runs = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            dfg, _starts, _ends = pm4py.discover_performance_dfg(
                frame, case_id_key="case", activity_key="activity", timestamp_key="at"
            )
            runs.append(time.perf_counter() - t0)
        p_median = statistics.median(runs)
        print(
            f"pm4py.discover_performance_dfg (same {len(frame):,} events, DataFrame in memory; reading it took {read:.1f} s): {p_median:6.3f} s (best {min(runs):.3f})"
        )
        ours = {(s["source"], s["target"]): s for s in heat["steps"]}
        checked = 0
        for (a, b), perf in dfg.items():
            if (a, b) in ours:
                assert abs(ours[(a, b)]["p50_wall"] - perf["median"]) < 1.0, (a, b)
                checked += 1
        print(f"  step medians agree with pm4py on {checked} of {len(dfg)} edges")
        print(
            f"Ratio heat map / pm4py DFG: {h_median / p_median:.2f} (pm4py / heat map: {p_median / h_median:.2f}×)"
        )
        print(f"  load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            _admin(f'DROP DATABASE IF EXISTS "{_dbname()}"')


if __name__ == "__main__":
    main()

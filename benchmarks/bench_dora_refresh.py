"""Benchmark of the incremental DORA facts refresh on PostgreSQL when thousands of services have
deployed since the last refresh (what every DORA figure runs first).

Creates (and drops at the end) its own database: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bimodal_bench_refresh_<pid>. Data: SERVICES services (default 20,000),
each with one production deployment and five incidents before the facts mark (a full refresh sets it),
then one more production deployment each after it, so the next refresh has every service changed.

Prints, for the refresh as it is: the number of statements and the longest statement's text, the
planning time of its statements (EXPLAIN SUMMARY, whether any plan would use JIT), the wall time,
this process's CPU and the PostgreSQL backend's CPU (from /proc), median of REPEATS runs, each rolled
back so the next one redoes the same work, and the load average beside them.

Baseline in the same run: the incident selection as it was written before (one
`(t.service_id = %s AND t.opened_at >= %s)` term per changed service, joined by OR) for BASELINE
services (default 1,000; the full number is not run: at ~18,000 services PostgreSQL's JIT spent close
to an hour on it), planning and execution with JIT on (PostgreSQL's default) and off, against the same
selection written as it is now (a join to the services' watermarks passed as one JSON parameter).
Run: `.venv/bin/python benchmarks/bench_dora_refresh.py [services] [baseline services]`.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SERVICES = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
BASELINE = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
URL = os.environ.get(
    "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/bimodal_bench_refresh_{os.getpid()}"
)
START = datetime(2025, 1, 6, tzinfo=UTC)
REPEATS = 3
INCIDENTS = 5  # per service: 100,000 incidents with 20,000 services


def _admin(sql: str) -> None:
    import psycopg

    admin = urlparse(URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _dbname() -> str:
    return urlparse(URL).path.lstrip("/")


def _load() -> None:
    from bimodal.changes.models import Deployment
    from bimodal.core.models import OrgUnit, Team, User
    from bimodal.insights.services import dora_facts_refresh
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
        ],
        batch_size=5000,
    )

    def deployments(day: int) -> None:
        Deployment.objects.bulk_create(
            [
                Deployment(
                    service=s,
                    environment="production",
                    status="succeeded",
                    version=f"v{day}",
                    source="api",
                    finished_at=START + timedelta(days=day, seconds=i % 3600),
                )
                for i, s in enumerate(services)
            ],
            batch_size=5000,
        )

    deployments(1)
    Ticket.objects.bulk_create(
        [
            Ticket(
                number=f"INC{k}-{i:07d}",
                ticket_type="incident",
                title=f"Incident {i}",
                service=s,
                requester=user,
                opened_at=START + timedelta(days=3 + k, seconds=i % 3600),
            )
            for k in range(INCIDENTS)
            for i, s in enumerate(services)
        ],
        batch_size=5000,
    )
    # Saved long ago (update() leaves auto_now alone): only the new deployments make incidents stale.
    Ticket.objects.update(updated_at=START)
    Deployment.objects.update(updated_at=START)
    dora_facts_refresh(full=True)  # sets the mark
    deployments(2)  # saved after the mark: every service changed, each one before its incident


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a PostgreSQL backend (same machine), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _refresh_once(backend: int, explain: bool) -> dict:
    from django.db import connection, transaction

    from bimodal.insights.services import dora_facts_refresh

    texts: list[str] = []
    planning: list[float] = []
    jit = False

    def record(execute, text, params, many, context):
        nonlocal jit
        texts.append(text)
        if explain and "jsonb_array_elements" in text:
            raw = context["cursor"].cursor
            raw.execute("EXPLAIN (FORMAT JSON, SUMMARY) " + text, params)
            plan = raw.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            planning.append(plan["Planning Time"])
            jit = jit or "JIT" in plan
        return execute(text, params, many, context)

    wall0, cpu0, pg0 = time.perf_counter(), _own_cpu(), _backend_cpu(backend)
    with transaction.atomic(), connection.execute_wrapper(record):
        counts = dora_facts_refresh()
        transaction.set_rollback(True)  # the next run redoes the same work
    return {
        "wall": time.perf_counter() - wall0,
        "cpu": _own_cpu() - cpu0,
        "pg": _backend_cpu(backend) - pg0,
        "statements": len(texts),
        "longest": max(len(t) for t in texts),
        "planning": planning,
        "jit": jit,
        "counts": counts,
    }


def _baseline(n: int) -> None:
    """The incident selection of the old and of the new refresh for `n` changed services, JIT on/off."""
    from django.db import connection, transaction

    from bimodal.changes.models import Deployment
    from bimodal.insights.metrics import sources, sql

    marks = list(
        Deployment.objects.filter(version="v2")
        .order_by("service_id")
        .values_list("service_id", "finished_at")[:n]
    )
    since = datetime.now(UTC)  # no incident saved since: only the terms select
    ticket = sources.ticket()
    old_terms = " OR ".join(["(t.service_id = %s AND t.opened_at >= %s)"] * len(marks))
    old = (
        f"SELECT t.id FROM {ticket} t WHERE t.ticket_type = 'incident' AND (t.updated_at > %s OR {old_terms})",
        [since, *[p for s, at in marks for p in (s, at)]],
    )
    relation, params = sql.json_rows([("service_id", "bigint"), ("since", "timestamptz")], marks)
    new = (
        f"SELECT t.id FROM {ticket} t WHERE t.ticket_type = 'incident' AND t.updated_at > %s "
        f"UNION SELECT t.id FROM {ticket} t JOIN {relation} w ON t.service_id = w.service_id "
        "AND t.opened_at >= w.since WHERE t.ticket_type = 'incident'",
        [since, *params],
    )
    print(f"\nIncident selection for {n:,} changed services (EXPLAIN ANALYZE, one run each):")
    print(f"  {'form':<34} {'text':>9} {'planning':>10} {'JIT':>9} {'execution':>10} {'rows':>7}")
    for name, (text, args) in (
        ("old: OR of a term per service", old),
        ("new: join to a JSON parameter", new),
    ):
        for jit in ("on", "off"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, true)", [jit])
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + text, args)
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                jit_ms = plan.get("JIT", {}).get("Timing", {}).get("Total")
                rows = plan["Plan"].get("Actual Rows")
                print(
                    f"  {name + ', JIT ' + jit:<34} {len(text):>8,}c {plan['Planning Time']:>8.1f}ms "
                    f"{(f'{jit_ms:.0f}ms' if jit_ms is not None else '-'):>9} "
                    f"{plan['Execution Time']:>8.1f}ms {rows:>7}"
                )


def main() -> None:
    _admin(f'DROP DATABASE IF EXISTS "{_dbname()}"')
    _admin(f'CREATE DATABASE "{_dbname()}"')
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        _load()
        print(
            f"Loaded {SERVICES:,} services, {2 * SERVICES:,} deployments, {INCIDENTS * SERVICES:,} incidents "
            f"in {time.perf_counter() - t0:.1f} s; load average {os.getloadavg()}"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        explained = _refresh_once(backend, explain=True)
        runs = [_refresh_once(backend, explain=False) for _ in range(REPEATS)]
        walls = [r["wall"] for r in runs]
        med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "pg")}
        print(
            f"\nIncremental refresh with {SERVICES:,} services changed (median of {REPEATS}, rolled back each):"
        )
        print(f"  recomputed: {runs[0]['counts']}")
        print(f"  statements: {explained['statements']}, longest text {explained['longest']:,} characters")
        print(
            f"  planning of the statements reading JSON sets: "
            f"{', '.join(f'{p:.1f}' for p in explained['planning'])} ms; JIT in any plan: {explained['jit']}"
        )
        print(
            f"  wall {med['wall']:.2f} s (runs {', '.join(f'{w:.2f}' for w in walls)}), "
            f"Python CPU {med['cpu']:.2f} s, PostgreSQL backend CPU {med['pg']:.2f} s; "
            f"load average {os.getloadavg()}"
        )
        _baseline(min(BASELINE, SERVICES))
        print(f"\nLoad average at the end: {os.getloadavg()}")
        print(
            "\nNot covered: the old refresh as a whole (only its incident selection, and only for a "
            f"{min(BASELINE, SERVICES):,}-service baseline: the full size is what hung the database); "
            "commit links (no commits here, so the lead-time facts are not exercised); concurrent "
            "refreshes waiting on the facts mark's lock; PostgreSQL settings other than the defaults."
        )
    finally:
        from django.db import connections

        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{_dbname()}"')


if __name__ == "__main__":
    main()

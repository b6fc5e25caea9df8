"""Benchmark of the insights metrics on PostgreSQL: DORA's four keys over 1,000,000 deployments and the
Detect-to-Correct heat map over a log of 1,000,000 transitions of all kinds, against pm4py's performance
directly-follows graph on the same event log, in the same run.

Creates (and drops at the end) its own database: BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bimodal_bench_insights. Data is loaded with COPY: 200 services;
`--deployments` deployments over a year (90 % production; 92 % succeeded, 5 % failed, 3 % rolled back),
each with one commit and belonging to the latest change of its service; one change per twenty
deployments (70 % standard, three states; 30 % normal, eight states with a CAB hand-off); incidents
with five transitions (a hand-off to a supplier queue on the way), 2 % of them under a problem (three
transitions), 10 % of incidents and half the problems linked to the next change of their service (so
every record-to-record hand-off of the heat map has rows); the most recent production deployments'
transitions (in progress → result). `--events` sets the log's size (default: as many as deployments).
The derived data is then written as `bimodal insights-backfill` writes it (transition next-links, DORA
facts), each step timed on its own; before the timed whole-estate figure, `--late` deployments are
saved after the facts' mark (a pipeline catching up), so the incremental refresh runs.
Prints seconds per full computation (median of 3 runs), checksums of the results, a check against the
figures derived without the stored links/facts, the heat map's ratio to
pm4py.discover_performance_dfg, the load average, and what the run does not cover. BENCH_KEEP=1 keeps
the database, BENCH_REUSE=1 reuses a kept one.
Run: `.venv/bin/python benchmarks/bench_insights.py --deployments 100000`.
"""

from __future__ import annotations

import argparse
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


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deployments", type=int, default=1_000_000, help="deployments (default 1,000,000)")
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="transitions in the heat map's log (default: as many as deployments)",
    )
    parser.add_argument("--late", type=int, default=500, help="deployments saved after the facts' mark")
    parser.add_argument("--services", type=int, default=200)
    return parser.parse_args()


ARGS = _arguments()
DEPLOYMENTS = ARGS.deployments
EVENTS = ARGS.events or DEPLOYMENTS
SERVICES = ARGS.services
# The log's mix: changes (one per twenty deployments, 4.5 transitions on average), production
# deployments (two each, the most recent quarter of the log), incidents (five each, plus 2 % problems
# with three).
CHANGES = max(DEPLOYMENTS // 20, 1)
DEPLOYMENT_LOGGED = EVENTS // 8
TICKETS = max(int((EVENTS - 4.5 * CHANGES - 2 * DEPLOYMENT_LOGGED) / 5.06), 1)
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


def _after(svc_a, t_a, svc_b, t_b, ids_b, *, before: bool = False):
    """For each a, the id of the b of the same service next after t_a (or, `before`, the latest at or
    before t_a); -1 when there is none. One searchsorted per service, not per row."""
    out = np.full(len(t_a), -1, dtype=np.int64)
    for s in np.unique(svc_a):
        a = np.flatnonzero(svc_a == s)
        b = np.flatnonzero(svc_b == s)
        if not len(b):
            continue
        b = b[np.argsort(t_b[b], kind="stable")]
        pos = np.searchsorted(t_b[b], t_a[a], side="right" if before else "left")
        pos = pos - 1 if before else pos
        ok = (pos >= 0) & (pos < len(b))
        out[a[ok]] = ids_b[b[pos[ok]]]
    return out


def _log(rows: list, stream: str, kinds, ids, refs, svc, states, parties, times) -> None:
    """Append the transitions of k objects that all walk the same states (times: k × len(states))."""
    from bimodal.insights import clock

    clocks = clock.clocks(times.ravel()).reshape(times.shape)
    wall = np.hstack([np.zeros((len(ids), 1)), np.diff(times, axis=1)])
    business = np.hstack([np.zeros((len(ids), 1)), np.diff(clocks, axis=1)])
    rows.append((stream, kinds, ids, refs, svc, states, parties, times, wall, business, clocks))


def _ts(x: float) -> datetime:
    return datetime.fromtimestamp(x, UTC)


def _copy_log(rows: list) -> int:
    from bimodal.insights.models import Transition

    def gen():
        for stream, kinds, ids, refs, svc, states, parties, times, wall, business, clocks in rows:
            for i in range(len(ids)):
                for j, (before, after) in enumerate(states):
                    yield (
                        stream,
                        kinds[i],
                        int(ids[i]),
                        refs[i],
                        int(svc[i]),
                        before,
                        after,
                        _ts(times[i, j]),
                        parties[j],
                        parties[j - 1] if j else "",
                        float(wall[i, j]),
                        float(business[i, j]),
                        float(clocks[i, j]),
                    )

    columns = [
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
    ]
    _copy(Transition, columns, gen())
    return sum(len(r[2]) * len(r[5]) for r in rows)


_CHANGE_STATES = {
    "standard": [("", "scheduled"), ("scheduled", "implementing"), ("implementing", "completed")],
    "normal": [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "assessed"),
        ("assessed", "awaiting_approval"),
        ("awaiting_approval", "approved"),
        ("approved", "scheduled"),
        ("scheduled", "implementing"),
        ("implementing", "completed"),
    ],
}
_CHANGE_PARTIES = {
    "standard": ["Delivery team"] * 3,
    "normal": ["Delivery team"] * 4 + ["Change advisory board"] + ["Delivery team"] * 3,
}


def load() -> dict:
    """Services, deployments with commits, changes, incidents and problems with their links, and the
    transition log of all four (tickets, changes, production deployments), with COPY."""
    from bimodal.changes.models import Change, Deployment
    from bimodal.core.models import OrgUnit, Team, User
    from bimodal.integrations.models import Repository
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
    log: list = []

    # Changes: one per ten deployments, 70 % standard (pre-approved, three states), 30 % normal (eight
    # states with a CAB hand-off), over the year.
    t0 = time.perf_counter()
    nc = CHANGES
    csvc = sids[RNG.integers(0, SERVICES, nc)]
    ctype = np.where(RNG.uniform(0, 1, nc) < 0.7, "standard", "normal")
    created = START.timestamp() + RNG.uniform(0, DAYS * 86400, nc)
    cids = np.arange(1, nc + 1)
    cref = [f"CHG{i:07d}" for i in cids]
    _copy(
        Change,
        ["id", "created_at", "updated_at", "reference", "title", "change_type", "status", "requester_id"],
        (
            (
                int(cids[i]),
                _ts(created[i]),
                _ts(created[i]),
                cref[i],
                "bench",
                str(ctype[i]),
                "completed",
                user.pk,
            )
            for i in range(nc)
        ),
    )
    changes = {"ids": cids, "svc": csvc, "created": created}
    for kind, states in _CHANGE_STATES.items():
        sel = np.flatnonzero(ctype == kind)
        cuts = np.sort(RNG.uniform(0, 1, (len(sel), len(states) - 1)), axis=1)
        span = RNG.exponential(2 * 86400, len(sel))[:, None]
        times = created[sel, None] + np.hstack([np.zeros((len(sel), 1)), cuts * span])
        changes.setdefault("done", np.zeros(nc))[sel] = times[:, -1]
        _log(
            log,
            "change",
            [kind] * len(sel),
            cids[sel],
            [cref[i] for i in sel],
            csvc[sel],
            states,
            _CHANGE_PARTIES[kind],
            times,
        )

    # Deployments (90 % production), each with one commit; a production deployment belongs to the
    # latest change of its service completed before it started.
    n = DEPLOYMENTS
    svc = sids[RNG.integers(0, SERVICES, n)]
    finished = START.timestamp() + np.sort(RNG.uniform(0, DAYS * 86400, n))
    status = RNG.choice(np.array(["succeeded", "failed", "rolled_back"]), n, p=[0.92, 0.05, 0.03])
    env = np.where(RNG.uniform(0, 1, n) < 0.9, "production", "staging")
    change_of = _after(svc, finished - 600, changes["svc"], changes["done"], cids, before=True)
    change_of[env != "production"] = -1
    first_id = (Deployment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    dids = first_id + np.arange(n)
    _copy_deployments(dids, svc, finished, status, env, change_of, commit_first=1, repos=repos, sids=sids)
    # Transitions of production deployments (opened → result), logged for the most recent ones.
    prod = np.flatnonzero(env == "production")[-DEPLOYMENT_LOGGED:]
    _log(
        log,
        "deployment",
        ["production"] * len(prod),
        dids[prod],
        [""] * len(prod),
        svc[prod],
        [("", "in_progress"), ("in_progress", None)],
        ["Delivery team", "Delivery team"],
        np.column_stack([finished[prod] - 600, finished[prod]]),
    )
    deployment_status = status[prod]
    loaded_deployments = time.perf_counter() - t0

    # Incidents with five transitions (a hand-off to a supplier on the way) and problems with three;
    # 2 % of incidents belong to a problem opened after them, 10 % of incidents and half the problems
    # are linked to the next change of their service.
    t0 = time.perf_counter()
    k = TICKETS
    tsvc = sids[RNG.integers(0, SERVICES, k)]
    opened = START.timestamp() + RNG.uniform(0, DAYS * 86400, k)
    resolved = opened + RNG.exponential(8 * 3600, k) * 5
    p = max(k // 50, 1)
    psvc = sids[RNG.integers(0, SERVICES, p)]
    popened = START.timestamp() + RNG.uniform(0, DAYS * 86400, p)
    presolved = popened + RNG.exponential(10 * 86400, p)
    pids = k + 1 + np.arange(p)
    problem_of = _after(tsvc, opened, psvc, popened, pids)
    problem_of[RNG.uniform(0, 1, k) > 0.02] = -1
    rows = [
        (i + 1, opened[i], resolved[i], f"INC{i + 1:07d}", "incident", int(tsvc[i]), int(problem_of[i]))
        for i in range(k)
    ] + [
        (int(pids[i]), popened[i], presolved[i], f"PRB{i + 1:07d}", "problem", int(psvc[i]), -1)
        for i in range(p)
    ]
    rows.sort(key=lambda r: r[4] != "problem")  # problems first: incidents refer to them
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
            "problem_id",
        ],
        (
            (
                r[0],
                _ts(r[1]),
                _ts(r[2]),
                r[3],
                r[4],
                "bench",
                r[5],
                user.pk,
                "resolved",
                _ts(r[1]),
                _ts(r[2]),
                "P3",
                r[6] if r[6] > 0 else None,
            )
            for r in rows
        ),
    )
    linked_inc = np.flatnonzero(RNG.uniform(0, 1, k) < 0.10)
    linked_prb = np.flatnonzero(RNG.uniform(0, 1, p) < 0.5)
    inc_change = _after(tsvc[linked_inc], opened[linked_inc], changes["svc"], created, cids)
    prb_change = _after(psvc[linked_prb], popened[linked_prb], changes["svc"], created, cids)
    links = [(int(linked_inc[j]) + 1, int(c)) for j, c in enumerate(inc_change) if c > 0] + [
        (int(pids[linked_prb[j]]), int(c)) for j, c in enumerate(prb_change) if c > 0
    ]
    _copy(Ticket.changes.through, ["ticket_id", "change_id"], links)
    cuts = np.sort(RNG.uniform(0, 1, (k, 3)), axis=1)
    times = np.hstack(
        [opened[:, None], opened[:, None] + cuts * (resolved - opened)[:, None], resolved[:, None]]
    )
    _log(
        log,
        "ticket",
        ["incident"] * k,
        np.arange(1, k + 1),
        [f"INC{i + 1:07d}" for i in range(k)],
        tsvc,
        [
            ("", "new"),
            ("new", "in_progress"),
            ("in_progress", "awaiting_supplier"),
            ("awaiting_supplier", "in_progress"),
            ("in_progress", "resolved"),
        ],
        ["Service desk", "Service desk", "Atlas Managed Services", "Service desk", "Service desk"],
        times,
    )
    cuts = RNG.uniform(0, 1, (p, 1))
    times = np.hstack(
        [popened[:, None], popened[:, None] + cuts * (presolved - popened)[:, None], presolved[:, None]]
    )
    _log(
        log,
        "ticket",
        ["problem"] * p,
        pids,
        [f"PRB{i + 1:07d}" for i in range(p)],
        psvc,
        [("", "new"), ("new", "in_progress"), ("in_progress", "resolved")],
        ["Problem management"] * 3,
        times,
    )
    loaded_tickets = time.perf_counter() - t0

    t0 = time.perf_counter()
    # The deployments' results are per row: they are written on their own.
    events = _copy_log([r for r in log if r[0] != "deployment"])
    events += _copy_deployment_log(log, deployment_status)
    loaded_log = time.perf_counter() - t0
    from django.db import connection

    from bimodal.insights.services import dora_facts_refresh, transition_next_backfill

    # Each transition's link to its object's next one, as the services write it one by one and
    # `bimodal insights-backfill` writes it for a whole log (this SQL).
    t0 = time.perf_counter()
    transition_next_backfill()
    linked_s = time.perf_counter() - t0
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
        "log_s": loaded_log,
        "events": events,
        "links": len(links),
        "facts_s": facts_s,
        "linked_s": linked_s,
        "facts": facts,
    }


def _copy_deployment_log(log: list, status) -> int:
    """The production deployments' transitions: in progress, then their own result."""
    from bimodal.insights.models import Transition

    (_, _, ids, _, svc, _, _, times, wall, business, clocks) = next(r for r in log if r[0] == "deployment")
    columns = [
        "stream",
        "kind",
        "object_id",
        "service_id",
        "from_state",
        "to_state",
        "at",
        "party",
        "from_party",
        "wall_seconds",
        "business_seconds",
        "business_clock",
    ]
    _copy(
        Transition,
        columns,
        (
            (
                "deployment",
                "production",
                int(ids[i]),
                int(svc[i]),
                *states,
                _ts(times[i, j]),
                "Delivery team",
                "Delivery team" if j else "",
                float(wall[i, j]),
                float(business[i, j]),
                float(clocks[i, j]),
            )
            for i in range(len(ids))
            for j, states in enumerate([("", "in_progress"), ("in_progress", str(status[i]))])
        ),
    )
    return 2 * len(ids)


def _copy_deployments(dids, svc, finished, status, env, change_of, *, commit_first, repos, sids, saved=None):
    """COPY deployments, one commit each (authored some hours before) and the link between them."""
    from bimodal.changes.models import Deployment
    from bimodal.integrations.models import Commit, DeploymentCommit

    repo_of = {int(s): r.pk for s, r in zip(sids, repos, strict=True)}
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
            "change_id",
        ],
        (
            (
                int(dids[i]),
                _ts(finished[i] - 600),
                saved or _ts(finished[i]),  # saved last when its result was recorded
                int(svc[i]),
                str(env[i]),
                str(status[i]),
                _ts(finished[i]),
                _ts(finished[i] - 600),
                int(change_of[i]) if change_of[i] > 0 else None,
            )
            for i in range(len(dids))
        ),
    )
    authored = finished - RNG.exponential(30 * 3600, len(dids))
    _copy(
        Commit,
        ["id", "repository_id", "sha", "authored_at"],
        (
            (commit_first + i, repo_of[int(svc[i])], f"{commit_first + i:040x}", _ts(authored[i]))
            for i in range(len(dids))
        ),
    )
    _copy(
        DeploymentCommit,
        ["deployment_id", "commit_id"],
        ((int(dids[i]), commit_first + i) for i in range(len(dids))),
    )


def late_deployments(count: int) -> None:
    """Deployments reported late (finished during the year, saved now: after the facts' mark), as a
    pipeline catching up or a webhook replayed does; the next figure's incremental refresh takes them."""
    from django.db import connection
    from django.utils import timezone

    from bimodal.changes.models import Deployment
    from bimodal.integrations.models import Commit, DeploymentCommit, Repository

    repos = list(Repository.objects.order_by("service_id"))
    sids = np.array([r.service_id for r in repos])
    first = Deployment.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    commit_first = Commit.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    svc = sids[RNG.integers(0, len(sids), count)]
    finished = START.timestamp() + RNG.uniform(0, DAYS * 86400, count)
    status = RNG.choice(np.array(["succeeded", "failed"]), count, p=[0.9, 0.1])
    _copy_deployments(
        first + np.arange(count),
        svc,
        finished,
        status,
        np.array(["production"] * count),
        np.full(count, -1),
        commit_first=commit_first,
        repos=repos,
        sids=sids,
        saved=timezone.now(),
    )
    with connection.cursor() as cursor:
        for model in (Deployment, Commit, DeploymentCommit):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )


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
                f"Loading {DEPLOYMENTS:,} deployments (with commits), {CHANGES:,} changes, {TICKETS:,} incidents "
                f"and a log of about {EVENTS:,} transitions (COPY) …",
                flush=True,
            )
            data = load()
            print(
                f"  loaded: changes, deployments and commits {data['deployments_s']:.1f} s; incidents, problems "
                f"and {data['links']:,} ticket→change links {data['tickets_s']:.1f} s; "
                f"{data['events']:,} transitions {data['log_s']:.1f} s"
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
        late_deployments(ARGS.late)
        t0 = time.perf_counter()
        dora.compute(scope)
        print(
            f"  whole estate, first after {ARGS.late} deployments saved late (its incremental facts refresh "
            f"included): {time.perf_counter() - t0:.3f} s"
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
        rows = (
            Transition.objects.filter(
                stream__in=["ticket", "change", "deployment"], at__gte=scope.start, at__lt=scope.end
            )
            .exclude(stream="deployment", kind__in=["staging", "test"])
            .values_list("stream", "object_id", "kind", "to_state", "at")
        )
        frame = pd.DataFrame.from_records(
            rows.iterator(chunk_size=50_000), columns=["stream", "case", "kind", "state", "at"]
        )
        # The heat map's activity names: incidents and problems by kind, changes and deployments by stream.
        owner = frame["kind"].where(frame["stream"] == "ticket", frame["stream"])
        frame["activity"] = owner + ":" + frame["state"]
        frame["case"] = frame["stream"] + ":" + frame["case"].astype(str)
        read = time.perf_counter() - t0
        frame = frame[["case", "activity", "at"]]
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
        print(
            "Not covered: service, team or mode filters and breakdowns other than the whole estate and per "
            "service; Request to Fulfil; DevLake definitions; the pages and APIs around the figures "
            "(bench_pages.py); concurrent readers; a facts refresh racing writers."
        )
        print(f"  load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            _admin(f'DROP DATABASE IF EXISTS "{_dbname()}"')


if __name__ == "__main__":
    main()

"""Benchmark of the deployment gate: the policy decision alone, and the gate endpoint end to end.

(a) In-process decision with 20 policies (the 12 defaults plus 8 more, pre-filtered by scope) against
    the same rules written as plain Python lambdas: median and p99, ratio.
(b) POST /api/gate/ through Django's test client (token auth, validation, risk, decision, a standard
    change, a deployment and audit rows written) against a bare JSON endpoint in the same process.
(c) CPU per call, which a busy machine distorts far less than wall time: this process's CPU time
    (time.process_time) and, on PostgreSQL, the CPU time of its database backend (/proc/<pid>/stat of
    pg_backend_pid(), so only when the database runs on this machine) over N allowed gate calls and N
    bare calls, and the statements per allowed call. Load average printed beside.
(d) The same CPU per allowed call after the service has 0, 2,000 and 10,000 finished changes
    (BENCH_GATE_HISTORY, inserted in bulk, one in ten failed, all within the failure-rate window), with
    EXPLAIN (ANALYZE, BUFFERS) of the gate's facts query run as a prepared statement under PostgreSQL's
    generic and custom plans: how the gate's cost grows with the service's history.

Not covered: HTTP parsing and the WSGI server (load_gate.py measures those), concurrent callers (the
audit chain's head lock), the Mode 1 path under a named change, deploy results, and in (d) a history
spread over time or over many services (all of it is one service's, inside the window).

Builds a throw-away SQLite database (or BENCH_DATABASE_URL). Run: `.venv/bin/python benchmarks/bench_gate.py`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = 5000
GATE_CALLS = int(os.environ.get("BENCH_GATE_CALLS", "300"))
BARE_CALLS = 1000
ROUNDS = int(os.environ.get("BENCH_GATE_ROUNDS", "3"))


def _configure(data_dir: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bimodal.config.settings"
    os.environ["BIMODAL_DATA_DIR"] = data_dir
    os.environ["DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"
    # The benchmark measures the gate itself: its calls are not to be throttled.
    os.environ.setdefault("BIMODAL_THROTTLE_PIPELINE", "1000000/s")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3")


def _stats(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f} µs"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms"


EXTRA = [
    ("x-pci", "deny", '"PCI DSS" in service.tags && change.type == "emergency" && !change.has_backout_plan'),
    ("x-risk", "require_approval", "change.risk_score >= 90"),
    ("x-conf", "require_approval", "change.conflict_count > 2"),
    ("x-staging", "allow", 'change.environment == "staging"'),
    ("x-mainframe", "require_window", 'service.hosting == "mainframe"'),
    ("x-blast", "require_approval", "service.blast_radius > 50"),
    ("x-retired", "deny", 'service.lifecycle == "retired"'),
    ("x-scan", "deny", 'has(evidence.security_scan) && evidence.security_scan == "critical"'),
]


def setup_policies(admin):
    from bimodal.governance import services as gov
    from bimodal.governance.defaults import apply_default_policies

    apply_default_policies(actor=admin)
    for key, effect, expr in EXTRA:
        extra = {"approver_role": "change_manager"} if effect == "require_approval" else {}
        gov.policy_create(actor=admin, key=key, name=key, expression=expr, effect=effect, **extra)


def baseline_rules():
    """The same 20 rules as Python lambdas (what a hand-coded gate would run)."""
    return [
        lambda c, s, e: c["in_freeze"] and c["type"] != "emergency",
        lambda c, s, e: s["mode"] == "mode-1" and c["type"] == "standard",
        lambda c, s, e: s["mode"] == "mode-1" and c["type"] == "normal",
        lambda c, s, e: s["mode"] == "mode-1" and c["type"] in ("standard", "normal"),
        lambda c, s, e: s["mode"] == "mode-1" and c["type"] == "normal",
        lambda c, s, e: c["type"] == "emergency",
        lambda c, s, e: s["mode"] == "mode-1" and c["risk_level"] == "very_high",
        lambda c, s, e: s["mode"] == "mode-2" and c["type"] == "standard",
        lambda c, s, e: (
            s["mode"] == "mode-2"
            and c["type"] == "standard"
            and not (e.get("tests_passed") and e.get("security_scan"))
        ),
        lambda c, s, e: s["mode"] == "mode-2" and "coverage" in e and e["coverage"] < 60.0,
        lambda c, s, e: s["mode"] == "mode-2" and s["change_failure_rate"] > 0.3,
        lambda c, s, e: s["mode"] == "mode-2" and c["type"] == "normal",
        lambda c, s, e: "PCI DSS" in s["tags"] and c["type"] == "emergency" and not c["has_backout_plan"],
        lambda c, s, e: c["risk_score"] >= 90,
        lambda c, s, e: c["conflict_count"] > 2,
        lambda c, s, e: c["environment"] == "staging",
        lambda c, s, e: s["hosting"] == "mainframe",
        lambda c, s, e: s["blast_radius"] > 50,
        lambda c, s, e: s["lifecycle"] == "retired",
        lambda c, s, e: e.get("security_scan") == "critical",
    ]


def bench_decision() -> None:
    from bimodal.governance import engine

    context = {
        "change": {**engine.SAMPLE_CHANGE, "type": "standard", "source": "gate"},
        "service": {**engine.SAMPLE_SERVICE, "mode": "mode-2", "criticality": 1, "hosting": "public_cloud"},
        "evidence": {"tests_passed": True, "coverage": 82.0, "security_scan": "pass"},
    }
    snapshot = engine.current_policies()
    assert len(snapshot.policies) >= 20, len(snapshot.policies)  # the defaults grow with the profiles
    rules = baseline_rules()

    def timed(fn, n=DECISIONS):
        for _ in range(200):
            fn()
        out = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
        return _stats(out)

    decision = engine.evaluate(context, snapshot)
    print(
        f"(a) policy decision, {len(snapshot.policies)} policies ({decision.evaluated} in scope after pre-filter) "
        f"→ {decision.outcome}"
    )
    c, s, e = context["change"], context["service"], context["evidence"]
    base = timed(lambda: [r(c, s, e) for r in rules])
    import cel as cel_module

    def every_program():
        # Every policy's program run, whatever its scope (engine.evaluate always filters by scope).
        variables = cel_module.Context(variables=context)
        out = []
        for policy in snapshot.policies:
            try:
                out.append(policy.program.execute(variables))
            except Exception as exc:  # a rule for another scope may read what this context lacks
                out.append(exc)
        return out

    cel_all = timed(every_program)
    cel = timed(lambda: engine.evaluate(context, snapshot))
    with_check = timed(lambda: engine.evaluate(context, engine.current_policies()), n=1000)
    print(f"  {'baseline: 20 Python lambdas':<52}{_us(base[0])} median {_us(base[1])} p99")
    label = f"CEL, all {len(snapshot.policies)} programs run (no scope filter)"
    print(f"  {label:<52}{_us(cel_all[0])} median {_us(cel_all[1])} p99")
    print(f"  {'CEL, pre-filtered snapshot (the gate path)':<52}{_us(cel[0])} median {_us(cel[1])} p99")
    print(
        f"  {'… plus the policy-change check (1 query)':<52}{_us(with_check[0])} median {_us(with_check[1])} p99"
    )
    print(
        f"  ratio pre-filtered CEL / lambdas: {cel[0] / base[0]:.1f}×; target < 500 µs median: "
        f"{'met' if cel[0] < 5e-4 else 'NOT met'}"
    )


def bench_gate(admin) -> None:
    from django.test import Client
    from django.test.utils import override_settings

    from bimodal.changes import services as change_services
    from bimodal.core.models import OrgUnit, Team
    from bimodal.portfolio.models import Mode, Service

    unit = OrgUnit.objects.create(name="Bench", slug="bench")
    team = Team.objects.create(name="Bench", slug="bench", org_unit=unit)
    app = Service.objects.create(
        name="App", slug="app", mode=Mode.objects.get(key="mode-2"), owner_team=team, criticality=1
    )
    _, secret = change_services.pipeline_token_create(actor=admin, name="bench", services=[app])

    from django.http import JsonResponse
    from django.urls import include, path

    urls = types.ModuleType("bench_gate_urls")
    urls.urlpatterns = [
        path("bare/", lambda request: JsonResponse({"ok": True})),
        path("", include("bimodal.config.urls")),
    ]
    sys.modules["bench_gate_urls"] = urls
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    with override_settings(ROOT_URLCONF="bench_gate_urls"):
        for _ in range(50):
            client.get("/bare/")
        bare = []
        for _ in range(BARE_CALLS):
            t = time.perf_counter()
            client.get("/bare/")
            bare.append(time.perf_counter() - t)
        gate, outcomes = [], set()
        for i in range(GATE_CALLS + 20):
            body = {
                "service": "app",
                "version": f"1.0.{i}",
                "idempotency_key": f"k-{i}",
                "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 80.0},
            }
            t = time.perf_counter()
            response = client.post("/api/gate/", body, content_type="application/json", **auth)
            elapsed = time.perf_counter() - t
            outcomes.add(response.json()["outcome"])
            if i >= 20:
                gate.append(elapsed)
        replay = []
        for i in range(20, 220):
            # The very body of the first call: a different one would be a 409, not a replay.
            body = {
                "service": "app",
                "version": f"1.0.{i}",
                "idempotency_key": f"k-{i}",
                "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 80.0},
            }
            t = time.perf_counter()
            client.post("/api/gate/", body, content_type="application/json", **auth)
            replay.append(time.perf_counter() - t)
    b, g, r = _stats(bare), _stats(gate), _stats(replay)
    print(
        f"(b) gate endpoint through the test client ({GATE_CALLS} new deploys, outcomes {sorted(outcomes)})"
    )
    print(f"  {'bare JSON endpoint':<52}{_ms(b[0])} median {_ms(b[1])} p99")
    print(f"  {'POST /api/gate/ (allow: change + deployment + audit)':<52}{_ms(g[0])} median {_ms(g[1])} p99")
    print(f"  {'POST /api/gate/ retried (idempotent replay)':<52}{_ms(r[0])} median {_ms(r[1])} p99")
    print(
        f"  ratio gate / bare: {g[0] / b[0]:.1f}× median, {g[1] / b[1]:.1f}× p99; replay / bare: {r[0] / b[0]:.1f}×"
    )
    print(f"  target gate p99 < 25 ms (in-process, one client): {'met' if g[1] < 0.025 else 'NOT met'}")
    with override_settings(ROOT_URLCONF="bench_gate_urls"):
        bench_cpu(client, auth)
        bench_history(client, auth, app)


def _backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend; 0 elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the database runs on another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_cpu(client, auth) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def body(i):
        return {
            "service": "app",
            "version": f"2.0.{i}",
            "idempotency_key": f"cpu-{i}",
            "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 80.0},
        }

    with CaptureQueriesContext(connection) as queries:
        client.post("/api/gate/", body(-1), content_type="application/json", **auth)
    print(f"(c) CPU per call over {GATE_CALLS} calls, {ROUNDS} rounds ({connection.vendor})")
    print(f"  statements per allowed gate call: {len(queries.captured_queries)}")
    for rnd in range(ROUNDS):
        figures = []
        offset = (rnd + 1) * 100_000
        for call in (
            lambda i: client.get("/bare/"),
            lambda i, offset=offset: client.post(
                "/api/gate/", body(offset + i), content_type="application/json", **auth
            ),
        ):
            p0, b0, w0 = time.process_time(), _backend_cpu(), time.perf_counter()
            for i in range(GATE_CALLS):
                call(i)
            p1, b1, w1 = time.process_time(), _backend_cpu(), time.perf_counter()
            figures.append(((p1 - p0) / GATE_CALLS, (b1 - b0) / GATE_CALLS, (w1 - w0) / GATE_CALLS))
        (bp, bb, bw), (gp, gb, gw) = figures
        print(
            f"  round {rnd + 1} (load {os.getloadavg()[0]:.2f}): bare Python {bp * 1e3:.2f} + database {bb * 1e3:.2f} ms "
            f"(wall {bw * 1e3:.2f}); gate Python {gp * 1e3:.2f} + database {gb * 1e3:.2f} ms (wall {gw * 1e3:.2f}); "
            f"gate CPU / bare CPU {(gp + gb) / (bp + bb):.1f}×"
        )
    print(
        "  (in-process: the bare call here has no HTTP server around it, so this ratio is far above the "
        "one load_gate.py sees; compare gate CPU before/after)"
    )


def _add_history(service, admin, count: int) -> None:
    """`count` more finished changes of `service` (one in ten failed), inserted in bulk: its history."""
    from bimodal.changes.models import Change

    start = Change.objects.count()
    changes = Change.objects.bulk_create(
        Change(
            reference=f"HIST-{start + i}",
            title="history",
            change_type="standard",
            status="closed",
            source="gate",
            requester=admin,
            result="failed" if i % 10 == 0 else "completed",
        )
        for i in range(count)
    )
    through = Change.services.through
    through.objects.bulk_create(through(change_id=c.pk, service_id=service.pk) for c in changes)


def _explain_facts(service) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the gate's facts query as the gate runs it (a prepared statement,
    EXECUTE), with PostgreSQL's generic plan and with a custom plan for these values."""
    from django.db import connection
    from django.utils import timezone

    from bimodal.changes import selectors

    sql, params, slots, _ = selectors._gate_facts._compiled(connection)
    now = timezone.now()
    values = {
        "service": service.pk,
        "mode": service.mode_id,
        "token": 1,
        "since": now - selectors.timedelta(days=selectors.FAILURE_RATE_DAYS),
        "start": now,
        "end": now,
        "day": timezone.localdate(now),
        "key": "explain",
    }
    params = list(params)
    for i, name in slots:
        params[i] = values[name]
    numbered = sql.replace("%%", "\x00")
    for n in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    numbered = numbered.replace("\x00", "%%")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
        cursor.execute("PREPARE bench_facts AS " + numbered.replace("%%", "%"))
        for mode in ("force_generic_plan", "force_custom_plan"):
            cursor.execute(f"SET plan_cache_mode = {mode}")
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_facts({placeholders})", params)
            plan = [row[0] for row in cursor.fetchall()]
            print(f"    EXPLAIN (ANALYZE, BUFFERS) EXECUTE, {mode}:")
            for line in plan:
                if "Execution Time" in line or "Planning Time" in line or "Aggregate" in line:
                    print(f"      {line.strip()}")
        cursor.execute("RESET plan_cache_mode")
        cursor.execute("DEALLOCATE bench_facts")


def bench_history(client, auth, service) -> None:
    """(d) The CPU of an allowed call after the service has a history of finished changes."""
    from django.db import connection

    from bimodal.core.models import User

    admin = User.objects.get(username="bench-admin")
    sizes = [int(n) for n in os.environ.get("BENCH_GATE_HISTORY", "0,2000,10000").split(",") if n]
    calls = max(50, GATE_CALLS // 2)
    from bimodal.changes.models import Change

    print(
        f"(d) CPU per allowed call after a history of finished changes of the service ({calls} calls each; "
        "the history also counts the calls made so far)"
    )
    done = 0
    for size in sizes:
        have = Change.objects.filter(services=service).count()
        if size > have:
            _add_history(service, admin, size - have)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        figures = []
        for _ in range(2):
            p0, b0 = time.process_time(), _backend_cpu()
            for _ in range(calls):
                done += 1
                client.post(
                    "/api/gate/",
                    {
                        "service": "app",
                        "version": f"3.0.{done}",
                        "idempotency_key": f"hist-{done}",
                        "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 80.0},
                    },
                    content_type="application/json",
                    **auth,
                )
            p1, b1 = time.process_time(), _backend_cpu()
            figures.append(
                f"Python {(p1 - p0) / calls * 1e3:.2f} + database {(b1 - b0) / calls * 1e3:.2f} ms"
            )
        total = Change.objects.filter(services=service).count()
        print(
            f"  {size:>6} prior changes ({total} after, load {os.getloadavg()[0]:.2f}): " + "; ".join(figures)
        )
        if connection.vendor == "postgresql":
            _explain_facts(service)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bimodal-bench-gate-") as data_dir:
        _configure(data_dir)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from bimodal.core.models import User

        admin = User.objects.create_superuser("bench-admin", password=None)
        setup_policies(admin)
        print(
            f"Bimodal gate benchmark — Python {sys.version.split()[0]}, {os.environ['DATABASE_URL'].split(':')[0]}"
        )
        bench_decision()
        bench_gate(admin)


if __name__ == "__main__":
    main()

"""Load test of the deployment gate: production's gunicorn on PostgreSQL, measured from a separate process.

What it does, in order:

1. Creates a scratch PostgreSQL database with a name of its own (`bimodal_bench_<pid>_<random>`, on the
   server of BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432), migrates it, loads the default
   policies, one Mode 2 service and a pipeline token. The database is dropped at the end, also after an
   error, Ctrl-C or SIGTERM (`--keep-db` keeps it).
2. Starts gunicorn with the command line of `bimodal serve` (`gunicorn_argv`: same workers class, timeout
   and access log; `--workers 2` and `--no-access-log` are options of both) on a free loopback port. The
   only difference is the application module: this one adds a bare endpoint, `GET /bare/` (a Django view
   returning `{"ok": true}`), as the baseline.
3. Runs the load generator as a second process. It sends requests from a pool of threads, each with its
   own HTTP/1.1 connection (reopened when gunicorn's sync workers close it after a response), and
   measures per phase:

   - **bare** — `GET /bare/` at `--rate` req/s, open loop;
   - **gate** — `POST /api/gate/` (an allowed deploy, each with a new idempotency key) at `--rate` req/s,
     open loop, `--runs` times in a row;
   - **gate max, closed loop** — `--concurrency` clients sending back to back;
   - **gate ramp, open loop** — `--ramp` rates in turn, until one is not held (achieved < 95 % of the
     offered rate, or p99 ≥ 100 ms: the server fell behind).

   Open loop: request *i* is due at `start + i / rate` whatever happened before, and its latency counts
   from then, so a server (or a generator) that falls behind shows it as latency rather than hiding it.

   Per phase it prints the achieved rate, p50 / p99 / max latency, errors by kind (HTTP status, connection
   errors by exception, requests not sent before the deadline), and the CPU time of the server per
   completed request: user + system time from `/proc/<pid>/stat` of the gunicorn master and its workers,
   and of the PostgreSQL backends connected to the scratch database, read before and after the phase.
   The generator's own CPU per request and how late it sent requests (send lag) show its headroom.
   `os.getloadavg()` is printed before and after each phase: the machine is shared, and wall-clock
   latency moves with what else runs; CPU per request moves much less.

4. Prints whether each target held: gate max throughput ≥ 250 req/s with 2 workers, p99 < 25 ms at
   100 req/s (in every run), gate CPU per request ≤ 4 × the bare endpoint's.

Run: `PYTHONPATH=src .venv/bin/python benchmarks/load_gate.py [--rate 100] [--seconds 20] [--runs 1]
[--workers 2] [--concurrency 8] [--ramp 100,150,200,250,300] [--no-access-log] [--keep-db]`.
Never fails on a number; exit status 2 when PostgreSQL cannot be reached.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
SERVICE = "load-app"
CLK_TCK = os.sysconf("SC_CLK_TCK")
HELD_SHARE, HELD_P99 = 0.95, 0.100  # a ramp step is held when achieved ≥ 95 % of offered and p99 < 100 ms
TARGET_RPS, TARGET_P99, TARGET_CPU_RATIO = 250.0, 0.025, 4.0

# --- the server side: gunicorn imports this module as its WSGI application --------------------------

if os.environ.get("BIMODAL_LOAD_GATE_SERVER") == "1":
    import types

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    # The load is one pipeline token at a high rate: measure the gate, not its throttle.
    os.environ.setdefault("BIMODAL_THROTTLE_PIPELINE", "1000000/s")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.conf import settings
    from django.http import JsonResponse
    from django.urls import clear_url_caches, include, path

    urls = types.ModuleType("load_gate_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("bare/", lambda request: JsonResponse({"ok": True})),  # the baseline: a bare Django view
        path("", include("bimodal.config.urls")),
    ]
    sys.modules["load_gate_urls"] = urls
    settings.ROOT_URLCONF = "load_gate_urls"
    clear_url_caches()
    if os.environ.get("BENCH_NO_WARM_UP") != "1":
        # Importing production's entry point warms the worker up as in production: views imported,
        # start-up objects frozen out of the garbage collector.
        import bimodal.config.wsgi  # noqa: F401


# --- CPU time of the server: gunicorn master + workers, PostgreSQL backends of the scratch database ------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` so far (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


class ServerCpu:
    """Reads the CPU time of the web processes and of the database backends serving them."""

    def __init__(self, master: int, admin_url: str, database: str) -> None:
        import psycopg

        self.master, self.database = master, database
        self.monitor = psycopg.connect(admin_url, autocommit=True)  # on another database: not counted

    def backends(self) -> list[int]:
        """The client backends connected to the scratch database (not autovacuum's, not this monitor's)."""
        rows = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
            [self.database],
        ).fetchall()
        return [r[0] for r in rows]

    def sample(self) -> dict[int, tuple[str, float]]:
        pids = {self.master: "web", **dict.fromkeys(_children(self.master), "web")}
        pids.update(dict.fromkeys(self.backends(), "db"))
        return {pid: (kind, _cpu_seconds(pid)) for pid, kind in pids.items()}

    def watch(self) -> tuple[dict[int, tuple[str, float]], threading.Event]:
        """Sample every 0.25 s until the event is set, keeping each process's last reading: a backend
        that ends during a phase (connections are renewed every DB_CONN_MAX_AGE seconds) still counts."""
        seen, stop = self.sample(), threading.Event()

        def poll() -> None:
            while not stop.wait(0.25):
                seen.update(self.sample())

        threading.Thread(target=poll, daemon=True).start()
        return seen, stop

    @staticmethod
    def spent(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
        """CPU seconds spent between two samples, by kind; a process that started meanwhile counts whole."""
        spent = {"web": 0.0, "db": 0.0}
        for pid, (kind, seconds) in after.items():
            spent[kind] += seconds - before.get(pid, (kind, 0.0))[1]
        return spent


# --- the load generator (the second process) ------------------------------------------------------------


class Requester:
    """One thread's HTTP/1.1 connection to the server, reopened after gunicorn closes it."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> str:
        """'ok', or the kind of failure: 'HTTP <status>' or the exception's name."""
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
            response.read()
            if response.will_close:
                self.conn.close()
            return "ok" if 200 <= response.status < 300 else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            return type(exc).__name__


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def _phase_result(
    label: str, latencies: list[float], outcomes: list[str], lags: list[float], elapsed: float
) -> dict:
    ok = sorted(lat for lat, out in zip(latencies, outcomes, strict=True) if out == "ok")
    lag = sorted(lags)
    return {
        "label": label,
        "ok": len(ok),
        "errors": dict(Counter(out for out in outcomes if out != "ok")),
        "rps": len(ok) / max(elapsed, 1e-9),
        "p50": _pct(ok, 0.50),
        "p99": _pct(ok, 0.99),
        "max": ok[-1] if ok else float("nan"),
        "lag_p99": _pct(lag, 0.99),
    }


class Generator:
    """Open- and closed-loop load from a pool of threads; every phase measured with the server's CPU."""

    def __init__(self, port: int, secret: str, cpu: ServerCpu, threads: int) -> None:
        self.port, self.cpu, self.threads = port, cpu, threads
        self.auth = f"Bearer {secret}"
        self.run_id = f"{os.getpid()}-{secrets.token_hex(3)}"

    def request_of(self, endpoint: str, prefix: str):
        if endpoint == "bare":
            return lambda i: ("GET", "/bare/", None, {})

        headers = {"Content-Type": "application/json", "Authorization": self.auth}

        def gate(i: int) -> tuple[str, str, bytes, dict[str, str]]:
            body = {
                "service": SERVICE,
                "version": f"2.{i}.0",
                "idempotency_key": f"{prefix}-{self.run_id}-{i}",
                "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 81.0},
            }
            return "POST", "/api/gate/", json.dumps(body).encode(), headers

        return gate

    def measured(self, label: str, run) -> dict:
        """Run one phase (`run()` returns latencies, outcomes, lags, elapsed) between two CPU samples."""
        load_before = os.getloadavg()
        server_before, own_before = self.cpu.sample(), resource.getrusage(resource.RUSAGE_SELF)
        seen, stop = self.cpu.watch()
        latencies, outcomes, lags, elapsed = run()
        stop.set()
        seen.update(self.cpu.sample())
        server_after, own_after = dict(seen), resource.getrusage(resource.RUSAGE_SELF)
        result = _phase_result(label, latencies, outcomes, lags, elapsed)
        spent = ServerCpu.spent(server_before, server_after)
        own = own_after.ru_utime + own_after.ru_stime - own_before.ru_utime - own_before.ru_stime
        done = max(result["ok"], 1)
        result.update(
            cpu_web=spent["web"] / done,
            cpu_db=spent["db"] / done,
            cpu_generator=own / max(len(outcomes), 1),
            load_before=load_before,
            load_after=os.getloadavg(),
        )
        return result

    def open_loop(self, endpoint: str, prefix: str, *, rate: float, seconds: float, label: str) -> dict:
        """`rate` requests/second for `seconds`: request i is due at start + i/rate, latency from then."""
        make = self.request_of(endpoint, prefix)
        total = int(rate * seconds)

        def run():
            latencies, outcomes, lags = [0.0] * total, ["not sent"] * total, [0.0] * total
            lock, cursor = threading.Lock(), [0]
            start = time.perf_counter() + 0.1
            deadline = start + seconds + 10  # stops by itself even if the server hangs

            def worker() -> None:
                requester = Requester(self.port)
                while True:
                    with lock:
                        i = cursor[0]
                        cursor[0] += 1
                    if i >= total:
                        return
                    due = start + i / rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    sent = time.perf_counter()
                    if sent > deadline:
                        outcomes[i] = "not sent before the deadline"
                        continue
                    lags[i] = sent - due
                    method, path, body, headers = make(i)
                    outcomes[i] = requester.send(method, path, body, headers)
                    latencies[i] = time.perf_counter() - due

            pool = [threading.Thread(target=worker, daemon=True) for _ in range(self.threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join(timeout=seconds + 30)
            return latencies, outcomes, lags, time.perf_counter() - start

        return self.measured(label, run)

    def closed_loop(self, endpoint: str, prefix: str, *, clients: int, seconds: float, label: str) -> dict:
        """`clients` clients each sending the next request when the last is answered (latency: queueing)."""
        make = self.request_of(endpoint, prefix)

        def run():
            latencies: list[float] = []
            outcomes: list[str] = []
            lock, cursor = threading.Lock(), [0]
            start = time.perf_counter()
            stop = start + seconds

            def worker() -> None:
                requester = Requester(self.port)
                while time.perf_counter() < stop:
                    with lock:
                        i = cursor[0]
                        cursor[0] += 1
                    t = time.perf_counter()
                    outcome = requester.send(*make(i))
                    with lock:
                        latencies.append(time.perf_counter() - t)
                        outcomes.append(outcome)

            pool = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join(timeout=seconds + 30)
            with lock:
                return list(latencies), list(outcomes), [], time.perf_counter() - start

        return self.measured(label, run)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.2f}"


def _load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


def report(r: dict) -> None:
    errors = ", ".join(f"{kind} ×{n}" for kind, n in sorted(r["errors"].items())) or "none"
    cpu = (r["cpu_web"] + r["cpu_db"]) * 1e3
    print(
        f"  {r['label']:<38} {r['rps']:6.1f} req/s  p50 {_ms(r['p50'])}  p99 {_ms(r['p99'])}  "
        f"max {_ms(r['max'])} ms  ({r['ok']} ok; errors: {errors})",
        flush=True,
    )
    lag = "" if r["lag_p99"] != r["lag_p99"] else f", send lag p99 {r['lag_p99'] * 1e3:.2f} ms"
    print(
        f"  {'':<38} server CPU/request {cpu:.2f} ms (web {r['cpu_web'] * 1e3:.2f} + PostgreSQL "
        f"{r['cpu_db'] * 1e3:.2f}); generator CPU/request {r['cpu_generator'] * 1e3:.2f} ms{lag}; "
        f"load average {_load(r['load_before'])} → {_load(r['load_after'])}",
        flush=True,
    )


def client_main(config: dict) -> None:
    """The second process: warm up, then every phase, reported as it ends."""
    cpu = ServerCpu(config["master"], config["admin_url"], config["database"])
    gen = Generator(config["port"], config["secret"], cpu, config["threads"])
    rate, seconds, runs = config["rate"], config["seconds"], config["runs"]
    print("Warming up (2 s bare, 2 s gate) …", flush=True)
    gen.open_loop("bare", "warm", rate=rate, seconds=2, label="warm-up")
    gen.open_loop("gate", "warm", rate=rate, seconds=2, label="warm-up")

    bare = gen.open_loop("bare", "", rate=rate, seconds=seconds, label=f"GET /bare/ at {rate:.0f} req/s")
    report(bare)
    gates = []
    for n in range(runs):
        label = f"POST /api/gate/ at {rate:.0f} req/s" + (f", run {n + 1}" if runs > 1 else "")
        gates.append(gen.open_loop("gate", f"load{n}", rate=rate, seconds=seconds, label=label))
        report(gates[-1])
    clients = config["concurrency"]
    peak = gen.closed_loop(
        "gate", "max", clients=clients, seconds=seconds, label=f"POST /api/gate/ max, {clients} clients"
    )
    report(peak)
    held = 0.0
    for step in config["ramp"]:
        r = gen.open_loop(
            "gate",
            f"ramp{step}",
            rate=step,
            seconds=config["ramp_seconds"],
            label=f"ramp: gate at {step:.0f} req/s",
        )
        report(r)
        if r["rps"] >= HELD_SHARE * step and r["p99"] < HELD_P99 and not r["errors"]:
            held = step
        else:
            break

    def cpu_of(r: dict) -> float:
        return r["cpu_web"] + r["cpu_db"]

    gate_cpu = statistics.median(cpu_of(g) for g in gates)
    ratio = gate_cpu / max(cpu_of(bare), 1e-9)
    p99s = [g["p99"] for g in gates]
    capacity = max(peak["rps"], held)
    workers = config["workers"]
    print()
    print(
        f"  ratio gate / bare: p50 {gates[0]['p50'] / bare['p50']:.1f}×, p99 {gates[0]['p99'] / bare['p99']:.1f}×"
    )
    print(
        f"  CPU per request (gate: median of its runs): gate {gate_cpu * 1e3:.2f} ms / bare {cpu_of(bare) * 1e3:.2f} ms = {ratio:.1f}× "
        f"(target ≤ {TARGET_CPU_RATIO:.0f}×: {'met' if ratio <= TARGET_CPU_RATIO else 'NOT met'})"
    )
    print(
        f"  gate capacity: {peak['rps']:.0f} req/s closed loop, highest ramp step held {held:.0f} req/s "
        f"(target ≥ {TARGET_RPS:.0f} req/s with 2 workers, here {workers}: "
        f"{'met' if capacity >= TARGET_RPS and workers <= 2 else 'NOT met'})"
    )
    met = sum(p < TARGET_P99 for p in p99s)
    print(
        f"  gate p99 < 25 ms at {rate:.0f} req/s: {met} of {len(p99s)} run(s) "
        f"({', '.join(f'{p * 1e3:.1f}' for p in p99s)} ms): {'met' if met == len(p99s) else 'NOT met'}"
        + ("" if rate == 100 else " (the target is stated at 100 req/s)")
    )
    gen_cpu = bare["cpu_generator"] * bare["rps"]
    print(
        f"  generator headroom: {gen_cpu * 100:.0f} % of one core at {bare['rps']:.0f} req/s "
        f"(its CPU per request {bare['cpu_generator'] * 1e3:.2f} ms), send lag p99 {bare['lag_p99'] * 1e3:.2f} ms"
    )
    print(
        "  not covered: TLS and a proxy in front (loopback to gunicorn); more than one token, service or\n"
        "  policy set; denied calls, replays and approvals (every call here is allowed); a database that has\n"
        "  grown (the scratch one holds only this run's calls); the generator shares the server's cores."
    )


# --- orchestration ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url and not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"BENCH_DATABASE_URL must be a PostgreSQL URL, not {url!r}")
    return url or DEFAULT_SERVER


def _with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path=f"/{name}").geturl()


def _admin(url: str):
    import psycopg

    try:
        return psycopg.connect(_with_database(url, "postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        sys.stderr.write(
            f"load_gate needs PostgreSQL (BENCH_DATABASE_URL, default {DEFAULT_SERVER}): {exc}".rstrip()
            + "\n"
        )
        raise SystemExit(2) from None


def _env(url: str, data_dir: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bimodal.config.settings",
        "DATABASE_URL": url,
        "BIMODAL_DATA_DIR": data_dir,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "benchmarks")]),
    }


def _prepare(url: str, data_dir: str) -> str:
    """Migrate, load the default policies, one Mode 2 service and a pipeline token; return its secret."""
    code = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from bimodal.changes import services as cs
from bimodal.core.models import OrgUnit, Team, User
from bimodal.governance.defaults import apply_default_policies
from bimodal.portfolio.models import Mode, Service
admin = User.objects.create_superuser("load-admin", password=None)
apply_default_policies(actor=admin)
unit = OrgUnit.objects.create(name="Load", slug="load")
team = Team.objects.create(name="Load", slug="load", org_unit=unit)
app = Service.objects.create(name="Load app", slug="{SERVICE}", mode=Mode.objects.get(key="mode-2"),
                             owner_team=team, criticality=1)
_, secret = cs.pipeline_token_create(actor=admin, name="load", services=[app])
print(secret)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(url, data_dir), check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited before it was ready")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bare/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s")


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # runs the clean-up (the finally blocks) as Ctrl-C does


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rate", type=float, default=100.0, help="open-loop rate of the bare and gate phases"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--runs", type=int, default=1, help="gate phases at --rate, one after the other")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (as bimodal serve --workers)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="clients of the closed-loop max phase")
    parser.add_argument(
        "--ramp", default="100,150,200,250,300", help="open-loop rates tried in turn ('' for none)"
    )
    parser.add_argument(
        "--ramp-seconds", type=float, default=None, help="per ramp step (default --seconds / 2)"
    )
    parser.add_argument(
        "--threads", type=int, default=64, help="generator threads (requests in flight at most)"
    )
    parser.add_argument("--no-access-log", action="store_true", help="as bimodal serve --no-access-log")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the scratch database")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(json.loads(args.client))
        return
    signal.signal(signal.SIGTERM, _terminated)
    from bimodal.core.management.commands.serve import gunicorn_argv

    server_url = _server_url()
    database = f"bimodal_bench_{os.getpid()}_{secrets.token_hex(4)}"
    url = _with_database(server_url, database)
    admin = _admin(server_url)
    admin.execute(f'CREATE DATABASE "{database}"')
    server = client = None
    try:
        with tempfile.TemporaryDirectory(prefix="bimodal-load-gate-") as data_dir:
            secret = _prepare(url, data_dir)
            port = _free_port()
            argv = gunicorn_argv(
                bind=f"127.0.0.1:{port}",
                workers=args.workers,
                access_log=not args.no_access_log,
                app="load_gate:application",
            )
            print(
                f"Bimodal gate load test — {os.cpu_count()} CPUs, PostgreSQL database {database} (scratch)\n"
                f"  server: {' '.join([Path(argv[0]).name, *argv[1:]])}\n"
                f"          (bimodal serve's command line; its access and error logs go to a file)\n"
                f"  generator: a second process, {args.threads} threads, open loop at {args.rate:.0f} req/s "
                f"for {args.seconds:.0f} s per phase",
                flush=True,
            )
            log_path = Path(data_dir) / "server.log"
            with open(log_path, "w") as log:
                server = subprocess.Popen(
                    argv,
                    env={**_env(url, data_dir), "BIMODAL_LOAD_GATE_SERVER": "1"},
                    cwd=str(ROOT),
                    stdout=log,
                    stderr=log,
                )
                try:
                    _wait_ready(port, server)
                except SystemExit:
                    sys.stderr.write(log_path.read_text()[-4000:])
                    raise
                config = {
                    "port": port,
                    "secret": secret,
                    "master": server.pid,
                    "admin_url": _with_database(server_url, "postgres"),
                    "database": database,
                    "rate": args.rate,
                    "seconds": min(args.seconds, 120),
                    "runs": max(args.runs, 1),
                    "concurrency": args.concurrency,
                    "ramp": [float(x) for x in args.ramp.split(",") if x.strip()],
                    "ramp_seconds": args.ramp_seconds or max(args.seconds / 2, 2),
                    "threads": args.threads,
                    "workers": args.workers,
                }
                client = subprocess.Popen(
                    [sys.executable, __file__, "--client", json.dumps(config)], env=_env(url, data_dir)
                )
                limit = (4 + config["runs"] + len(config["ramp"])) * args.seconds + 300
                if client.wait(timeout=limit) != 0:
                    raise SystemExit(f"the load generator failed (exit status {client.returncode})")
    finally:
        for proc in (client, server):  # the generator first, then the server it measures
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if args.keep_db:
            print(f"  kept the database {database}")
        else:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()

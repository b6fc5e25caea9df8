"""Load benchmark of the deployment gate: gunicorn + PostgreSQL, driven from a second process.

Creates a scratch database (`bimodal_bench` on postgres://postgres@127.0.0.1:5432, or the PostgreSQL
database named by BENCH_DATABASE_URL / DATABASE_URL), migrates it, loads the default policies, one Mode 2
service and a pipeline token, starts `gunicorn -w 2` on a free loopback port and then, from a second
process, sends a fixed 100 requests/second (open loop: each request starts at its scheduled time) for
20 s to a bare endpoint and then 20 s to POST /api/gate/ (each with a new idempotency key). Prints
p50/p90/p99 latency (measured from the scheduled start, so a server that falls behind shows it) and the
achieved requests/second of both, and their ratio. Then the maximum throughput of the gate: a closed
loop of `--concurrency` clients sending back to back for `--seconds` (latency there is queueing, not a
target). Stops by itself; never fails on a number.

Run: `.venv/bin/python benchmarks/load_gate.py [--rate 100] [--seconds 20] [--workers 2]
[--concurrency 8] [--keep-db]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bimodal_bench"
SERVICE = "load-app"

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
    urls.urlpatterns = [
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


# --- the client side --------------------------------------------------------------------------------


def _send(port: int, path: str, body: dict | None) -> int:
    """One request on a new connection (as a pipeline makes it); its HTTP status, -1 if it failed."""
    headers = {"Content-Type": "application/json", **body.pop("_headers", {})} if body else {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        if body:
            conn.request("POST", path, json.dumps(body), headers)
        else:
            conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return -1
    finally:
        conn.close()


def _summary(label: str, latencies: list[float], statuses: list[int], elapsed: float) -> dict:
    ok = sorted(lat for lat, st in zip(latencies, statuses, strict=True) if 200 <= st < 300)
    errors = sum(1 for st in statuses if not 200 <= st < 300)

    def pct(p: float) -> float:
        return ok[min(len(ok) - 1, int(len(ok) * p))] if ok else float("nan")

    return {
        "label": label,
        "n": len(ok),
        "errors": errors,
        "rps": len(ok) / max(elapsed, 1e-9),
        "p50": statistics.median(ok) if ok else float("nan"),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": ok[-1] if ok else float("nan"),
    }


def saturate(port: int, path: str, body_of, *, concurrency: int, seconds: float, label: str) -> dict:
    """Closed loop: `concurrency` clients each send the next request as soon as the last is answered."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: list[int] = []
    counter = [0]
    start = time.perf_counter()
    stop = start + seconds

    def worker() -> None:
        while time.perf_counter() < stop:
            with lock:
                i = counter[0]
                counter[0] += 1
            t = time.perf_counter()
            status = _send(port, path, body_of(i))
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                statuses.append(status)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 20)
    with lock:
        return _summary(label, list(latencies), list(statuses), time.perf_counter() - start)


def drive(port: int, path: str, body_of, *, rate: float, seconds: float, label: str) -> dict:
    """Send `rate` requests/second for `seconds` (open loop, bounded count), return latencies in seconds."""
    total = int(rate * seconds)
    latencies: list[float] = [0.0] * total
    statuses: list[int] = [0] * total
    lock = threading.Lock()
    next_index = [0]
    start = time.perf_counter() + 0.2
    deadline = start + seconds + 10  # stop by itself even if the server hangs

    def worker() -> None:
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                return
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if time.perf_counter() > deadline:
                statuses[i] = -1
                continue
            statuses[i] = _send(port, path, body_of(i))
            latencies[i] = time.perf_counter() - scheduled

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 20)
    return _summary(label, latencies, statuses, time.perf_counter() - start)


def client_main(port: int, secret: str, rate: float, seconds: float, concurrency: int) -> None:
    """The second process: warm up, then measure the bare endpoint and the gate at a fixed rate."""
    run = f"{os.getpid()}-{int(time.time())}"
    auth = {"Authorization": f"Bearer {secret}"}

    def gate_body(prefix: str):
        def body(i: int) -> dict:
            return {
                "service": SERVICE,
                "version": f"2.{i}.0",
                "idempotency_key": f"{prefix}-{run}-{i}",
                "evidence": {"tests_passed": True, "security_scan": "pass", "coverage": 81.0},
                "_headers": dict(auth),
            }

        return body

    drive(port, "/bare/", lambda i: None, rate=rate, seconds=2, label="warm-up")
    drive(port, "/api/gate/", gate_body("warm"), rate=rate, seconds=2, label="warm-up")
    results = [
        drive(
            port, "/bare/", lambda i: None, rate=rate, seconds=seconds, label="GET /bare/ (bare Django view)"
        ),
        drive(
            port, "/api/gate/", gate_body("load"), rate=rate, seconds=seconds, label="POST /api/gate/ (allow)"
        ),
        saturate(
            port,
            "/api/gate/",
            gate_body("max"),
            concurrency=concurrency,
            seconds=seconds,
            label=f"POST /api/gate/ max ({concurrency} clients)",
        ),
    ]
    print(json.dumps(results))


# --- orchestration ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return DEFAULT_URL


def _recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def _prepare(url: str, data_dir: str) -> str:
    """Migrate, load the default policies, one Mode 2 service and a pipeline token; return its secret."""
    code = f"""
import django, os
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


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
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
    raise SystemExit("gunicorn did not answer within 30 s")


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="clients of the max-throughput run")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--client", nargs=2, metavar=("PORT", "SECRET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(int(args.client[0]), args.client[1], args.rate, min(args.seconds, 120), args.concurrency)
        return
    url = _database_url()
    _recreate_database(url)
    with tempfile.TemporaryDirectory(prefix="bimodal-load-gate-") as data_dir:
        secret = _prepare(url, data_dir)
        port = _free_port()
        server = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "load_gate:application",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            env={**_env(url, data_dir), "BIMODAL_LOAD_GATE_SERVER": "1"},
            cwd=str(ROOT),
        )
        try:
            _wait_ready(port, server)
            client = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--client",
                    str(port),
                    secret,
                    "--rate",
                    str(args.rate),
                    "--seconds",
                    str(args.seconds),
                    "--concurrency",
                    str(args.concurrency),
                ],
                capture_output=True,
                text=True,
                timeout=5 * args.seconds + 120,
                check=True,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        results = json.loads(client.stdout.strip().splitlines()[-1])
    if not args.keep_db:
        _drop_database(url)
    print(
        f"Bimodal gate load test — gunicorn -w {args.workers}, PostgreSQL ({urlparse(url).path.lstrip('/')}), "
        f"{args.rate:.0f} req/s for {args.seconds:.0f} s each from a second process, {os.cpu_count()} CPUs"
    )
    for r in results:
        print(
            f"  {r['label']:<34} p50 {_ms(r['p50'])}  p90 {_ms(r['p90'])}  p99 {_ms(r['p99'])}  "
            f"max {_ms(r['max'])}  {r['rps']:6.1f} req/s  ({r['n']} ok, {r['errors']} errors)"
        )
    bare, gate, peak = results
    print(f"  ratio gate / bare: {gate['p50'] / bare['p50']:.1f}× p50, {gate['p99'] / bare['p99']:.1f}× p99")
    print(f"  gate maximum throughput: {peak['rps']:.0f} req/s with {args.concurrency} clients back to back")
    print(
        f"  target gate p99 < 25 ms at {args.rate:.0f} req/s: {'met' if gate['p99'] < 0.025 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

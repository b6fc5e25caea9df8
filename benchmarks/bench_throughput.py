"""Throughput of one page under gunicorn: a closed loop of client threads against N sync workers.

Uses a database bench_pages.py loaded and kept (BENCH_DATABASE_URL, BENCH_KEEP=1); signs in as its
administrator (a session made here, so no sign-in throttling), starts gunicorn with DEBUG off on
127.0.0.1:PORT and lets THREADS clients request the page back to back for SECONDS. Prints requests per
second, p50/p95 latency, the workers' CPU time per request (/proc/<pid>/stat) and the load average.
Run: `BENCH_DATABASE_URL=... .venv/bin/python benchmarks/bench_throughput.py [--path /portfolio/services/]
[--workers 2] [--threads 4] [--seconds 20] [--port 8171]`.

Not covered: the network and a proxy in front (everything is on loopback), static files, sign-in, other
pages running at the same time; the client threads share the machine's cores with the workers and the
database, so on a small machine the figure is a floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bimodal_bench_pages")
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/portfolio/services/")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8171)
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "DEBUG": "false",
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "bimodal.config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-throughput-not-secret-" + "x" * 40),
        "BIMODAL_DATA_DIR": os.environ.get(
            "BIMODAL_DATA_DIR", f"/tmp/bimodal-bench-throughput-{os.getpid()}"
        ),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from bimodal.core.models import User

    admin = User.objects.get(username="bench-admin")
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(admin.pk),
            # The backend that loads users (django-axes' comes first and only guards sign-in).
            BACKEND_SESSION_KEY: next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b),
            HASH_SESSION_KEY: admin.get_session_auth_hash(),
        }
    )
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bimodal.config.wsgi:application",
            f"--workers={args.workers}",
            f"--bind=127.0.0.1:{args.port}",
            "--log-level=warning",
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{args.port}{args.path}"

    def get() -> tuple[int, int]:
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, len(response.read())

    try:
        for _ in range(100):
            try:
                status, size = get()
                break
            except urllib.error.HTTPError as error:
                raise SystemExit(f"{url} answered {error.code}") from error
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer")
        print(f"{url}: {status}, {size / 1024:.1f} KB")
        for _ in range(4 * args.workers):
            get()  # warm every worker
        workers = _children(server.pid)
        latencies: list[float] = []
        errors = [0]
        stop = time.perf_counter() + args.seconds

        def client() -> None:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    ok = get()[0] == 200
                except OSError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors[0] += 1

        load_before = os.getloadavg()
        cpu0 = sum(_cpu_seconds(pid) for pid in workers)
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t0
        cpu = sum(_cpu_seconds(pid) for pid in workers) - cpu0
        done = len(latencies)
        latencies.sort()
        print(
            f"{args.workers} gunicorn workers, {args.threads} client threads, {elapsed:.1f} s: "
            f"{done} requests, {done / elapsed:.1f} req/s, {errors[0]} errors"
        )
        if done:
            p95 = latencies[min(done - 1, int(done * 0.95))]
            print(
                f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms; "
                f"worker CPU {cpu / done * 1000:.1f} ms per request"
            )
        print(
            f"load average before {' '.join(f'{x:.2f}' for x in load_before)}, "
            f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)"
        )
        print(__doc__.split("Not covered: ")[1].strip().join(["Not covered: ", ""]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        session.delete()


if __name__ == "__main__":
    main()

"""Benchmark of the SLA recompute: the whole `sla_check()` on PostgreSQL, and its calendar kernel.

(1) Kernel, arrays in memory: elapsed business seconds for N open tickets (opened at random in the last
90 days; 09:00–17:30 Monday to Friday in Europe/London with English bank holidays), by
`calendars.business_seconds_many`, by a numpy prefix sum over a table of business seconds per local
day, and by numpy's `busday_count` on local times from pandas (the three are checked identical).

(2) The whole check: `sla_check()` over N running clocks (N/2 tickets, each with a response clock of 4 h
and a resolution clock of 40 h on that schedule) in a PostgreSQL database the script creates and drops
(`BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/bimodal_bench_sla; `BENCH_KEEP=1`
keeps it). The data is loaded with COPY in the steady state of a check that runs every minute: every
clock computed one minute before, the warnings and breaches already reached raised. Three checks one
minute apart then each recompute and write every clock and raise the few escalations crossed in that
minute (through the ORM, with notifications and audit). The baseline, in the same run, is the way the
check used to work (ORM objects with their ticket and escalations, `bulk_update` in batches of 500) on
the first BENCH_ORM_CLOCKS clocks (default 5,000) — without its escalations, so it is flattered.
Wall time beside the CPU time of this process and of its PostgreSQL backend, and the load average.
Run: `.venv/bin/python benchmarks/bench_sla.py [N]` (default 1,000,000).
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bimodal.core.calendars import Schedule, _holidays, business_seconds_many  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
ORM_CLOCKS = int(os.environ.get("BENCH_ORM_CLOCKS", "5000"))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bimodal_bench_sla")
REPEATS = 5
OPEN, CLOSE = 9 * 3600, 17 * 3600 + 1800
NOW = datetime(2025, 6, 2, 14, 17, 23, tzinfo=UTC)  # a Monday, 15:17 in London: every clock runs
SCHEDULE = Schedule.from_spec(
    time_zone="Europe/London",
    hours={d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    country="GB",
    subdivision="ENG",
)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- (1) the kernel ----------------------------------------------------------------------------------


def bimodal(starts: np.ndarray) -> np.ndarray:
    return business_seconds_many(SCHEDULE, starts, NOW)


def prefix_sum(starts: np.ndarray) -> np.ndarray:
    """A table of each local day's working intervals (UTC epoch) and a cumulative sum of working
    seconds per day: elapsed = work before the end's day − work before the start's day + the partial
    days. The local day of an instant is its UTC day from the first local midnight, corrected by one
    where a DST offset moves the midnight (exact across DST changes)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(SCHEDULE.time_zone)
    first = datetime.fromtimestamp(float(starts.min()), UTC).astimezone(zone).date()
    last = NOW.astimezone(zone).date()
    days = [first + timedelta(days=k) for k in range((last - first).days + 2)]
    midnights = np.array(
        [datetime(d.year, d.month, d.day, tzinfo=zone).timestamp() for d in days], dtype=np.float64
    )
    width = max(1, max(len(h) for h in SCHEDULE.hours))
    opens = np.zeros((len(days), width))
    closes = np.zeros((len(days), width))
    for k, d in enumerate(days):
        for j, (a, b) in enumerate(SCHEDULE.intervals_on(d)):
            opens[k, j], closes[k, j] = a.timestamp(), b.timestamp()
    before = np.concatenate(([0.0], np.cumsum((closes - opens).sum(axis=1))))

    def measure(t: np.ndarray) -> np.ndarray:
        guess = ((t - midnights[0]) // 86400).astype(np.int64)
        guess = np.clip(guess, 0, len(days) - 2)
        guess -= t < midnights[guess]
        guess += t >= midnights[guess + 1]
        done = before[guess]
        for j in range(width):
            o, c = opens[guess, j], closes[guess, j]
            done = done + (np.clip(t, o, c) - o)
        return done

    return np.maximum(measure(np.array([NOW.timestamp()])) - measure(starts), 0.0)


def pandas_busday(starts: np.ndarray) -> np.ndarray:
    """numpy busday_count for full days between, plus the clipped first and last days (local time)."""
    hol = np.array(sorted(d for y in (2024, 2025) for d in _holidays("GB", "ENG", y)), dtype="datetime64[D]")
    local = pd.to_datetime(starts, unit="s", utc=True).tz_convert("Europe/London").tz_localize(None)
    start_day = local.values.astype("datetime64[D]")
    start_sec = (local.values - start_day).astype("timedelta64[s]").astype(np.int64)
    end_local = pd.Timestamp(NOW).tz_convert("Europe/London").tz_localize(None)
    end_day = np.datetime64(end_local.date(), "D")
    end_sec = int((end_local - end_local.normalize()).total_seconds())
    day = CLOSE - OPEN
    full = np.busday_count(start_day + 1, end_day, holidays=hol)
    first_open = np.is_busday(start_day, holidays=hol)
    first = np.where(first_open, np.clip(CLOSE - np.clip(start_sec, OPEN, CLOSE), 0, day), 0)
    last_open = np.is_busday(end_day, holidays=hol)
    last = np.clip(end_sec, OPEN, CLOSE) - OPEN if last_open else 0
    same = start_day == end_day
    same_day = np.where(
        first_open, np.clip(min(max(end_sec, OPEN), CLOSE) - np.clip(start_sec, OPEN, CLOSE), 0, day), 0
    )
    return np.where(same, same_day, first + full * day + last).astype(np.float64)


def timed(fn, starts) -> tuple[float, np.ndarray]:
    """The least CPU time of this process over REPEATS runs after a warm-up (the machine is shared: CPU
    time moves less than wall time with other work), and the result."""
    result = fn(starts)
    samples = []
    for _ in range(REPEATS):
        t0 = time.process_time()
        result = fn(starts)
        samples.append(time.process_time() - t0)
    return min(samples), result


def kernel() -> None:
    rng = np.random.default_rng(20250602)
    # Whole seconds: the methods are then exact and must agree to the second.
    starts = (NOW.timestamp() - rng.integers(0, 90 * 86400, N)).astype(np.float64)
    print(f"(1) Kernel: {N:,} open tickets, arrays in memory (load average {load_average()})")
    ours_s, ours = timed(bimodal, starts)
    pre_s, pre = timed(prefix_sum, starts)
    base_s, base = timed(pandas_busday, starts)
    print("  least CPU time of 5 runs:")
    print(f"  calendars.business_seconds_many {ours_s * 1000:9.1f} ms  {N / ours_s:14,.0f} tickets/s")
    print(f"  numpy prefix sum over days      {pre_s * 1000:9.1f} ms  {N / pre_s:14,.0f} tickets/s")
    print(f"  pandas + busday_count           {base_s * 1000:9.1f} ms  {N / base_s:14,.0f} tickets/s")
    print(
        f"  results identical: {np.array_equal(ours, pre) and np.array_equal(ours, base)}; "
        f"time ratio calendars / prefix sum {ours_s / pre_s:.2f}, calendars / pandas {ours_s / base_s:.2f}"
    )


# --- (2) the whole check on PostgreSQL -----------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    admin = urlparse(URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _copy(model, given: list[str], rows) -> None:
    """COPY rows into a model's table; other columns get their field default (or NULL, or '')."""
    import json

    from django.db import connection

    constants = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in given:
            continue
        if f.null:
            constants[f.column] = None
        elif f.has_default():
            value = f.get_default()
            constants[f.column] = (
                json.dumps(value) if isinstance(value, dict | list) else f.get_db_prep_save(value, connection)
            )
        else:
            constants[f.column] = ""
    columns, tail = [*given, *constants], list(constants.values())
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([*row, *tail])


def load(n_clocks: int) -> dict:
    """Tickets and their clocks, in the state a check one minute before `NOW` left them."""
    from bimodal.core.calendars import Timeline
    from bimodal.core.models import OrgUnit, Team, User
    from bimodal.portfolio.models import Mode, Service
    from bimodal.servicedesk.models import SlaDefinition, SlaEscalation, SlaInstance, SupportSchedule, Ticket

    unit = OrgUnit.objects.create(name="Bench", slug="bench")
    team = Team.objects.create(name="Bench", slug="bench", org_unit=unit)
    user = User.objects.create_user("bench", password=None)
    service = Service.objects.create(
        name="Bench", slug="bench", mode=Mode.objects.order_by("order").first(), owner_team=team
    )
    schedule = SupportSchedule.objects.create(
        name="London office",
        slug="london-office",
        time_zone="Europe/London",
        hours={d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        country="GB",
        subdivision="ENG",
    )
    common = {"ticket_type": "incident", "schedule": schedule, "pause_statuses": ["awaiting_customer"]}
    response = SlaDefinition.objects.create(
        name="Response", target="response", target_seconds=4 * 3600, warning_thresholds=[50, 75], **common
    )
    resolution = SlaDefinition.objects.create(
        name="Resolution",
        target="resolution",
        target_seconds=40 * 3600,
        warning_thresholds=[50, 75, 90],
        **common,
    )
    tickets = n_clocks // 2
    rng = np.random.default_rng(20250602)
    opened = NOW.timestamp() - rng.integers(0, 90 * 86400, tickets).astype(np.float64)
    before = NOW - timedelta(minutes=1)
    timeline = Timeline(SCHEDULE, datetime.fromtimestamp(float(opened.min()), UTC), NOW + timedelta(days=60))
    at_open = timeline.measure(opened)
    elapsed = np.maximum(timeline.measure(np.array([before.timestamp()]))[0] - at_open, 0.0)

    def ts(x: float) -> datetime:
        return datetime.fromtimestamp(x, UTC)

    t0 = time.perf_counter()
    _copy(
        Ticket,
        [
            *("id", "created_at", "updated_at", "number", "ticket_type", "title"),
            *("service_id", "requester_id", "status", "opened_at", "priority"),
        ],
        (
            (
                *(i + 1, ts(opened[i]), ts(opened[i]), f"INC{i + 1:07d}", "incident", "bench"),
                *(service.pk, user.pk, "in_progress", ts(opened[i]), "P3"),
            )
            for i in range(tickets)
        ),
    )
    clocks, escalations = [], []
    for k, definition in enumerate((response, resolution)):
        due = timeline.locate(at_open + definition.target_seconds)
        marks = sorted({*definition.warning_thresholds, 100})
        for i in range(tickets):
            pk = 2 * i + k + 1
            over = elapsed[i] > definition.target_seconds
            pct = 100.0 * elapsed[i] / definition.target_seconds
            reached = [m for m in marks if pct >= m]
            escalations.extend((pk, m, before, "[]") for m in reached)
            clocks.append(
                (
                    *(pk, i + 1, definition.pk, definition.target, "breached" if over else "running"),
                    *(ts(opened[i]), ts(opened[i]), 0.0, ts(due[i]), ts(due[i]) if over else None),
                    *(before, float(elapsed[i]), max(reached, default=0)),
                )
            )
    clocks.sort()
    _copy(
        SlaInstance,
        [
            *("id", "ticket_id", "definition_id", "target", "state", "started_at", "running_since"),
            *(
                "elapsed_seconds",
                "due_at",
                "breached_at",
                "computed_at",
                "computed_elapsed",
                "raised_threshold",
            ),
        ],
        clocks,
    )
    _copy(SlaEscalation, ["instance_id", "threshold", "created_at", "recipients"], escalations)
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (Ticket, SlaInstance, SlaEscalation):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
            cursor.execute(f"ANALYZE {table}")
    return {"seconds": time.perf_counter() - t0, "escalations": len(escalations)}


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (from /proc: same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(fn):
    cpu0, db0, t0 = time.process_time(), backend_cpu(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, time.process_time() - cpu0, backend_cpu() - db0


def orm_check(now: datetime, limit: int) -> int:
    """The check as it used to be (without its escalations): ORM objects, numpy, bulk_update."""
    from bimodal.core.calendars import Timeline
    from bimodal.servicedesk.models import SlaInstance

    running = list(
        SlaInstance.objects.filter(running_since__isnull=False, stopped_at__isnull=True)
        .order_by("id")
        .select_related("definition__schedule", "ticket")
        .prefetch_related("escalations")[:limit]
    )
    schedule = running[0].definition.schedule.as_schedule()
    starts = [i.running_since for i in running]
    elapsed = Timeline(schedule, min(starts), now).between(
        np.array([s.timestamp() for s in starts]), now.timestamp()
    )
    for instance, extra in zip(running, elapsed.tolist(), strict=True):
        instance.computed_elapsed = instance.elapsed_seconds + extra
        instance.computed_at = now
        _ = {e.threshold for e in instance.escalations.all()}
    SlaInstance.objects.bulk_update(
        running, ["computed_elapsed", "computed_at", "state", "breached_at"], batch_size=500
    )
    return len(running)


def whole_check() -> None:
    _admin(f'DROP DATABASE IF EXISTS "{urlparse(URL).path.lstrip("/")}"')
    _admin(f'CREATE DATABASE "{urlparse(URL).path.lstrip("/")}"')
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from bimodal.servicedesk.models import SlaInstance
        from bimodal.servicedesk.services import sla_check

        print(
            f"(2) The whole sla_check() on PostgreSQL: {N:,} running clocks ({N // 2:,} tickets)", flush=True
        )
        data = load(N)
        print(
            f"  loaded with COPY in {data['seconds']:.1f} s ({data['escalations']:,} escalations already raised)"
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for minute in range(3):
            now = NOW + timedelta(minutes=minute)
            print(f"  load average before: {load_average()} (2 cores)", flush=True)
            if minute < 2:
                result, wall, cpu, db = measured(lambda now=now: sla_check(now=now))
            else:  # each statement timed (Django renders each one's text: more Python time)
                with CaptureQueriesContext(connection) as queries:
                    result, wall, cpu, db = measured(lambda now=now: sla_check(now=now))
            print(
                f"  check at +{minute} min: {wall:6.2f} s wall ({cpu:.2f} s Python CPU, {db:.2f} s PostgreSQL CPU) "
                f"{result['running'] / wall:10,.0f} clocks/s wall, {result['running'] / (cpu + db):10,.0f} "
                f"clocks/s of CPU; {result}"
            )
        stale = SlaInstance.objects.filter(running_since__isnull=False).exclude(computed_at=now).count()
        print(f"  running clocks the last check did not write: {stale:,}")
        with connection.cursor() as cursor:
            if connection.pg_version >= 150000:  # this backend's counters, not flushed yet
                cursor.execute("SELECT pg_stat_force_next_flush()")
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s",
                [SlaInstance._meta.db_table],
            )
            updated, hot = cursor.fetchone()
        print(f"  clock rows updated {updated:,}, of which heap-only (HOT, no index entries) {hot:,}")
        statements = queries.captured_queries
        print(f"  the last check's {len(statements)} statements, the first five (wall time each):")
        for query in statements[:5]:
            print(f"    {float(query['time']):7.3f} s  {query['sql'][:90]}")
        updates = [
            float(q["time"]) for q in statements if q["sql"].startswith("WITH v AS") and "UPDATE " in q["sql"]
        ]
        print(f"    {sum(updates):7.3f} s  in {len(updates)} UPDATE batches")
        for query in statements:
            if "AS v(id, def, threshold" in query["sql"]:
                print(f"    {float(query['time']):7.3f} s  the escalations due: {query['sql'][:60]}")
        marks = [
            float(q["time"]) for q in statements if q["sql"].startswith("SELECT") and "FOR UPDATE" in q["sql"]
        ]
        print(f"    {sum(marks):7.3f} s  locking the clocks escalated to move their mark")
        now = NOW + timedelta(minutes=3)
        count, wall, cpu, db = measured(lambda: orm_check(now, ORM_CLOCKS))
        print(
            f"  baseline, the ORM check on {count:,} clocks (no escalations): {wall:6.2f} s wall "
            f"({cpu:.2f} s Python CPU, {db:.2f} s PostgreSQL CPU) {count / wall:12,.0f} clocks/s"
        )
        print(f"  load average at end: {load_average()} (2 cores)")
        print(
            "  Not covered: clocks on many schedules (one here), a check racing requests that pause or stop"
            " clocks, the first check after an outage (every escalation due at once goes through the ORM),"
            " SQLite."
        )
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            _admin(f'DROP DATABASE IF EXISTS "{urlparse(URL).path.lstrip("/")}"')


if __name__ == "__main__":
    kernel()
    if os.environ.get("BENCH_KERNEL_ONLY") != "1":
        whole_check()

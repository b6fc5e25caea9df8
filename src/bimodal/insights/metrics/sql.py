"""SQL helpers shared by the metrics: dialect differences (epoch seconds, floor, months), the
organisation's time zone (local days, weeks and months) and percentiles computed in the database.

Time zone: periods are cut and figures bucketed by day, week (Monday first) and month in one zone, the
organisation's — Django's `TIME_ZONE` setting (`org_zone`). A *local day* is the number of days from
1970-01-01 to the local date of an instant. PostgreSQL converts with `AT TIME ZONE`; SQLite has no zone
database, so the UTC offsets in force over the period and the instants where they change are worked
out here (zoneinfo) and passed in: local day = (epoch + offset at that instant) div 86400, the offset a
CASE over the (few) changes in the period. Both give the same days (tested on both databases).

Percentiles are linear interpolation between closest ranks (PostgreSQL's `percentile_cont`): the
value at position 1 + p·(n − 1) of the sorted values. On PostgreSQL the ordered-set aggregate is
used; elsewhere ROW_NUMBER and COUNT windows pick the two neighbouring ranks and weigh them. Both
give the same figures (tested on both databases)."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

FRACTIONS = (50, 90)


def vendor() -> str:
    return connection.vendor


@contextmanager
def tuned(*, timeout: bool = True):
    """Run a computation in one transaction with memory for its sorts, without JIT and with a time limit
    on each statement (PostgreSQL).

    The figures sort up to a few million rows (percentiles, windows, per-commit and per-object
    groups). PostgreSQL's default `work_mem` (4 MB) sends those sorts and hashes to disk; JIT
    compilation adds a few hundred milliseconds to every large query, and on a long statement it can
    sit in LLVM's optimiser for minutes, deaf to `statement_timeout` and to cancellation. `SET LOCAL`
    raises the one and turns off the other for this transaction only (`INSIGHTS_WORK_MEM` setting,
    default 128MB: a heat map over 1,000,000 events sorts about 95 MB of steps). `timeout` also bounds each statement by `INSIGHTS_STATEMENT_TIMEOUT` (default 2min;
    "0" for none): a figure that runs longer fails with `QueryCanceled` (a 503 for the pages and the
    API) instead of holding its locks. The full rebuild run by an operator passes `timeout=False`."""
    if vendor() != "postgresql" or getattr(connection, "insights_tuned", False):
        yield  # not PostgreSQL, or already inside a tuned computation
        return
    limit = str(getattr(settings, "INSIGHTS_STATEMENT_TIMEOUT", "2min")) if timeout else "0"
    # Inside a caller's transaction the settings last until it ends (no savepoint needed for them).
    with transaction.atomic() if not connection.in_atomic_block else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true), "
                "set_config('statement_timeout', %s, true)",
                [getattr(settings, "INSIGHTS_WORK_MEM", "128MB"), limit],
            )
        connection.insights_tuned = True  # type: ignore[attr-defined]
        try:
            yield
        finally:
            connection.insights_tuned = False  # type: ignore[attr-defined]


def json_rows(columns: list[tuple[str, str]], rows: list[tuple]) -> tuple[str, list[str]]:
    """A relation of `rows` (tuples of integers and datetimes) with the named `columns` ((name, type),
    type "bigint" or "timestamptz"), passed as ONE JSON parameter: `FROM {relation} w`.

    Its SQL text is the same for ten rows or a hundred thousand, so the statement costs the same to
    parse and plan whatever the data (a term per row joined by OR, or a list of placeholders, grows
    the statement and its planning with the rows). PostgreSQL reads the array with
    `jsonb_array_elements`, SQLite with `json_each`; datetimes go as each backend stores them."""

    def value(v: object) -> object:
        if isinstance(v, datetime):
            v = param(v)
            return v.isoformat() if isinstance(v, datetime) else v
        return v

    payload = json.dumps([[value(v) for v in row] for row in rows])
    if vendor() == "postgresql":
        cols = ", ".join(f"(r.value->>{i})::{kind} AS {name}" for i, (name, kind) in enumerate(columns))
        return f"(SELECT {cols} FROM jsonb_array_elements(%s::jsonb) r)", [payload]
    cols = ", ".join(f"json_extract(r.value, '$[{i}]') AS {name}" for i, (name, _) in enumerate(columns))
    return f"(SELECT {cols} FROM json_each(%s) r)", [payload]


def side_by_side(tasks: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run independent read-only queries at the same time, each on its own connection, when that is
    sound: PostgreSQL and no transaction open (other connections see only committed rows). A
    percentile is an ordered-set aggregate, which PostgreSQL does not spread over parallel workers;
    this lets the separate parts of a figure (stages, steps, hand-offs; the four keys) use the cores
    instead. `INSIGHTS_PARALLEL_QUERIES` (default 2) connections at most; 1 runs everything in turn.
    Each part is computed from its own snapshot of the data."""
    workers = min(int(getattr(settings, "INSIGHTS_PARALLEL_QUERIES", 2)), len(tasks))
    if vendor() != "postgresql" or connection.in_atomic_block or workers <= 1:
        return {name: task() for name, task in tasks.items()}

    def run(task):
        try:
            return task()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(run, task) for name, task in tasks.items()}
        return {name: future.result() for name, future in futures.items()}


def epoch(column: str) -> str:
    """SQL for a datetime column in epoch seconds (float), exact to the microsecond.

    SQLite stores datetimes as text ('YYYY-MM-DD HH:MM:SS[.ffffff]'). Its julianday() is a float of
    days, and (julianday − 2440587.5) × 86400 loses the last digits: one hour came out as
    3599.99998664856 s, enough to move a figure across a level boundary. Here the whole seconds come
    from julianday of the first 19 characters, rounded to an integer (its error is far below half a
    second), and the fraction from the text after them, so whole seconds subtract exactly. The
    expression appears twice on SQLite: pass a column, not a parameter."""
    if vendor() == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::float8"
    whole = f"CAST((julianday(substr({column}, 1, 19)) - 2440587.5) * 86400.0 + 0.5 AS INTEGER)"
    return f"({whole} + COALESCE(CAST(substr({column}, 20) AS REAL), 0.0))"


def floor_int(expression: str) -> str:
    """SQL floor of a non-negative number as an integer."""
    if vendor() == "postgresql":
        return f"FLOOR({expression})::bigint"
    return f"CAST({expression} AS INTEGER)"


def org_zone() -> ZoneInfo:
    """The organisation's time zone (`TIME_ZONE` setting): periods are cut and figures bucketed in it."""
    return ZoneInfo(settings.TIME_ZONE)


EPOCH_DATE = date(1970, 1, 1)
DAY = 86_400


def local_date(at: datetime) -> date:
    """The organisation's calendar date of an instant."""
    return at.astimezone(org_zone()).date()


def day_number(day: date) -> int:
    """Days from 1970-01-01 to a date (the local-day numbering of `local_day`)."""
    return (day - EPOCH_DATE).days


def week_of_day(day: int) -> int:
    """Monday-first week number of a day number (1970-01-01 was a Thursday; week 0 began Mon 29 Dec 1969)."""
    return (day + 3) // 7


def week_start(week: int) -> date:
    """The Monday of a week number."""
    return date(1969, 12, 29) + timedelta(weeks=week)


def midnight(day: date) -> datetime:
    """The first instant of a local date (aware, in the organisation's zone)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=org_zone())


def offsets(start: datetime, end: datetime) -> list[tuple[int, int]]:
    """The organisation zone's UTC offsets (seconds) over [start, end): [(from epoch second, offset)], the
    first from the start, then one per change of offset inside the period, in order. Offsets are sampled
    daily (zones change them months apart) and each change is found to the second by bisection."""
    zone = org_zone()

    def offset(t: int) -> int:
        value = datetime.fromtimestamp(t, UTC).astimezone(zone).utcoffset()
        return int(value.total_seconds()) if value is not None else 0

    a, b = int(start.timestamp()), int(end.timestamp())
    out = [(a, offset(a))]
    t = a
    while t < b:
        u = min(t + DAY, b)
        if offset(u) != out[-1][1]:
            lo, hi = t, u  # offset(lo) is the current one, offset(hi) the next
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == out[-1][1] else (lo, mid)
            out.append((hi, offset(hi)))
        t = u
    return out


def local_day(column: str, start: datetime, end: datetime) -> tuple[str, list]:
    """SQL (and its parameters) of the organisation's local day (days since 1970-01-01 of the local
    date) of a datetime column whose values lie in [start, end)."""
    if vendor() == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM ({column} AT TIME ZONE %s)) / 86400)::bigint", [settings.TIME_ZONE]
    seconds = f"CAST(strftime('%%s', {column}) AS INTEGER)"
    changes = offsets(start, end)
    if len(changes) == 1:
        return f"(({seconds} + %s) / 86400)", [changes[0][1]]
    whens, params = [], []
    for (_, before), (instant, _) in pairwise(changes):
        whens.append(f"WHEN {seconds} < %s THEN %s")
        params += [instant, before]
    return f"(({seconds} + CASE {' '.join(whens)} ELSE %s END) / 86400)", [*params, changes[-1][1]]


def buckets(start: datetime, end: datetime) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """The local days, weeks and months (first, last) that a period [start, end) touches, partial ones
    included: day numbers, week numbers (`week_of_day`) and months as year·12 + month − 1."""
    first = local_date(start)
    last = local_date(max(end - timedelta(microseconds=1), start))
    days = (day_number(first), day_number(last))
    weeks = (week_of_day(days[0]), week_of_day(days[1]))
    months = (first.year * 12 + first.month - 1, last.year * 12 + last.month - 1)
    return days, weeks, months


def month_of_day(day: str) -> str:
    """SQL year·12 + month − 1 of a (local) day given as days since 1970-01-01 — calendar arithmetic on
    the day number, no zone involved."""
    if vendor() == "postgresql":
        stamp = f"(to_timestamp(({day}) * 86400.0) AT TIME ZONE 'UTC')"
        return f"(EXTRACT(YEAR FROM {stamp})::int * 12 + EXTRACT(MONTH FROM {stamp})::int - 1)"
    stamp = f"({day}) * 86400, 'unixepoch'"
    return f"(CAST(strftime('%%Y', {stamp}) AS INTEGER) * 12 + CAST(strftime('%%m', {stamp}) AS INTEGER) - 1)"


def param(value: datetime) -> object:
    """A datetime as the backend stores it (so raw SQL compares like the ORM does)."""
    return connection.ops.adapt_datetimefield_value(value)


def fetch(sql: str, params) -> list[dict]:
    """Run SQL and return rows as dicts."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def percentiles(
    source: str,
    params,
    *,
    groups: list[str],
    values: list[str],
    fractions=FRACTIONS,
    force_window: bool = False,
    lower_median: bool = False,
) -> list[dict]:
    """Per group of `source` (a SELECT with columns `groups` + `values`): n, total_<v> and p<k>_<v>.

    `force_window` uses the portable window-function path on PostgreSQL too (for tests).
    `lower_median` makes p50 the lower of the two middle values of an even count (the value at sorted
    position ⌈n / 2⌉), as Apache DevLake's dashboards take it (the largest value whose percent_rank is
    at most 0.5); it uses the window path on every database."""
    force_window = force_window or lower_median
    keys = ", ".join(groups) if groups else ""
    group_by = f"GROUP BY {keys}" if groups else ""
    select_keys = f"{keys}, " if groups else ""
    if vendor() == "postgresql" and not force_window:
        cols = []
        for v in values:
            cols.append(f"SUM({v}) AS total_{v}")
            cols += [f"percentile_cont({k / 100}) WITHIN GROUP (ORDER BY {v}) AS p{k}_{v}" for k in fractions]
        sql = f"SELECT {select_keys}COUNT(*) AS n, {', '.join(cols)} FROM ({source}) src {group_by}"
        return fetch(sql, params)
    partition = f"PARTITION BY {keys}" if groups else ""
    windows = [f"ROW_NUMBER() OVER ({partition} ORDER BY {v}) AS rn_{v}" for v in values]
    ranked = (
        f"SELECT {select_keys}{', '.join(values)}, COUNT(*) OVER ({partition}) AS n_, "
        f"{', '.join(windows)} FROM ({source}) src"
    )
    cols = ["MAX(n_) AS n"]
    for v in values:
        cols.append(f"SUM({v}) AS total_{v}")
        for k in fractions:
            lo = f"(1 + ({k} * (n_ - 1)) / 100)"
            frac = "0" if lower_median and k == 50 else f"((({k} * (n_ - 1)) %% 100) / 100.0)"
            cols.append(
                f"SUM(CASE WHEN rn_{v} = {lo} THEN {v} * (1 - {frac}) "
                f"WHEN rn_{v} = {lo} + 1 THEN {v} * {frac} ELSE 0 END) AS p{k}_{v}"
            )
    sql = f"SELECT {select_keys}{', '.join(cols)} FROM ({ranked}) r {group_by}"
    return fetch(sql, params)


def greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if vendor() == "postgresql" else f"MAX({a}, {b})"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if vendor() == "postgresql" else f"MIN({a}, {b})"

"""Benchmark of bulk SLA recomputation: elapsed business seconds for 1,000,000 open tickets.

Every ticket was opened at a random instant in the last 90 days; "now" is fixed. Business hours are
09:00–17:30 Monday to Friday in Europe/London with English bank holidays. Bimodal's `calendars.Timeline`
(a binary search over the working intervals, exact across DST) is timed against a baseline that uses
numpy's `busday_count` for whole days plus clipped partial first and last days, on local times from
pandas' tz conversion. Both results are compared and the ratio is printed.
Run with `.venv/bin/python benchmarks/bench_sla.py [N]`.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bimodal.core.calendars import Schedule, _holidays, business_seconds_many  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
REPEATS = 5
OPEN, CLOSE = 9 * 3600, 17 * 3600 + 1800
NOW = datetime(2025, 6, 2, 14, 17, 23, tzinfo=UTC)
SCHEDULE = Schedule.from_spec(
    time_zone="Europe/London",
    hours={d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    country="GB",
    subdivision="ENG",
)


def bimodal(starts: np.ndarray) -> np.ndarray:
    return business_seconds_many(SCHEDULE, starts, NOW)


def baseline(starts: np.ndarray) -> np.ndarray:
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
    result = fn(starts)
    samples = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = fn(starts)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), result


def main() -> None:
    rng = np.random.default_rng(20250602)
    # Whole seconds: both methods are then exact and must agree to the second.
    starts = (NOW.timestamp() - rng.integers(0, 90 * 86400, N)).astype(np.float64)
    print(
        f"SLA recomputation: {N:,} open tickets, London business hours, GB-ENG holidays, now = {NOW:%Y-%m-%d %H:%M} UTC"
    )
    ours_s, ours = timed(bimodal, starts)
    base_s, base = timed(baseline, starts)
    agree = np.array_equal(ours, base)
    print(f"  bimodal calendars.Timeline      {ours_s * 1000:9.1f} ms  {N / ours_s:14,.0f} tickets/s")
    print(f"  numpy busday_count baseline     {base_s * 1000:9.1f} ms  {N / base_s:14,.0f} tickets/s")
    print(f"  results identical: {agree} (max difference {np.max(np.abs(ours - base)):.0f} s)")
    print(f"  ratio (bimodal / baseline throughput): {base_s / ours_s:.2f}×")


if __name__ == "__main__":
    main()

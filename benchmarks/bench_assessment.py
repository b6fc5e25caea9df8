"""Benchmark of bulk classification: 100,000 synthetic services through the scoring engine.

Prints services/second for the bulk path `Scorer.score_many` (numpy sums over all rows, then the Result
with scores, recommendation, confidence and rationale drivers per row) and for the full classification
(plus the rationale sentences), each with a ratio against baselines run in the same process on the same
rows: the per-row engine (`Scorer.score` row by row, what bulk classification used before), a naive
per-row implementation that walks the questionnaire dicts, and a numpy matrix product that computes the
mode scores only. Each timing is the best of REPEAT runs (the machine is shared).
Run with `.venv/bin/python benchmarks/bench_assessment.py`.
"""

from __future__ import annotations

import cProfile
import csv
import io
import os
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from bimodal.portfolio import assessment as engine

ROWS = 100_000
SEED = 20240701
MODES = ["mode-1", "mode-2"]
TARGET = 20_000


def synthetic_rows(specs, rng: random.Random) -> list[dict[str, str]]:
    """Answer sets with 70–100 % of the criteria answered."""
    rows = []
    for _ in range(ROWS):
        row = {}
        for spec in specs:
            if rng.random() < 0.85:
                row[spec.key] = rng.choice(spec.options).value
        rows.append(row)
    return rows


def multiplier(spec, mode: str) -> float:
    """The signed per-mode multiplier of a criterion; on the axis, -1/+1 for the stable/agile end."""
    if spec.axis:
        return spec.axis * (-1.0 if mode == MODES[0] else 1.0)
    return spec.mode_weights.get(mode, 0)


def naive(specs, row: dict[str, str]) -> tuple[str | None, dict[str, float]]:
    """Baseline: per row, look every option up by walking the lists and recompute the weights."""
    totals, denominators = dict.fromkeys(MODES, 0.0), dict.fromkeys(MODES, 0.0)
    for spec in specs:
        value = row.get(spec.key)
        if value is None:
            continue
        option = next(o for o in spec.options if o.value == value)
        s = option.score / engine.MAX_SCORE
        for mode in MODES:
            w = spec.weight * multiplier(spec, mode)
            if w:
                totals[mode] += abs(w) * (s if w > 0 else 1 - s)
                denominators[mode] += abs(w)
    scores = {m: round(100 * totals[m] / denominators[m], 1) for m in MODES if denominators[m]}
    return (max(scores, key=scores.get) if scores else None), scores


def numpy_scores(specs, rows) -> np.ndarray:
    """Baseline: encode answers as a matrix, mode scores by a dot product (no rationale)."""
    keys = [s.key for s in specs]
    index = {k: i for i, k in enumerate(keys)}
    values = {s.key: {o.value: o.score / engine.MAX_SCORE for o in s.options} for s in specs}
    answered = np.zeros((len(rows), len(keys)))
    level = np.zeros((len(rows), len(keys)))
    for r, row in enumerate(rows):
        for key, value in row.items():
            i = index[key]
            answered[r, i] = 1
            level[r, i] = values[key][value]
    weights = np.array([[s.weight * multiplier(s, m) for m in MODES] for s in specs])
    pos, neg = np.clip(weights, 0, None), np.clip(-weights, 0, None)
    totals = level @ pos + (answered - level) @ neg
    denominators = answered @ np.abs(weights)
    return 100 * totals / np.where(denominators == 0, 1, denominators)


REPEAT = 3
NAMES = {"mode-1": "Mode 1", "mode-2": "Mode 2"}


def timed(fn, repeat: int = REPEAT):
    """Best wall time of `repeat` runs, and the last output."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def line(label: str, seconds: float, baseline: float | None = None) -> str:
    ratio = f"  {baseline / seconds:5.2f}× the per-row engine" if baseline else ""
    return f"  {label:<52}{seconds:7.2f} s {ROWS / seconds:10,.0f} services/s{ratio}"


def main() -> None:
    specs = engine.default_specs()
    rng = random.Random(SEED)
    rows = synthetic_rows(specs, rng)
    compile_time, scorer = timed(lambda: engine.Scorer(specs, MODES))
    fast_time, results = timed(lambda: scorer.score_many(rows))
    row_time, row_results = timed(lambda: [scorer.score(row) for row in rows])
    full_time, _ = timed(lambda: [r.rationale(NAMES) for r in scorer.score_many(rows)])
    full_row_time, _ = timed(lambda: [scorer.score(row).rationale(NAMES) for row in rows])
    naive_time, naive_results = timed(lambda: [naive(specs, row) for row in rows], repeat=1)
    numpy_time, matrix = timed(lambda: numpy_scores(specs, rows), repeat=1)
    same = sum(a == b for a, b in zip(results, row_results, strict=True))
    agree = sum(r.recommended == n[0] for r, n in zip(results, naive_results, strict=True))
    assert all(r.scores == n[1] for r, n in zip(results[:1000], naive_results[:1000], strict=True))
    rate = ROWS / fast_time
    print(
        f"Bimodal assessment benchmark — {ROWS:,} synthetic services, {len(specs)} criteria, {len(MODES)} modes"
    )
    print(f"  compile questionnaire{compile_time * 1000:40.2f} ms")
    print(line("Scorer.score_many (bulk path, numpy)", fast_time, row_time))
    print(line("  + rationale sentences (bimodal assess / API)", full_time, full_row_time))
    print(line("baseline: per-row engine (Scorer.score each row)", row_time, row_time))
    print(line("  + rationale sentences", full_row_time, full_row_time))
    print(line("baseline: naive dict-walking per row", naive_time, row_time))
    print(line("baseline: numpy dot product (scores only)", numpy_time, row_time))
    print(
        f"  ratio bulk / per-row engine: {row_time / fast_time:.2f}× faster (with rationale {full_row_time / full_time:.2f}×)"
    )
    print(f"  results identical to the per-row engine: {same:,}/{ROWS:,}")
    print(
        f"  recommendations agreeing with the naive baseline: {agree:,}/{ROWS:,}; numpy shape {matrix.shape}"
    )
    print(f"  target {TARGET:,} services/s: {'met' if rate >= TARGET else 'NOT met'}")


# --- end to end: `bimodal assess` on a CSV file in a scratch database ------------------------------


def _scratch_database() -> tuple[str, object]:
    """DATABASE_URL of a scratch database (BENCH_DATABASE_URL: PostgreSQL, created and dropped; else a
    SQLite file in a temporary directory) and the function that drops it."""
    import tempfile
    from urllib.parse import urlparse

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="bench_assess_")
        return f"sqlite:///{folder}/bench.sqlite3", lambda: shutil.rmtree(folder, ignore_errors=True)
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()

    def run(statement: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(statement)

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    return url, lambda: run(f'DROP DATABASE IF EXISTS "{name}"')


def _pandas_baseline(path: Path, out: Path, specs) -> None:
    """What a pandas script does with the same file: read it, map each answer to its score, weighted
    sums per mode, the best mode, write a CSV (no validation, rationale, confidence or axes)."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str)
    totals = {mode: np.zeros(len(frame)) for mode in MODES}
    weights = {mode: np.zeros(len(frame)) for mode in MODES}
    for spec in specs:
        scores = frame[spec.key].map({o.value: o.score / engine.MAX_SCORE for o in spec.options})
        answered = scores.notna().to_numpy()
        for mode in MODES:
            w = spec.weight * multiplier(spec, mode)
            totals[mode] += np.where(answered, scores.fillna(0).to_numpy() * w, 0)
            weights[mode] += np.where(answered, abs(w), 0)
    result = pd.DataFrame({"service": frame["service"]})
    for mode in MODES:
        result[f"score_{mode}"] = np.round(totals[mode] / np.maximum(weights[mode], 1e-9), 3)
    result["recommended_mode"] = np.where(
        result[f"score_{MODES[1]}"] > result[f"score_{MODES[0]}"], *MODES[::-1]
    )
    result.to_csv(out, index=False)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def end_to_end(rows_count: int) -> None:
    """`bimodal assess FILE.csv --output OUT.csv`, then with `--save`, on `rows_count` services."""
    url, drop = _scratch_database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bimodal.config.settings")
    os.environ.setdefault("DEBUG", "0")  # as in production: no query log
    folder = Path(tempfile.mkdtemp(prefix="bench_assess_files_"))
    try:
        import django

        django.setup()
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.db import connection

        from bimodal.core.models import AuditEntry, OrgUnit, Team, User
        from bimodal.portfolio.models import Assessment, Mode, Service
        from bimodal.portfolio.selectors import current_questionnaire, scorer_for

        call_command("migrate", verbosity=0)
        scorer = scorer_for(current_questionnaire())
        specs = scorer.criteria
        unit = OrgUnit.objects.create(name="Bench", slug="bench")
        team = Team.objects.create(name="Bench", slug="bench", org_unit=unit)
        user = User.objects.create_user("bench", password=None)
        user.groups.add(Group.objects.get(name="governance_lead"))
        mode = Mode.objects.order_by("order").first()
        Service.objects.bulk_create(
            [
                Service(name=f"Service {i}", slug=f"service-{i}", mode=mode, owner_team=team)
                for i in range(rows_count)
            ],
            batch_size=5000,
        )
        rng = random.Random(SEED)
        keys = [spec.key for spec in specs]
        with (folder / "in.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["service", *keys])
            for i in range(rows_count):
                writer.writerow(
                    [
                        f"service-{i}",
                        *[rng.choice(spec.options).value if rng.random() < 0.85 else "" for spec in specs],
                    ]
                )
        print(
            f"\nEnd to end: `bimodal assess` on {rows_count:,} rows ({connection.vendor}); "
            f"load average {os.getloadavg()}"
        )

        def run(label: str, *args: str) -> float:
            profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") == "1" else None
            wall0, cpu0 = time.perf_counter(), _cpu()
            if profile:
                profile.enable()
            call_command("assess", str(folder / "in.csv"), "--output", str(folder / "out.csv"), *args,
                         stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
            wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            print(f"  {label:<52}{wall:7.2f} s {rows_count / wall:10,.0f} rows/s  (Python CPU {cpu:.2f} s)")
            return wall

        classify = run("classify → CSV")
        save = run("classify → CSV, --save (assessments + audit)", "--save", "--user", "bench")
        saved = Assessment.objects.count(), AuditEntry.objects.filter(verb="assessment_record").count()
        wall0 = time.perf_counter()
        _pandas_baseline(folder / "in.csv", folder / "pandas.csv", specs)
        pandas_time = time.perf_counter() - wall0
        print(f"  {'baseline: pandas script (scores and best mode only)':<52}{pandas_time:7.2f} s "
              f"{rows_count / pandas_time:10,.0f} rows/s")  # fmt: skip
        print(
            f"  ratio to pandas: classify {classify / pandas_time:.2f}×, with --save {save / pandas_time:.2f}×"
        )
        print(
            f"  saved: {saved[0]:,} assessments, {saved[1]:,} audit entries; load average {os.getloadavg()}"
        )
        print(
            f"  target {TARGET:,} rows/s with --save: {'met' if rows_count / save >= TARGET else 'NOT met'}"
        )
        print(
            "  Not covered: the API's classify endpoint; reading the file from slow storage; a second --save "
            "over services already assessed (it also clears their latest flag: one more UPDATE); "
            "users restricted to their own services (a governance lead assesses any)."
        )
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(folder, ignore_errors=True)
        drop()


if __name__ == "__main__":
    if os.environ.get("BENCH_ONLY_END_TO_END") != "1":
        main()
    end_to_end(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)

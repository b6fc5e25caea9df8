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

import random
import sys
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


if __name__ == "__main__":
    main()

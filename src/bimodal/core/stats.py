"""Set-based order statistics: medians and percentiles through window functions (SQLite and PostgreSQL),
shared by the supplier scorecards and the governance report.

A percentile p of n sorted values x[0..n-1] uses linear interpolation between closest ranks, as
PostgreSQL's percentile_cont and numpy's default do: h = (n - 1)·p, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
The database numbers the rows of each group (ROW_NUMBER over the group ordered by value) and returns only
the at most two rows each percentile needs; Python interpolates between them."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber

MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


def percentiles(
    queryset: QuerySet[Any, Any],
    value: str,
    group_by: tuple[str, ...] = (),
    ps: Sequence[Fraction] = (MEDIAN, P90),
) -> dict[tuple[Any, ...], dict[Fraction, float]]:
    """{group key tuple: {p: value}} for each group of `queryset` (rows with a null value are left out).

    One query, whatever the number of rows."""
    partition = [F(g) for g in group_by] or None
    rows = queryset.filter(**{f"{value}__isnull": False}).annotate(
        _v=F(value),
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F(value).asc(), F("pk").asc()]),
        _n=Window(Count("pk"), partition_by=partition),
    )
    wanted = Q()
    for p in ps:
        # Ranks are 1-based: rows ⌊(n−1)·p⌋+1 and the next; integer division is floor for n ≥ 1.
        lo = (F("_n") - Value(1)) * Value(p.numerator) / Value(p.denominator) + Value(1)
        wanted |= Q(_rn=lo) | Q(_rn=lo + Value(1))
    rows = rows.filter(wanted)
    picked: dict[tuple[Any, ...], dict[int, float]] = {}
    sizes: dict[tuple[Any, ...], int] = {}
    for row in rows.values(*group_by, "_v", "_rn", "_n"):
        key = tuple(row[g] for g in group_by)
        picked.setdefault(key, {})[row["_rn"]] = _seconds(row["_v"])
        sizes[key] = row["_n"]
    out: dict[tuple[Any, ...], dict[Fraction, float]] = {}
    for key, ranks in picked.items():
        n = sizes[key]
        out[key] = {p: interpolate(ranks, n, p) for p in ps}
    return out


def interpolate(ranks: dict[int, float], n: int, p: Fraction) -> float:
    """The percentile from the values at 1-based ranks ⌊(n−1)p⌋+1 and the next."""
    h = (n - 1) * p
    lo = int(h)  # floor: h ≥ 0
    low = ranks[lo + 1]
    if h == lo:
        return float(low)
    return float(low + (h - lo) * (ranks[lo + 2] - low))


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def reference_percentile(values: list[float], p: Fraction) -> float | None:
    """The same percentile computed in memory (for tests and small lists)."""
    if not values:
        return None
    xs = sorted(values)
    ranks = {i + 1: x for i, x in enumerate(xs)}
    return interpolate(ranks, len(xs), p)

"""The compiled questionnaire: validates and scores answers, row by row or many rows at once with numpy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bimodal.portfolio.assessment.base import AnswerError, CriterionSpec, Driver, Result

MAX_SCORE = 4
BULK_MIN_ROWS = 64  # below this the numpy set-up costs more than it saves
FULL_CONFIDENCE_MARGIN = 30.0
DRIVERS_SHOWN = 3


class Scorer:
    """A compiled questionnaire: scores answer dicts {criterion key: option value}."""

    def __init__(
        self,
        criteria: Sequence[CriterionSpec],
        modes: Sequence[str],
        positions: Mapping[str, float] | None = None,
    ):
        """`positions` are the modes' places on the axis (0 stability … 1 exploration); without them the
        modes are spread evenly in the order given, the first the most stable."""
        self.criteria = tuple(criteria)
        on_axis = any(c.axis for c in self.criteria)
        if positions is None:
            last = max(len(modes) - 1, 1)
            positions = {m: i / last for i, m in enumerate(modes)}
        self.positions = {m: float(p) for m, p in positions.items() if m in modes}
        if on_axis:  # from the most stable to the most exploratory, so that a tie goes to the stabler
            modes = sorted(modes, key=lambda m: self.positions.get(m, 2.0))
        # Only modes that some criterion weighs can be scored.
        self.modes = tuple(
            m
            for m in modes
            if (on_axis and m in self.positions) or any(c.mode_weights.get(m) for c in self.criteria)
        )
        self.labels = {c.key: c.label for c in self.criteria}
        # criterion key -> (denominators per mode, dimension index, weight, {value: (contributions, weight × s, label)})
        self._table: dict[str, tuple] = {}
        self.dimensions: list[str] = []
        self.total_weight = 0.0
        for c in self.criteria:
            if c.axis:
                places = [self.positions.get(m) for m in self.modes]
                weights = [float(c.weight) if p is not None else 0.0 for p in places]
            else:
                weights = [float(c.weight) * float(c.mode_weights.get(m, 0) or 0) for m in self.modes]
            denominators = tuple(abs(w) for w in weights)
            self.total_weight += sum(denominators)
            if c.dimension not in self.dimensions:
                self.dimensions.append(c.dimension)
            options = {}
            for option in c.options:
                s = max(0.0, min(1.0, option.score / MAX_SCORE))
                if c.axis:
                    x = s if c.axis > 0 else 1 - s
                    contributions = tuple(
                        w * (1 - abs(x - p)) if p is not None else 0.0
                        for w, p in zip(weights, places, strict=True)
                    )
                else:
                    contributions = tuple(abs(w) * (s if w > 0 else 1 - s) if w else 0.0 for w in weights)
                options[str(option.value)] = (contributions, float(c.weight) * s, option.label)
            self._table[c.key] = (denominators, self.dimensions.index(c.dimension), float(c.weight), options)

    # --- validation -----------------------------------------------------------------------------

    def validate(self, answers: Mapping[str, object]) -> dict[str, str]:
        """Normalised answers (values as text, blanks dropped); AnswerError names every bad key."""
        errors: dict[str, str] = {}
        clean: dict[str, str] = {}
        for key, value in answers.items():
            if value is None or str(value).strip() == "":
                continue
            entry = self._table.get(key)
            if entry is None:
                errors[key] = "not a criterion of this questionnaire"
                continue
            text = str(value).strip()
            if text not in entry[3]:
                errors[key] = f"“{text}” is not one of: {', '.join(entry[3])}"
                continue
            clean[key] = text
        if errors:
            raise AnswerError(errors)
        return clean

    # --- scoring --------------------------------------------------------------------------------

    def score(self, answers: Mapping[str, str]) -> Result:
        """Score one set of (valid) answers; unknown keys and values are ignored."""
        modes = self.modes
        n = len(modes)
        totals = [0.0] * n
        denominators = [0.0] * n
        dims = len(self.dimensions)
        dim_sum = [0.0] * dims
        dim_weight = [0.0] * dims
        hits = []
        table = self._table
        two = n == 2
        t0 = t1 = d0 = d1 = 0.0
        # Summed in questionnaire order, not answer order, so that the same answers always give the
        # same floating-point sums (and `score_many`'s column-wise sums match them exactly).
        get = answers.get
        for key, entry in table.items():
            value = get(key)
            if value is None:
                continue
            hit = entry[3].get(value)
            if hit is None:
                continue
            contributions, denoms = hit[0], entry[0]
            if two:  # the common bimodal case, unrolled
                t0 += contributions[0]
                t1 += contributions[1]
                d0 += denoms[0]
                d1 += denoms[1]
            else:
                for i in range(n):
                    totals[i] += contributions[i]
                    denominators[i] += denoms[i]
            dim_sum[entry[1]] += hit[1]
            dim_weight[entry[1]] += entry[2]
            hits.append((key, hit, denoms))
        if two:
            totals, denominators = [t0, t1], [d0, d1]
        names = self.dimensions
        indices = {names[d]: round(100 * dim_sum[d] / dim_weight[d], 1) for d in range(dims) if dim_weight[d]}
        unrounded = [totals[i] / denominators[i] if denominators[i] else -1.0 for i in range(n)]
        scores = {modes[i]: round(100 * unrounded[i], 1) for i in range(n) if denominators[i]}
        if not scores:
            return Result({}, None, 0.0, (), indices, 0.0)
        coverage = sum(denominators) / self.total_weight
        best = max(range(n), key=unrounded.__getitem__)  # the first on a tie
        if len(scores) > 1:
            second = max((i for i in range(n) if i != best), key=unrounded.__getitem__)
            confidence = (
                min(1.0, 100 * (unrounded[best] - unrounded[second]) / FULL_CONFIDENCE_MARGIN) * coverage
            )
            db, ds = 100 / denominators[best], 100 / denominators[second]
            effects = [(h[0][best] * db - h[0][second] * ds, key, h[2]) for key, h, _ in hits]
        else:
            confidence = coverage
            db = 100 / denominators[best]
            effects = [(db * (h[0][best] - d[best] / 2), key, h[2]) for key, h, d in hits]
        effects.sort(reverse=True)
        labels = self.labels
        drivers = tuple(
            Driver(key, labels[key], label, round(effect, 1))
            for effect, key, label in effects[:DRIVERS_SHOWN]
            if effect > 1e-9
        )
        return Result(scores, modes[best], round(confidence, 2), drivers, indices, round(coverage, 3))

    def score_many(self, rows: Iterable[Mapping[str, str]]) -> list[Result]:
        """Score many answer sets (bulk classification): the same Results as `score`, row for row.

        The sums run over all rows at once with numpy, column by column in questionnaire order (so every
        float is the one `score` computes); only rounding and the Result objects are built per row."""
        rows = rows if isinstance(rows, list) else list(rows)
        if len(rows) < BULK_MIN_ROWS or not self.modes:
            return [self.score(row) for row in rows]
        return _score_bulk(self, rows)


def _round_like_python(values, digits: int):
    """`round(x, digits)` for every element, exactly: numpy's rounding where the scaled value is clearly
    not a tie (k / 10**digits is then the correctly rounded result), Python's `round` next to a tie."""
    import numpy as np

    factor = 10.0**digits
    scaled = values * factor
    out = np.rint(scaled) / factor
    with np.errstate(invalid="ignore"):
        near_tie = ~(np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6)  # also catches nan / inf
    for index in zip(*np.nonzero(near_tie), strict=True):
        value = float(values[index])
        out[index] = round(value, digits) if np.isfinite(value) else value
    return out


def _score_bulk(scorer: Scorer, rows: list[Mapping[str, str]]) -> list[Result]:
    """`Scorer.score` for many rows at once (see `Scorer.score_many`)."""
    from itertools import repeat
    from operator import methodcaller

    import numpy as np

    modes, n, count = scorer.modes, len(scorer.modes), len(rows)
    totals = np.zeros((count, n))
    denominators = np.zeros((count, n))
    dims = len(scorer.dimensions)
    dim_sum = np.zeros((count, dims))
    dim_weight = np.zeros((count, dims))
    keys = list(scorer._table)
    codes = []  # per criterion: the option index of each row's answer, or len(options) = unanswered
    per_criterion = []
    for key in keys:
        denoms, dim, weight, options = scorer._table[key]
        index = {value: i for i, value in enumerate(options)}
        missing = len(options)
        # map() keeps both look-ups in C: the answer of each row, then its option's index.
        values = map(methodcaller("get", key), rows)
        code = np.fromiter(map(index.get, values, repeat(missing)), np.intp, count)
        answered = code != missing
        contributions = np.array([hit[0] for hit in options.values()] + [(0.0,) * n])  # options+1 × n
        levels = np.array([hit[1] for hit in options.values()] + [0.0])
        totals += contributions[code]
        denominators += np.outer(answered, denoms)
        dim_sum[:, dim] += levels[code]
        dim_weight[:, dim] += np.where(answered, weight, 0.0)
        codes.append(code)
        per_criterion.append((key, contributions, denoms, answered, [hit[2] for hit in options.values()]))
    scored = denominators > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        unrounded = np.where(scored, totals / denominators, -1.0)
        score_values = 100 * unrounded
        index_values = 100 * dim_sum / dim_weight
    coverage = np.zeros(count)
    for i in range(n):
        coverage = coverage + denominators[:, i]
    if scorer.total_weight:  # else nothing counts for any mode and no row has scores
        coverage = coverage / scorer.total_weight
    rows_idx = np.arange(count)
    best = np.argmax(unrounded, axis=1)  # the first on a tie, as max() in `score`
    masked = unrounded.copy()
    masked[rows_idx, best] = -np.inf
    second = np.argmax(masked, axis=1)
    n_scored = scored.sum(axis=1)
    den_best = denominators[rows_idx, best]
    den_second = denominators[rows_idx, second]
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 100 / den_best
        ds = 100 / den_second
        margin = 100 * (unrounded[rows_idx, best] - unrounded[rows_idx, second]) / FULL_CONFIDENCE_MARGIN
        confidence = np.where(n_scored > 1, np.minimum(1.0, margin) * coverage, coverage)
        # Effect of each answer towards the recommended mode, criteria ordered by key descending so that
        # a stable sort on the effect breaks ties the way `score` does (effect, then key, descending).
        order = sorted(range(len(keys)), key=lambda c: keys[c], reverse=True)
        effects = np.empty((count, len(keys)))
        for column, c in enumerate(order):
            key, contributions, denoms, answered, _ = per_criterion[c]
            picked = contributions[codes[c]]
            mine = picked[rows_idx, best]
            multi = mine * db - picked[rows_idx, second] * ds
            single = db * (mine - np.asarray(denoms)[best] / 2)
            effects[:, column] = np.where(answered, np.where(n_scored > 1, multi, single), -np.inf)
    top = np.argsort(-effects, axis=1, kind="stable")[:, :DRIVERS_SHOWN]
    top_effects = np.take_along_axis(effects, top, axis=1)
    shown = top_effects > 1e-9
    top_effects = _round_like_python(np.where(shown, top_effects, 0.0), 1)
    score_values = _round_like_python(np.where(scored, score_values, 0.0), 1)
    index_values = _round_like_python(np.where(dim_weight > 0, index_values, 0.0), 1)
    confidence = _round_like_python(confidence, 2)
    coverage = _round_like_python(coverage, 3)

    labels = scorer.labels
    dim_names = scorer.dimensions
    option_labels = [per_criterion[c][4] for c in order]
    order_keys = [keys[c] for c in order]
    codes_by_column = [codes[c].tolist() for c in order]
    results = []
    score_rows = score_values.tolist()
    scored_rows = scored.tolist()
    index_rows = index_values.tolist()
    weight_rows = (dim_weight > 0).tolist()
    driver_rows = shown.tolist()
    for r, (srow, okrow, irow, wrow, b, conf, cov, trow, terow, shrow) in enumerate(
        zip(
            score_rows,
            scored_rows,
            index_rows,
            weight_rows,
            best.tolist(),
            confidence.tolist(),
            coverage.tolist(),
            top.tolist(),
            top_effects.tolist(),
            driver_rows,
            strict=True,
        )
    ):
        indices = {dim_names[d]: irow[d] for d in range(dims) if wrow[d]}
        scores = {modes[i]: srow[i] for i in range(n) if okrow[i]}
        if not scores:
            results.append(Result({}, None, 0.0, (), indices, 0.0))
            continue
        drivers = tuple(
            Driver(order_keys[c], labels[order_keys[c]], option_labels[c][codes_by_column[c][r]], effect)
            for c, effect, keep in zip(trow, terow, shrow, strict=True)
            if keep
        )
        results.append(Result(scores, modes[b], conf, drivers, indices, cov))
    return results

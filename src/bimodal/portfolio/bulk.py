"""Bulk classification: many rows of answers and/or catalogue attributes → recommendations with rationale.

Used by `bimodal assess FILE.csv` and by POST /api/portfolio/assessments/classify/. Rows are checked first;
any bad row means no results, and every error names its line (CSV, header = line 1) or row index (API)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as ApiValidationError

from bimodal.portfolio import assessment as engine
from bimodal.portfolio.models import Mode
from bimodal.portfolio.selectors import current_questionnaire, scorer_for

ID_COLUMN = "service"
ATTRIBUTE_COLUMNS = ("criticality", "regulatory_tags", "hosting", "lifecycle")
PROGRESS_CHUNK = 10_000


@dataclass
class RowError:
    """A problem with one row (line for CSV, index for the API)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f", column {self.column}" if self.column else "") + f": {self.message}"


def _scorer() -> tuple[engine.Scorer, dict[str, str]]:
    questionnaire = current_questionnaire()
    if questionnaire is None:
        raise ValidationError("No questionnaire is published.")
    names = {m.key: str(m.short_name or m.name) for m in Mode.objects.all()}
    return scorer_for(questionnaire), names


def _attributes(raw: dict, line: int, errors: list[RowError]) -> dict:
    """Catalogue attributes from text cells, checked."""
    attributes: dict = {}
    if raw.get("criticality") not in (None, ""):
        try:
            value = int(str(raw["criticality"]).strip())
            if value not in (0, 1, 2, 3):
                raise ValueError
            attributes["criticality"] = value
        except ValueError:
            errors.append(RowError(line, "criticality", f"“{raw['criticality']}” is not a tier 0–3"))
    tags = raw.get("regulatory_tags")
    if tags not in (None, ""):
        if isinstance(tags, list | int):
            attributes["regulatory_tags"] = tags
        elif str(tags).strip().isdigit():
            attributes["regulatory_tags"] = int(str(tags).strip())
        else:
            attributes["regulatory_tags"] = [t for t in str(tags).split(";") if t.strip()]
    for column in ("hosting", "lifecycle"):
        if raw.get(column):
            attributes[column] = str(raw[column]).strip()
    return attributes


def classify(
    rows: Iterable[tuple[int, str, dict, dict]], progress: Callable[[int], None] | None = None
) -> tuple[list[dict], list[RowError]]:
    """Classify (line, id, answers, raw attributes) rows; results only when every row is valid."""
    scorer, names = _scorer()
    prepared, errors = [], []
    for line, ident, answers, raw_attributes in rows:
        row_errors: list[RowError] = []
        implied = engine.answers_from_attributes(_attributes(raw_attributes, line, row_errors))
        # Only what this questionnaire asks (a draft may have dropped a criterion attributes answer).
        merged = {key: value for key, value in implied.items() if key in scorer.labels}
        try:
            merged.update(scorer.validate(answers))
        except engine.AnswerError as exc:
            row_errors += [RowError(line, key, message) for key, message in exc.errors.items()]
        if not row_errors and not merged:
            row_errors.append(RowError(line, "", "no answers and no attributes to classify by"))
        errors += row_errors
        prepared.append((line, ident, merged))
    if errors:
        return [], errors
    results = []
    # Scores for all rows at once (numpy), in chunks so the progress bar moves.
    for start in range(0, len(prepared), PROGRESS_CHUNK):
        chunk = prepared[start : start + PROGRESS_CHUNK]
        scored = scorer.score_many([answers for _, _, answers in chunk])
        results += [
            {**result_row(ident, answers, result, names), "line": line}
            for (line, ident, answers), result in zip(chunk, scored, strict=True)
        ]
        if progress:
            progress(start + len(chunk))
    return results, []


def result_row(ident: str, answers: dict, result: engine.Result, names: dict[str, str]) -> dict:
    """One classified row: recommendation, scores, confidence, map axes, quadrant and rationale."""
    cost = result.indices.get(engine.COST_OF_CHANGE)
    demand = result.indices.get(engine.DEMAND_FOR_CHANGE)
    return {
        "id": ident,
        "recommended_mode": result.recommended,
        "scores": result.scores,
        "confidence": result.confidence,
        "cost_of_change": cost,
        "demand_for_change": demand,
        "quadrant": engine.quadrant(cost, demand),
        "rationale": result.rationale(names),
        "answers": answers,
    }


def classify_rows(rows: list[dict]) -> list[dict]:
    """API: rows of {id, answers, attributes}; a 400 naming each bad row's index and field."""
    results, errors = classify(
        (index, row.get("id", ""), row.get("answers") or {}, row.get("attributes") or {})
        for index, row in enumerate(rows)
    )
    if errors:
        detail: dict[str, dict[str, str]] = {}
        for error in errors:
            detail.setdefault(f"rows[{error.line}]", {})[error.column or "row"] = error.message
        raise ApiValidationError(detail)
    for result in results:
        del result["line"]
    return results


def read_csv(
    text: str, criterion_keys: Iterable[str]
) -> tuple[list[tuple[int, str, dict, dict]], list[RowError]]:
    """Parse the bulk CSV: a `service` column, criterion keys as columns, and attribute columns."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        return [], [RowError(1, "", "the file is empty")]
    known = {ID_COLUMN, *ATTRIBUTE_COLUMNS, *criterion_keys}
    unknown = [h for h in header if h not in known]
    if unknown:
        return [], [RowError(1, ", ".join(unknown), f"unknown column; known: {', '.join(sorted(known))}")]
    rows, errors = [], []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            errors.append(RowError(line, "", "more cells than columns"))
            continue
        cells = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        answers = {k: v for k, v in cells.items() if k not in known - set(criterion_keys) and v}
        attributes = {k: cells.get(k, "") for k in ATTRIBUTE_COLUMNS}
        rows.append((line, cells.get(ID_COLUMN, ""), answers, attributes))
    if not rows and not errors:
        errors.append(RowError(1, "", "the file has a header but no rows"))
    return rows, errors


def results_csv(results: list[dict], mode_keys: list[str]) -> str:
    """The results as CSV: id, recommendation, confidence, a score column per mode, axes, rationale."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["service", "recommended_mode", "confidence", *[f"score_{k}" for k in mode_keys],
         "cost_of_change", "demand_for_change", "quadrant", "rationale"]
    )  # fmt: skip
    for r in results:
        writer.writerow(
            [r["id"], r["recommended_mode"] or "", r["confidence"], *[r["scores"].get(k, "") for k in mode_keys],
             r["cost_of_change"], r["demand_for_change"], r["quadrant"], " | ".join(r["rationale"])]
        )  # fmt: skip
    return out.getvalue()

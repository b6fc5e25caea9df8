"""MSP evaluation scoring (no writes): each criterion scores 0–1, the total is their weighted mean × 100.

- Capability fit: Σ weight of required skills the supplier supports / Σ weight of all required skills
  (planned future technologies count like current ones; both are shown separately too).
- Demonstrated response: mean over the priorities with a requirement of min(1, required / demonstrated);
  a priority the candidate gives no figure for scores 0.
- Coverage: the share of needs met. Each service to outsource needs its support coverage (24×7 needs 24×7;
  extended hours needs extended hours or 24×7; business hours needs any of the three; best effort needs
  nothing), plus remote / on-site support and each region the evaluation asks for.
- Customisation: the evaluator's 0–5 rating / 5.
- Cost: the lowest annual cost among candidates / this candidate's cost (1 for the cheapest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from bimodal.suppliers.choices import PRIORITIES, Criterion

if TYPE_CHECKING:
    from bimodal.suppliers.models import MspCandidate

HOURS_NEED = {
    "24x7": ("covers_24x7",),
    "extended_hours": ("covers_24x7", "covers_extended_hours"),
    "business_hours": ("covers_24x7", "covers_extended_hours", "covers_business_hours"),
    "best_effort": (),
}


@dataclass
class CandidateScore:
    """A candidate's per-criterion scores (0–1), weighted total (0–100) and the evidence behind them."""

    candidate: MspCandidate
    scores: dict[str, float]
    total: float
    skills_met: list = field(default_factory=list)
    skills_missing: list = field(default_factory=list)
    needs_met: list[str] = field(default_factory=list)
    needs_missing: list[str] = field(default_factory=list)
    response_rows: list[dict] = field(default_factory=list)
    rank: int = 0


def capability(requirements, skill_ids: set[int]) -> tuple[float, list, list]:
    """Weighted share of required skills the supplier supports."""
    total = sum(r.weight for r in requirements)
    met = [r for r in requirements if r.skill_id in skill_ids]
    missing = [r for r in requirements if r.skill_id not in skill_ids]
    return (sum(r.weight for r in met) / total if total else 1.0), met, missing


def response(required: dict, demonstrated: dict) -> tuple[float, list[dict]]:
    """Mean of min(1, required / demonstrated) over the required priorities."""
    rows = []
    for p in PRIORITIES:
        if p not in required:
            continue
        need, shown = required[p], demonstrated.get(p)
        score = min(1.0, need / shown) if shown else 0.0
        rows.append({"priority": p, "required": need, "demonstrated": shown, "score": score})
    if not rows:
        return 1.0, rows
    return sum(r["score"] for r in rows) / len(rows), rows


def coverage(evaluation, services, supplier) -> tuple[float, list[str], list[str]]:
    """Share of the coverage needs (per service hours, remote/on-site, regions) the supplier meets."""
    needs: list[tuple[str, bool]] = []
    for service in services:
        offered_by = HOURS_NEED.get(service.support_coverage, ())
        if offered_by:
            label = f"{service.name}: {service.get_support_coverage_display()}"
            needs.append((label, any(getattr(supplier, attr) for attr in offered_by)))
    if evaluation.needs_remote:
        needs.append(("Remote support", supplier.remote_support))
    if evaluation.needs_on_site:
        needs.append(("On-site support", supplier.on_site_support))
    served = {r.upper() for r in supplier.regions}
    for region in evaluation.regions:
        needs.append((f"Region {region}", region.upper() in served))
    met = [label for label, ok in needs if ok]
    missing = [label for label, ok in needs if not ok]
    return (len(met) / len(needs) if needs else 1.0), met, missing


def cost(annual_cost: Decimal, cheapest: Decimal) -> float:
    if annual_cost <= 0:
        return 1.0
    return float(cheapest / annual_cost)


def score(evaluation) -> list[CandidateScore]:
    """Every candidate of an evaluation scored and ranked (prefetched evaluation: no further queries)."""
    requirements = list(evaluation.requirements.all())
    services = list(evaluation.services.all())
    candidates = list(evaluation.candidates.all())
    if not candidates:
        return []
    cheapest = min(c.annual_cost for c in candidates)
    weights = {k: int(v) for k, v in evaluation.weights.items()}
    weight_sum = sum(weights.values()) or 1
    out = []
    for candidate in candidates:
        supplier = candidate.supplier
        skill_ids = {s.pk for s in supplier.skills.all()}
        cap, met, missing = capability(requirements, skill_ids)
        resp, resp_rows = response(evaluation.required_response, candidate.demonstrated_response)
        cov, needs_met, needs_missing = coverage(evaluation, services, supplier)
        scores = {
            Criterion.CAPABILITY.value: cap,
            Criterion.RESPONSE.value: resp,
            Criterion.COVERAGE.value: cov,
            Criterion.CUSTOMISATION.value: candidate.customisation / 5,
            Criterion.COST.value: cost(candidate.annual_cost, cheapest),
        }
        total = 100 * sum(weights.get(k, 0) * v for k, v in scores.items()) / weight_sum
        out.append(
            CandidateScore(
                candidate=candidate,
                scores=scores,
                total=round(total, 1),
                skills_met=met,
                skills_missing=missing,
                needs_met=needs_met,
                needs_missing=needs_missing,
                response_rows=resp_rows,
            )
        )
    out.sort(key=lambda c: (-c.total, c.candidate.supplier.name))
    for i, c in enumerate(out, 1):
        c.rank = i
    return out

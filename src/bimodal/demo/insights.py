"""Demo data of the insights area: the two-speed ITSM capability areas, maturity assessments of every
org unit at two points in time (the later one better), and the transition log of the demo history."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from bimodal.core.models import OrgUnit, User
from bimodal.insights import services
from bimodal.insights.backfill import backfill
from bimodal.insights.choices import MaturityMode
from bimodal.insights.models import CapabilityArea, MaturityAssessment

# Deterministic scores: (base score by area mode for the first audit; the second adds the improvement).
_BASE: dict[str, int] = {MaturityMode.STABILITY: 3, MaturityMode.EXPLORATION: 2, MaturityMode.BOTH: 3}


def _scores(unit_index: int, areas: list[CapabilityArea], later: bool) -> list[dict]:
    out = []
    for i, area in enumerate(areas):
        score = _BASE[area.mode] + ((unit_index + i) % 3) - 1
        if later and (unit_index + i) % 2 == 0:
            score += 1
        score = max(1, min(5, score))
        out.append(
            {
                "area": area,
                "score": score,
                "target": area.default_target,
                "evidence": "Interviews and record sampling" if later else "Initial self-assessment",
            }
        )
    return out


def load(*, actor) -> dict[str, int]:
    """Create what is missing of the insights demo data; return {kind: number created}."""
    created: Counter = Counter()
    created["capability_areas"] += services.capability_areas_seed(actor=actor)
    lead = User.objects.filter(username="gloria").first() or actor
    areas = list(CapabilityArea.objects.filter(active=True))
    today = timezone.localdate()
    for index, unit in enumerate(OrgUnit.objects.order_by("name")):
        if MaturityAssessment.objects.filter(org_unit=unit).count() >= 2:
            continue  # already audited twice: a later load creates nothing
        for later, when in ((False, today - timedelta(days=180)), (True, today - timedelta(days=7))):
            if MaturityAssessment.objects.filter(org_unit=unit, assessed_on=when).exists():
                continue
            services.maturity_assessment_record(
                actor=lead,
                org_unit=unit,
                assessed_on=when,
                scores=_scores(index, areas, later),
                notes="Half-yearly two-speed ITSM audit." if later else "Baseline audit.",
            )
            created["maturity_assessments"] += 1
    for stream, n in backfill().items():
        created[f"transitions_{stream}"] += n
    return {k: v for k, v in created.items() if v}

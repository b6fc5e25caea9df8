"""Demo data of the assessment area: assessments of ten services, proposals and migration pathways.

Idempotent and fixed: a service that already has an assessment, a proposal or a pathway is left alone."""

from __future__ import annotations

from datetime import date

from bimodal.core.models import User
from bimodal.demo.modes import EXPLORATORY, mode_at
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.models import Assessment, MigrationPathway, ReclassificationProposal, Service

_V = ("none", "low", "medium", "high", "very_high")
_KEYS = (
    "release_effort",
    "test_effort",
    "coupling",
    "technology_age",
    "change_requests",
    "business_volatility",
    "customer_facing",
    "business_criticality",
    "regulatory_burden",
    "architecture_modularity",
    "deployment_automation",
    "test_automation",
    "team_skills",
    "requirement_uncertainty",
    "functional_fit",
    "technical_fit",
)


def _answers(levels: str) -> dict[str, str]:
    """Sixteen digits 0–4, one per criterion in _KEYS order."""
    return {key: _V[int(level)] for key, level in zip(_KEYS, levels, strict=True)}


# slug → answer levels (cost of change ×4, demand ×3, criticality, regulation, modularity, automation ×2,
# skills, uncertainty, functional fit, technical fit)
ASSESSMENTS: dict[str, str] = {
    "core-banking": "4444112440001042",
    "payments-switch": "3332222441112133",
    "general-ledger": "3333101330011031",
    "mainframe-batch": "4444100420000021",
    "mobile-banking-app": "1121444323443344",
    "customer-portal": "1111434323333343",
    "robo-advisor": "1110333224443434",
    # Mode 1 services whose answers say Mode 2: drift and proposals.
    "internet-banking-legacy": "1122344322223321",
    "loan-origination": "1122434223333342",
    # A Mode 2 service that looks like Mode 1.
    "open-banking-api": "3342111442222133",
}

PATHWAYS = [
    {
        "service": "loan-origination",
        "to_mode": EXPLORATORY,
        "title": "Loan origination to continuous delivery",
        "owner": "owen",
        "target_date": date(2026, 9, 30),
        "status": "in_progress",
        "steps": [
            ("Split the application front end from the lending core", "owen", date(2026, 3, 31), True, ""),
            ("Pipeline with automated regression tests", "pat", date(2026, 5, 31), True, ""),
            (
                "Contract tests against Core Banking",
                "owen",
                date(2026, 6, 30),
                False,
                "Waiting for a test copy of Core Banking",
            ),
            ("Build-it-run-it on-call rota", "owen", date(2026, 8, 31), False, ""),
        ],
        "readiness": [
            ("Deployment automation in place", True),
            ("Automated test coverage above 70 %", False),
            ("On-call team staffed", False),
        ],
    },
    {
        "service": "internet-banking-legacy",
        "to_mode": EXPLORATORY,
        "title": "Retire legacy internet banking into the Customer Portal",
        "owner": "gloria",
        "target_date": date(2026, 12, 31),
        "status": "planned",
        "steps": [
            ("Move remaining journeys to the Customer Portal", "pat", date(2026, 6, 30), False, ""),
            ("Customer migration campaign", "gloria", date(2026, 10, 31), False, ""),
        ],
        "readiness": [("Feature parity signed off", False), ("Customer communications approved", False)],
    },
]


def load(*, actor) -> dict[str, int]:
    """Create what is missing of this area's demo data; return {kind: number created}."""
    created = {"assessments": 0, "proposals": 0, "pathways": 0}
    services = {s.slug: s for s in Service.objects.filter(slug__in=ASSESSMENTS).select_related("mode")}
    assessed = set(Assessment.objects.values_list("service__slug", flat=True))
    for slug, levels in ASSESSMENTS.items():
        if slug in services and slug not in assessed:
            portfolio_services.assessment_record(
                actor=actor,
                service=services[slug],
                answers=_answers(levels),
                notes="Demo assessment workshop.",
            )
            created["assessments"] += 1
    target = mode_at(EXPLORATORY)
    proposed = set(ReclassificationProposal.objects.values_list("service__slug", flat=True))
    for slug in ("internet-banking-legacy", "loan-origination"):
        service = services.get(slug)
        if service is None or slug in proposed or target is None or service.mode_id == target.pk:
            continue
        latest = service.assessments.get(is_latest=True)
        portfolio_services.proposal_create(
            actor=actor,
            service=service,
            to_mode=target,
            reason="The readiness workshop found high demand for change and enough automation to move.",
            evidence={"source": "assessment", "assessment": latest.pk, "rationale": latest.rationale},
            assessment=latest,
        )
        created["proposals"] += 1
    planned = set(MigrationPathway.objects.values_list("service__slug", flat=True))
    people = {u.username: u for u in User.objects.filter(username__in=["owen", "pat", "gloria"])}
    for spec in PATHWAYS:
        service = services.get(spec["service"])
        to_mode = mode_at(spec["to_mode"])
        if service is None or spec["service"] in planned or to_mode is None:
            continue
        if service.mode_id == to_mode.pk or spec["owner"] not in people:
            continue
        pathway = portfolio_services.pathway_create(
            actor=actor,
            service=service,
            to_mode=to_mode,
            title=spec["title"],
            owner=people[spec["owner"]],
            target_date=spec["target_date"],
            steps=[
                {"title": t, "owner": people.get(o), "due_date": d, "blocker": b}
                for t, o, d, _done, b in spec["steps"]
            ],
            readiness=[label for label, _ in spec["readiness"]],
        )
        for step, (_t, _o, _d, done, _b) in zip(pathway.steps.order_by("order"), spec["steps"], strict=True):
            if done:
                portfolio_services.pathway_step_update(actor=actor, step=step, done=True)
        for item, (_label, met) in zip(pathway.readiness.order_by("order"), spec["readiness"], strict=True):
            if met:
                portfolio_services.readiness_update(actor=actor, criterion=item, met=True, evidence="Demo")
        if spec["status"] != "planned":
            portfolio_services.pathway_set_status(actor=actor, pathway=pathway, status=spec["status"])
        created["pathways"] += 1
    return created

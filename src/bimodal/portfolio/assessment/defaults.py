"""The default questionnaire: its criteria, the poles they speak for, and their engine specs."""

from __future__ import annotations

from bimodal.portfolio.assessment.base import (
    COST_OF_CHANGE,
    DEMAND_FOR_CHANGE,
    FUNCTIONAL_FIT,
    TECHNICAL_FIT,
    CriterionSpec,
    Option,
)

STABLE, AGILE = "stable", "agile"  # the poles of the axis a high answer speaks for
AXIS = {STABLE: -1, AGILE: 1, None: 0}  # a pole as the criterion's direction on the axis


def _levels(*labels: str) -> list[dict]:
    """Five options none/low … very high scored 0 … 4, with the given labels."""
    values = ["none", "low", "medium", "high", "very_high"]
    return [
        {"value": v, "label": label, "score": i}
        for i, (v, label) in enumerate(zip(values, labels, strict=True))
    ]


_FIVE = ("None", "Low", "Medium", "High", "Very high")

# (key, label, dimension, weight, pole a high answer speaks for, options, help)
DEFAULT_CRITERIA: list[dict] = [
    {
        "key": "release_effort",
        "label": "Release effort",
        "dimension": COST_OF_CHANGE,
        "weight": 3,
        "pole": STABLE,
        "options": _levels("Push-button", "A few hours", "A day", "A planned weekend", "A programme"),
        "help": "How much work and coordination one release takes.",
    },
    {
        "key": "test_effort",
        "label": "Regression test effort",
        "dimension": COST_OF_CHANGE,
        "weight": 2,
        "pole": STABLE,
        "options": _levels("Minutes", "Hours", "Days", "Weeks", "Months"),
        "help": "Time to regression-test a change before release.",
    },
    {
        "key": "coupling",
        "label": "Coupling to other systems",
        "dimension": COST_OF_CHANGE,
        "weight": 3,
        "pole": STABLE,
        "options": _levels(
            "Standalone", "Few APIs", "Several integrations", "Shared database", "Hub of the estate"
        ),
        "help": "How many systems break or must change with it.",
    },
    {
        "key": "technology_age",
        "label": "Technology age",
        "dimension": COST_OF_CHANGE,
        "weight": 2,
        "pole": STABLE,
        "options": _levels("Current", "Recent", "Mature", "Ageing", "Legacy / mainframe"),
        "help": "How old and how scarce the skills for its technology are.",
    },
    {
        "key": "change_requests",
        "label": "Change requests per quarter",
        "dimension": DEMAND_FOR_CHANGE,
        "weight": 4,
        "pole": AGILE,
        "options": _levels("None", "1–2", "3–10", "11–50", "More than 50"),
        "help": "How often the business asks for something new.",
    },
    {
        "key": "business_volatility",
        "label": "Business volatility",
        "dimension": DEMAND_FOR_CHANGE,
        "weight": 3,
        "pole": AGILE,
        "options": _levels("Settled", "Slow", "Moderate", "Fast-moving", "Disrupted market"),
        "help": "How fast the market, product or rules around it change.",
    },
    {
        "key": "customer_facing",
        "label": "Customer facing",
        "dimension": DEMAND_FOR_CHANGE,
        "weight": 2,
        "pole": AGILE,
        "options": _levels(
            "Back office", "Staff tool", "Partner facing", "Customer facing", "Flagship channel"
        ),
        "help": "How directly customers use it.",
    },
    {
        "key": "business_criticality",
        "label": "Business criticality",
        "dimension": "criticality",
        "weight": 3,
        "pole": STABLE,
        "options": _levels("Negligible", "Tier 3", "Tier 2", "Tier 1", "Tier 0 — mission critical"),
        "help": "What an outage costs the business.",
    },
    {
        "key": "regulatory_burden",
        "label": "Regulatory burden",
        "dimension": "regulation",
        "weight": 3,
        "pole": STABLE,
        "options": _levels(
            "None", "One light regime", "Two regimes", "Three regimes", "Four or more / supervisor"
        ),
        "help": "Regulations in scope and the evidence they demand.",
    },
    {
        "key": "architecture_modularity",
        "label": "Architecture modularity",
        "dimension": "modularity",
        "weight": 2,
        "pole": AGILE,
        "options": _levels(
            "Monolith", "Layered monolith", "Modular", "Services", "Independent microservices"
        ),
        "help": "Whether parts can be changed and deployed independently.",
    },
    {
        "key": "deployment_automation",
        "label": "Deployment automation",
        "dimension": "automation",
        "weight": 2,
        "pole": AGILE,
        "options": _levels("Manual", "Scripted", "Partly pipelined", "Pipeline", "Continuous deployment"),
        "help": "How a change gets to production.",
    },
    {
        "key": "test_automation",
        "label": "Test automation",
        "dimension": "automation",
        "weight": 2,
        "pole": AGILE,
        "options": _levels("None", "Under 25 %", "25–60 %", "60–85 %", "Over 85 %"),
        "help": "Share of regression tests that run automatically.",
    },
    {
        "key": "team_skills",
        "label": "Team agile / DevOps skills",
        "dimension": "skills",
        "weight": 2,
        "pole": AGILE,
        "options": _levels("None", "Basic", "Some", "Strong", "Build-it-run-it team"),
        "help": "Whether the team can work in short cycles and run what it builds.",
    },
    {
        "key": "requirement_uncertainty",
        "label": "Requirement uncertainty",
        "dimension": "uncertainty",
        "weight": 3,
        "pole": AGILE,
        "options": _levels("Fully specified", "Mostly known", "Some unknowns", "Exploratory", "Discovery"),
        "help": "How much has to be learnt by trying.",
    },
    {
        "key": "functional_fit",
        "label": "Functional fit",
        "dimension": FUNCTIONAL_FIT,
        "weight": 1,
        "pole": None,
        "options": _levels("Fails the business", "Poor", "Adequate", "Good", "Excellent"),
        "help": "How well it meets business needs (TIME rating; does not affect the mode).",
    },
    {
        "key": "technical_fit",
        "label": "Technical fit",
        "dimension": TECHNICAL_FIT,
        "weight": 1,
        "pole": None,
        "options": _levels("Unsupportable", "Poor", "Adequate", "Good", "Excellent"),
        "help": "How sound, supportable and secure its technology is (TIME rating).",
    },
]


def default_specs() -> list[CriterionSpec]:
    """The default questionnaire as engine specs: every criterion on the axis (tests and the benchmark)."""
    return [
        CriterionSpec(
            key=c["key"],
            label=c["label"],
            dimension=c["dimension"],
            weight=float(c["weight"]),
            mode_weights={},
            options=tuple(Option(**o) for o in c["options"]),
            help=c["help"],
            axis=AXIS[c["pole"]],
        )
        for c in DEFAULT_CRITERIA
    ]

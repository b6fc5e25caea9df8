"""Pure risk calculations of the registers: low-code risk score, AI risk tier, required controls.

No database access here: the functions take plain values so that they can be hand-checked and
property-tested; services store their results on the register items."""

from __future__ import annotations

from dataclasses import dataclass, field

from bimodal.registers.choices import AiRiskTier, RiskLevel, SupportWrapper

# --- low-code apps ---------------------------------------------------------------------------------

# (lower bound of users, points): the first bound the count reaches, from the top.
USER_POINTS = [(250, 30), (50, 20), (10, 10), (0, 0)]
DATA_POINTS = {"public": 0, "internal": 5, "confidential": 15, "restricted": 25}
POINTS_PER_INTEGRATION = 5
MAX_INTEGRATION_POINTS = 15
CRITICAL_INTEGRATION_POINTS = 10  # any integration with a tier 0 or tier 1 service
SUPPORT_POINTS = {
    SupportWrapper.IT_SUPPORTED: 0,
    SupportWrapper.IT_BEST_EFFORT: 5,
    SupportWrapper.BUSINESS: 10,
    SupportWrapper.NONE: 20,
}
# (lowest score of the level, level)
LEVEL_BOUNDS = [(75, RiskLevel.CRITICAL), (50, RiskLevel.HIGH), (25, RiskLevel.MEDIUM), (0, RiskLevel.LOW)]
REVIEW_DAYS = {RiskLevel.LOW: 365, RiskLevel.MEDIUM: 180, RiskLevel.HIGH: 90, RiskLevel.CRITICAL: 90}
LOW_CODE_CONTROLS = {
    RiskLevel.LOW: ["Register entry with a named owner", "Annual review"],
    RiskLevel.MEDIUM: [
        "Register entry with a named owner",
        "Review every 6 months",
        "Access review of the app's users",
        "Documented backup or export of the data",
    ],
    RiskLevel.HIGH: [
        "Register entry with a named owner",
        "Review every 3 months",
        "Access review of the app's users",
        "Documented backup or export of the data",
        "Security review before wider use",
        "IT support wrapper (service desk knows the app)",
    ],
    RiskLevel.CRITICAL: [
        "Register entry with a named owner",
        "Review every 3 months",
        "Access review of the app's users",
        "Documented backup or export of the data",
        "Security review before wider use",
        "IT support wrapper (service desk knows the app)",
        "IT adoption: promote into the service catalogue",
    ],
}


@dataclass(frozen=True)
class LowCodeRisk:
    """A low-code app's score (0–100), its level, the points of each factor and the controls it needs."""

    score: int
    level: str
    factors: dict[str, int]
    controls: list[str]
    review_days: int


def low_code_risk(
    *, users: int, data_classification: str, integrations: int, critical_integrations: int, support: str
) -> LowCodeRisk:
    """Score a low-code app: users (≤30) + data (≤25) + integrations (≤15, +10 with a tier 0/1 service)
    + support wrapper (≤20); 75+ is critical, 50+ high, 25+ medium."""
    if users < 0 or integrations < 0 or critical_integrations < 0:
        raise ValueError("counts cannot be negative")
    factors = {
        "users": next(points for bound, points in USER_POINTS if users >= bound),
        "data": DATA_POINTS[data_classification],
        "integrations": min(integrations * POINTS_PER_INTEGRATION, MAX_INTEGRATION_POINTS),
        "critical_integrations": CRITICAL_INTEGRATION_POINTS if critical_integrations else 0,
        "support": SUPPORT_POINTS[support],
    }
    score = sum(factors.values())
    level = next(lvl for bound, lvl in LEVEL_BOUNDS if score >= bound)
    return LowCodeRisk(score, level, factors, list(LOW_CODE_CONTROLS[level]), REVIEW_DAYS[level])


# --- AI use cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One yes/no question of the AI risk questionnaire and the tier a "yes" puts the use case in."""

    key: str
    text: str
    tier: str


AI_QUESTIONS: list[Question] = [
    Question(
        "social_scoring",
        "Does it score people's social behaviour or personality to treat them unfavourably elsewhere?",
        AiRiskTier.PROHIBITED,
    ),
    Question(
        "manipulation",
        "Does it use subliminal or manipulative techniques, or exploit people's "
        "vulnerabilities (age, disability, hardship)?",
        AiRiskTier.PROHIBITED,
    ),
    Question(
        "realtime_biometric_id",
        "Does it identify people remotely and in real time from biometric data in public spaces?",
        AiRiskTier.PROHIBITED,
    ),
    Question("workplace_emotion", "Does it infer the emotions of employees at work?", AiRiskTier.PROHIBITED),
    Question(
        "creditworthiness",
        "Does it assess creditworthiness or set credit scores, or price life or health insurance?",
        AiRiskTier.HIGH,
    ),
    Question(
        "employment", "Is it used to recruit, select, promote, dismiss or monitor employees?", AiRiskTier.HIGH
    ),
    Question(
        "essential_services",
        "Does it decide access to essential private or public services?",
        AiRiskTier.HIGH,
    ),
    Question(
        "biometric_categorisation",
        "Does it identify or categorise people from biometric data?",
        AiRiskTier.HIGH,
    ),
    Question(
        "critical_infrastructure",
        "Is it a safety component of critical infrastructure (payments, utilities)?",
        AiRiskTier.HIGH,
    ),
    Question(
        "interacts_with_people",
        "Do people interact with it directly (chatbot, voice assistant)?",
        AiRiskTier.LIMITED,
    ),
    Question(
        "generates_content",
        "Does it generate or alter text, images, audio or video that people will see?",
        AiRiskTier.LIMITED,
    ),
]
AI_QUESTION_KEYS = [q.key for q in AI_QUESTIONS]
TIER_ORDER = [AiRiskTier.MINIMAL, AiRiskTier.LIMITED, AiRiskTier.HIGH, AiRiskTier.PROHIBITED]
AI_REVIEW_DAYS = {
    AiRiskTier.MINIMAL: 365,
    AiRiskTier.LIMITED: 180,
    AiRiskTier.HIGH: 90,
    AiRiskTier.PROHIBITED: 30,
}
AI_CONTROLS = {
    AiRiskTier.MINIMAL: ["Register entry with a named owner", "Annual review"],
    AiRiskTier.LIMITED: [
        "Register entry with a named owner",
        "Review every 6 months",
        "Tell people they are dealing with AI",
        "Label AI-generated content",
    ],
    AiRiskTier.HIGH: [
        "Register entry with a named owner",
        "Review every 3 months",
        "Ethics review approval before use",
        "Data-protection impact assessment",
        "Named human oversight with power to override",
        "Risk management, logging and technical documentation",
        "Accuracy, bias and drift monitoring",
        "Conformity assessment before use",
    ],
    AiRiskTier.PROHIBITED: [
        "Must not be used: stop and decommission",
        "Report to the data-protection officer",
    ],
}


@dataclass(frozen=True)
class AiRisk:
    """An AI use case's tier, the questions that decided it and the controls it needs."""

    tier: str
    reasons: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    review_days: int = 365


def tier_rank(tier: str) -> int:
    """0 for minimal … 3 for prohibited."""
    return TIER_ORDER.index(tier)


def ai_risk_tier(
    answers: dict[str, bool], *, personal_data: bool = False, special_categories: bool = False
) -> AiRisk:
    """The most severe tier that any "yes" answer leads to (minimal when none), with its controls.

    Personal data adds a DPIA screening; special-category data a full DPIA and an ethics review, whatever
    the tier. Unknown question keys are refused."""
    unknown = set(answers) - set(AI_QUESTION_KEYS)
    if unknown:
        raise ValueError(f"unknown questions: {', '.join(sorted(unknown))}")
    yes = [q for q in AI_QUESTIONS if answers.get(q.key)]
    tier = max((q.tier for q in yes), key=tier_rank, default=AiRiskTier.MINIMAL)
    reasons = [q.text for q in yes if q.tier == tier]
    controls = list(AI_CONTROLS[tier])
    if tier != AiRiskTier.PROHIBITED:
        if special_categories:
            for control in ("Data-protection impact assessment", "Ethics review approval before use"):
                if control not in controls:
                    controls.append(control)
        elif personal_data and "Data-protection impact assessment" not in controls:
            controls.append("DPIA screening (personal data)")
    return AiRisk(tier, reasons, controls, AI_REVIEW_DAYS[tier])


def dpia_needed(tier: str, *, personal_data: bool, special_categories: bool) -> bool:
    """Whether a full DPIA is required."""
    return tier == AiRiskTier.HIGH or special_categories


# --- cloud accounts --------------------------------------------------------------------------------

TAGGING_TARGET = 90  # percent of resources carrying the mandatory tags
IDLE_SHARE_LIMIT = 10  # percent of resources idle or orphaned before it counts as sprawl


def tagging_compliance(tagged: int, total: int) -> int:
    """Percentage of resources tagged (100 when there are none)."""
    return 100 if total <= 0 else round(100 * tagged / total)


def sprawl_flags(
    *, tagged: int, total: int, idle: int, orphaned: int, has_owner: bool, services: int, over_budget: bool
) -> list[str]:
    """The sprawl indicators one cloud account raises, in words."""
    flags = []
    if not has_owner:
        flags.append("No owner")
    if services == 0:
        flags.append("Not linked to any service")
    if tagging_compliance(tagged, total) < TAGGING_TARGET:
        flags.append(f"Tagging below {TAGGING_TARGET}%")
    if total and 100 * (idle + orphaned) / total > IDLE_SHARE_LIMIT:
        flags.append(f"More than {IDLE_SHARE_LIMIT}% idle or orphaned resources")
    if over_budget:
        flags.append("Over budget last month")
    return flags


CLOUD_REVIEW_DAYS = 180

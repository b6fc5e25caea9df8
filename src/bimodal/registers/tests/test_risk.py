"""Risk calculations against hand-checked examples, and property tests."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bimodal.registers import risk

# --- low-code --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "score", "level"),
    [
        # 300 users (30) + restricted (25) + 2 integrations (10) + one tier-0 (10) + no support (20) = 95
        (
            {
                "users": 300,
                "data_classification": "restricted",
                "integrations": 2,
                "critical_integrations": 1,
                "support": "none",
            },
            95,
            "critical",
        ),
        # 5 users (0) + public (0) + none (0) + IT-supported (0) = 0
        (
            {
                "users": 5,
                "data_classification": "public",
                "integrations": 0,
                "critical_integrations": 0,
                "support": "it_supported",
            },
            0,
            "low",
        ),
        # 10 users (10) + internal (5) + 1 integration (5) + business (10) = 30
        (
            {
                "users": 10,
                "data_classification": "internal",
                "integrations": 1,
                "critical_integrations": 0,
                "support": "business",
            },
            30,
            "medium",
        ),
        # 85 users (20) + confidential (15) + 1 integration (5) + tier-1 (10) + business (10) = 60
        (
            {
                "users": 85,
                "data_classification": "confidential",
                "integrations": 1,
                "critical_integrations": 1,
                "support": "business",
            },
            60,
            "high",
        ),
        # 49 users (10) + confidential (15) + 5 integrations capped (15) + best effort (5) = 45
        (
            {
                "users": 49,
                "data_classification": "confidential",
                "integrations": 5,
                "critical_integrations": 0,
                "support": "it_best_effort",
            },
            45,
            "medium",
        ),
        # boundary: 250 users (30) + restricted (25) + business (10) + 2 integrations (10) = 75 → critical
        (
            {
                "users": 250,
                "data_classification": "restricted",
                "integrations": 2,
                "critical_integrations": 0,
                "support": "business",
            },
            75,
            "critical",
        ),
    ],
)
def test_low_code_scores(kwargs, score, level):
    result = risk.low_code_risk(**kwargs)
    assert (result.score, result.level) == (score, level)
    assert result.review_days == risk.REVIEW_DAYS[level]


def test_critical_apps_must_be_adopted_by_it():
    result = risk.low_code_risk(
        users=300, data_classification="restricted", integrations=2, critical_integrations=1, support="none"
    )
    assert "IT adoption: promote into the service catalogue" in result.controls
    assert "Security review before wider use" in result.controls


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        risk.low_code_risk(
            users=-1, data_classification="public", integrations=0, critical_integrations=0, support="none"
        )


# --- AI ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        ({}, "minimal"),
        ({"interacts_with_people": True}, "limited"),
        ({"interacts_with_people": True, "generates_content": True}, "limited"),
        ({"creditworthiness": True}, "high"),
        ({"employment": True, "interacts_with_people": True}, "high"),
        ({"workplace_emotion": True, "employment": True}, "prohibited"),
        ({"social_scoring": True}, "prohibited"),
        ({"creditworthiness": False}, "minimal"),
    ],
)
def test_ai_tiers(answers, tier):
    assert risk.ai_risk_tier(answers).tier == tier


def test_high_risk_controls_and_reasons():
    result = risk.ai_risk_tier({"creditworthiness": True, "interacts_with_people": True})
    assert result.tier == "high"
    assert result.review_days == 90
    assert "Named human oversight with power to override" in result.controls
    assert result.reasons == [risk.AI_QUESTIONS[4].text]


def test_personal_and_special_data_add_controls():
    assert "DPIA screening (personal data)" in risk.ai_risk_tier({}, personal_data=True).controls
    special = risk.ai_risk_tier({}, personal_data=True, special_categories=True).controls
    assert "Data-protection impact assessment" in special and "Ethics review approval before use" in special


def test_unknown_question_is_refused():
    with pytest.raises(ValueError):
        risk.ai_risk_tier({"is_it_magic": True})


answers_strategy = st.fixed_dictionaries({k: st.booleans() for k in risk.AI_QUESTION_KEYS})


@given(answers=answers_strategy, flip=st.sampled_from(risk.AI_QUESTION_KEYS))
def test_answering_yes_never_lowers_the_tier(answers, flip):
    before = risk.tier_rank(risk.ai_risk_tier(answers).tier)
    after = risk.tier_rank(risk.ai_risk_tier({**answers, flip: True}).tier)
    assert after >= before


@given(
    users=st.integers(0, 5000),
    more_users=st.integers(0, 5000),
    data=st.sampled_from(list(risk.DATA_POINTS)),
    integrations=st.integers(0, 10),
    support=st.sampled_from(list(risk.SUPPORT_POINTS)),
)
def test_low_code_score_is_bounded_and_monotone_in_users(users, more_users, data, integrations, support):
    base = risk.low_code_risk(
        users=users,
        data_classification=data,
        integrations=integrations,
        critical_integrations=0,
        support=support,
    )
    bigger = risk.low_code_risk(
        users=users + more_users,
        data_classification=data,
        integrations=integrations,
        critical_integrations=0,
        support=support,
    )
    assert 0 <= base.score <= 100
    assert bigger.score >= base.score


def test_sprawl_flags():
    flags = risk.sprawl_flags(
        tagged=12, total=60, idle=25, orphaned=20, has_owner=False, services=0, over_budget=True
    )
    assert flags == [
        "No owner",
        "Not linked to any service",
        "Tagging below 90%",
        "More than 10% idle or orphaned resources",
        "Over budget last month",
    ]
    assert (
        risk.sprawl_flags(
            tagged=10, total=10, idle=1, orphaned=0, has_owner=True, services=1, over_budget=False
        )
        == []
    )

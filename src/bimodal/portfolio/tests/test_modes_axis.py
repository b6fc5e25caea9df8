"""Modes on the axis from stability to exploration: the questionnaire classifies coherently in every preset."""

from __future__ import annotations

import importlib
import random
from decimal import Decimal

import pytest
from django.apps import apps
from hypothesis import given, settings
from hypothesis import strategies as st

from bimodal.core.models import AuditEntry
from bimodal.portfolio import assessment as engine
from bimodal.portfolio import services
from bimodal.portfolio.models import Mode
from bimodal.portfolio.presets import PRESETS
from bimodal.portfolio.selectors import scorer_for

SPECS = engine.default_specs()
VALUES = ["none", "low", "medium", "high", "very_high"]
ON_AXIS = [c for c in SPECS if c.axis]
STABLE_DIMENSIONS = {engine.COST_OF_CHANGE, "criticality", "regulation"}

# A custom set of four modes, listed out of axis order: the order of the list must not matter.
CUSTOM_FOUR = {"lab": 1.0, "core": 0.0, "growth": 0.75, "steady": 0.25}
AXES = {
    **{name: {m["key"]: float(m["exploration"]) for m in modes} for name, modes in PRESETS.items()},
    "custom-four": CUSTOM_FOUR,
}
SCORERS = {name: engine.Scorer(SPECS, list(places), places) for name, places in AXES.items()}


def _ends(name: str) -> tuple[str, str]:
    places = AXES[name]
    return min(places, key=places.__getitem__), max(places, key=places.__getitem__)


def _place(name: str, mode: str | None) -> float:
    assert mode is not None
    return AXES[name][mode]


# --- hand-checked examples ---------------------------------------------------------------------------

CORE_BANKING = {
    "release_effort": "very_high",
    "test_effort": "high",
    "coupling": "very_high",
    "technology_age": "very_high",
    "change_requests": "low",
    "business_volatility": "low",
    "customer_facing": "medium",
    "business_criticality": "very_high",
    "regulatory_burden": "very_high",
    "architecture_modularity": "none",
    "deployment_automation": "low",
    "test_automation": "low",
    "team_skills": "low",
    "requirement_uncertainty": "none",
}
NOVEL_SERVICE = {key: VALUES[4 - VALUES.index(value)] for key, value in CORE_BANKING.items()}
MIDDLING = dict.fromkeys(CORE_BANKING, "medium")


def test_trimodal_core_banking_is_town_planners_and_a_novel_service_pioneers():
    scorer = SCORERS["trimodal"]
    core = scorer.score(CORE_BANKING)
    assert core.recommended == "town-planners"
    assert core.scores["town-planners"] > core.scores["settlers"] > core.scores["pioneers"]
    assert scorer.score(NOVEL_SERVICE).recommended == "pioneers"


def test_trimodal_settlers_win_in_the_middle():
    # Every answer places the service at 0.5: Settlers fit every answer fully, the two ends half.
    result = SCORERS["trimodal"].score(MIDDLING)
    assert result.recommended == "settlers"
    assert result.scores == {"town-planners": 50.0, "settlers": 100.0, "pioneers": 50.0}


def test_hand_checked_trimodal_scores():
    # change_requests very high (w=4, x=1), release effort none (w=3, x=1): the service sits at 1.
    # Pioneers (1.0) fit fully; Settlers (0.5): (4·0.5 + 3·0.5) / 7 = 50; Town Planners (0.0): 0.
    result = SCORERS["trimodal"].score({"change_requests": "very_high", "release_effort": "none"})
    assert result.scores == {"town-planners": 0.0, "settlers": 50.0, "pioneers": 100.0}
    assert result.recommended == "pioneers"
    assert list(result.scores) == ["town-planners", "settlers", "pioneers"]  # from stable to exploratory


@pytest.mark.parametrize("name", sorted(AXES))
def test_every_mode_of_every_preset_is_scored(name):
    result = SCORERS[name].score(MIDDLING)
    assert set(result.scores) == set(AXES[name])


def _legacy_specs() -> list[engine.CriterionSpec]:
    """The default questionnaire as signed multipliers for two modes (how it was stored before the axis)."""
    return [
        engine.CriterionSpec(
            key=c.key,
            label=c.label,
            dimension=c.dimension,
            weight=c.weight,
            mode_weights={"first": -c.axis, "last": c.axis} if c.axis else {},
            options=c.options,
        )
        for c in SPECS
    ]


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from([c.key for c in SPECS]), st.sampled_from(VALUES)))
def test_two_modes_at_the_ends_score_as_the_signed_multipliers_did(answers):
    on_axis = engine.Scorer(SPECS, ["first", "last"], {"first": 0.0, "last": 1.0})
    legacy = engine.Scorer(_legacy_specs(), ["first", "last"])
    assert on_axis.score(answers) == legacy.score(answers)


@pytest.mark.parametrize("name", ["trimodal", "custom-four"])
def test_bulk_path_gives_the_same_results_with_more_modes(name):
    scorer = SCORERS[name]
    pick = random.Random(16)
    rows = [
        {c.key: pick.choice(VALUES) for c in SPECS if pick.random() < 0.8}
        for _ in range(engine.BULK_MIN_ROWS + 36)
    ]
    assert scorer.score_many(rows) == [scorer.score(row) for row in rows]


# --- properties over every preset -------------------------------------------------------------------

others = st.fixed_dictionaries(
    {},
    optional={
        c.key: st.sampled_from(VALUES)
        for c in SPECS
        if c.dimension not in STABLE_DIMENSIONS and c.dimension != engine.DEMAND_FOR_CHANGE
    },
)


def _extreme(stable: bool) -> dict[str, str]:
    """Maximal cost of change, criticality and regulation, minimal demand for change (or the reverse)."""
    high, low = ("very_high", "none") if stable else ("none", "very_high")
    answers = {c.key: high for c in SPECS if c.dimension in STABLE_DIMENSIONS}
    answers.update({c.key: low for c in SPECS if c.dimension == engine.DEMAND_FOR_CHANGE})
    return answers


@settings(max_examples=100)
@given(st.sampled_from(sorted(AXES)), others)
def test_the_stable_profile_is_recommended_the_most_stable_mode(name, rest):
    assert SCORERS[name].score({**rest, **_extreme(stable=True)}).recommended == _ends(name)[0]


@settings(max_examples=100)
@given(st.sampled_from(sorted(AXES)), others)
def test_the_reverse_profile_is_recommended_the_most_exploratory_mode(name, rest):
    assert SCORERS[name].score({**rest, **_extreme(stable=False)}).recommended == _ends(name)[1]


@settings(max_examples=400)
@given(
    st.sampled_from(sorted(AXES)),
    st.dictionaries(st.sampled_from([c.key for c in SPECS]), st.sampled_from(VALUES)),
    st.sampled_from(ON_AXIS),
    st.integers(0, 4),
    st.integers(0, 4),
)
def test_an_answer_moved_towards_stability_never_moves_the_recommendation_towards_exploration(
    name, answers, criterion, a, b
):
    low, high = {**answers, criterion.key: VALUES[min(a, b)]}, {**answers, criterion.key: VALUES[max(a, b)]}
    # A high answer to a stability criterion (axis -1) is the more stable one, a low one otherwise.
    stabler, other = (high, low) if criterion.axis < 0 else (low, high)
    scorer = SCORERS[name]
    assert _place(name, scorer.score(stabler).recommended) <= _place(name, scorer.score(other).recommended)


# --- modes in the database --------------------------------------------------------------------------


@pytest.mark.django_db
def test_presets_give_every_mode_its_place():
    for name in PRESETS:
        for mode in services.modes_apply_preset(preset=name):
            assert Decimal("0") <= Mode.objects.get(pk=mode.pk).exploration <= Decimal("1")
    assert Mode.objects.get(key="town-planners").exploration < Mode.objects.get(key="settlers").exploration
    assert Mode.objects.get(key="settlers").exploration < Mode.objects.get(key="pioneers").exploration


@pytest.mark.django_db
def test_default_questionnaire_in_a_trimodal_database_recommends_town_planners_for_core_banking():
    Mode.objects.all().delete()  # a database set up with the trimodal preset
    services.modes_apply_preset(preset="trimodal")
    questionnaire = services.questionnaire_create_default()
    assert set(questionnaire.criteria.values_list("axis", flat=True)) == {-1, 0, 1}
    scorer = scorer_for(questionnaire)
    assert scorer.score(CORE_BANKING).recommended == "town-planners"
    assert scorer.score(MIDDLING).recommended == "settlers"
    assert scorer.score(NOVEL_SERVICE).recommended == "pioneers"


@pytest.mark.django_db
def test_moving_a_mode_on_the_axis_changes_the_recommendation(make_user):
    gov = make_user("governance_lead")
    Mode.objects.all().delete()
    services.modes_apply_preset(preset="trimodal")
    questionnaire = services.questionnaire_create_default()
    assert scorer_for(questionnaire).score(MIDDLING).recommended == "settlers"
    services.mode_update(actor=gov, mode=Mode.objects.get(key="settlers"), exploration=Decimal("1.00"))
    services.mode_update(actor=gov, mode=Mode.objects.get(key="pioneers"), exploration=Decimal("0.50"))
    assert scorer_for(questionnaire).score(MIDDLING).recommended == "pioneers"


@pytest.mark.django_db
def test_migration_places_preset_modes_and_spreads_the_others():
    Mode.objects.create(key="edge", name="Edge", short_name="Edge", order=9)
    Mode.objects.update(exploration=Decimal("0.30"))
    step = importlib.import_module("bimodal.portfolio.migrations.0005_mode_exploration_criterion_axis")
    step.place_modes(apps, None)
    places = dict(Mode.objects.values_list("key", "exploration"))
    assert places == {"mode-1": Decimal("0.00"), "mode-2": Decimal("1.00"), "edge": Decimal("1.00")}
    Mode.objects.create(key="middle", name="Middle", short_name="Middle", order=9)  # after Edge by name
    step.place_modes(apps, None)
    places = dict(Mode.objects.values_list("key", "exploration"))
    assert (places["edge"], places["middle"]) == (Decimal("0.67"), Decimal("1.00"))


# --- the place is shown and edited with the profile --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["1.5", "-0.1", "abc", "0.123"])
def test_api_refuses_a_place_off_the_axis(make_user, client_for, bad):
    before = AuditEntry.objects.count()
    response = client_for(make_user("governance_lead")).patch(
        "/api/portfolio/modes/mode-2/", {"exploration": bad}, content_type="application/json"
    )
    assert response.status_code == 400 and "exploration" in response.json()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_api_moves_a_mode_on_the_axis(make_user, client_for):
    response = client_for(make_user("governance_lead")).patch(
        "/api/portfolio/modes/mode-2/",
        {"exploration": "0.80", "reason": "slower"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["exploration"] == "0.80"
    assert Mode.objects.get(key="mode-2").exploration == Decimal("0.80")


@pytest.mark.django_db
def test_mode_page_shows_and_validates_the_place(make_user, client_for):
    client = client_for(make_user("governance_lead"))
    url = Mode.objects.get(key="mode-2").get_absolute_url()
    response = client.get(url)
    assert 'data-testid="mode-exploration">1.00' in response.content.decode()
    form = response.context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data.update(exploration="2", reason="try", change_windows_required="")
    for flag in ("standard_changes_preapproved", "deployment_gate"):
        data[flag] = "on" if form.initial[flag] else ""
    response = client.post(url, data)
    assert response.status_code == 400 and "exploration" in response.context["form"].errors
    assert Mode.objects.get(key="mode-2").exploration == Decimal("1.00")

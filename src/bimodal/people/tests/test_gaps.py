"""Gap analysis against hand-checked numbers, proficiency permissions, the API and the pages."""

import pytest
from django.core.exceptions import PermissionDenied

from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.people import selectors, services
from bimodal.people.gaps import skill_gap
from bimodal.people.models import Proficiency, Skill, SkillRequirement
from bimodal.portfolio.tests.factories import ServiceFactory, mode


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # need 2 at ≥3; levels 3,2,2,1 → have 1, gap 1, one person at 2 can be trained → train 1
        ({"required_level": 3, "needed": 2, "levels": [3, 2, 2, 1], "core": True}, (1, 1, 1, 0, 0)),
        # need 3 at ≥4 (mode profile); levels 4,2 → have 1, gap 2, nobody at 3 → recruit 2
        ({"required_level": 4, "needed": 3, "levels": [4, 2], "core": True}, (1, 2, 0, 2, 0)),
        # need 3 at ≥3 (service only); levels 2,1 → gap 3, train 1 (the 2), contract 2
        ({"required_level": 3, "needed": 3, "levels": [2, 1], "core": False}, (0, 3, 1, 0, 2)),
        # covered: need 1 at ≥2, levels 4 → no gap
        ({"required_level": 2, "needed": 1, "levels": [4], "core": True}, (1, 0, 0, 0, 0)),
    ],
)
def test_skill_gap_hand_checked(kwargs, expected):
    g = skill_gap(**kwargs)
    assert (g.have, g.gap, g.train, g.recruit, g.contract) == expected
    assert g.train + g.recruit + g.contract == g.gap


@pytest.fixture
def setup(db, make_user):
    lead = make_user("governance_lead")
    team_lead = make_user("service_owner")
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    team = TeamFactory(lead=team_lead, members=[a, b, c])
    other = UserFactory()  # not in the team: ignored
    cobol = services.skill_create(actor=lead, name="COBOL")
    itil = services.skill_create(actor=lead, name="ITIL change")
    java = services.skill_create(actor=lead, name="Java")
    services.requirement_set(actor=lead, skill=cobol, mode=mode("mode-1"), min_level=3, headcount=2)
    services.requirement_set(actor=lead, skill=itil, mode=mode("mode-1"), min_level=2, headcount=1)
    service = ServiceFactory(owner_team=team, mode=mode("mode-1"))
    services.requirement_set(actor=lead, skill=java, service=service, min_level=3, headcount=2)
    services.requirement_set(actor=lead, skill=cobol, service=service, min_level=4, headcount=1)
    for person, skill, level in [
        (a, cobol, 4),
        (b, cobol, 2),
        (c, cobol, 3),
        (a, itil, 3),
        (b, java, 2),
        (other, java, 4),
    ]:
        services.proficiency_record(actor=lead, person=person, skill=skill, proficiency_level=level)
    return {"lead": lead, "team_lead": team_lead, "team": team, "a": a, "b": b, "other": other, "java": java}


def test_team_gap_analysis_numbers(setup):
    rows = {
        r["skill"].name: r["gap"]
        for r in selectors.gap_analysis(user=setup["lead"], team=setup["team"], mode=mode("mode-1"))
    }
    # COBOL: mode needs 2 at ≥3, service needs 1 at ≥4 → level 4, 2 people; a=4 → have 1; c=3 → train 1.
    assert (rows["COBOL"].required_level, rows["COBOL"].needed, rows["COBOL"].have, rows["COBOL"].train) == (
        4,
        2,
        1,
        1,
    )
    # ITIL: 1 at ≥2; a=3 → covered.
    assert rows["ITIL change"].gap == 0
    # Java: service only, 2 at ≥3; nobody; b=2 → train 1, contract 1 (the outsider at 4 does not count).
    j = rows["Java"]
    assert (j.have, j.gap, j.train, j.recruit, j.contract) == (0, 2, 1, 0, 1)
    totals = selectors.gap_totals(
        selectors.gap_analysis(user=setup["lead"], team=setup["team"], mode=mode("mode-1"))
    )
    assert totals == {"gap": 3, "train": 2, "recruit": 0, "contract": 1}


def test_no_requirements_for_mode_2(setup):
    assert selectors.gap_analysis(user=setup["lead"], team=setup["team"], mode=mode("mode-2")) == []


def test_team_lead_rates_members_only(setup, make_user):
    skill = Skill.objects.get(name="Java")
    services.proficiency_record(actor=setup["team_lead"], person=setup["a"], skill=skill, proficiency_level=3)
    assert Proficiency.objects.get(person=setup["a"], skill=skill).proficiency_level == 3
    with pytest.raises(PermissionDenied):
        services.proficiency_record(
            actor=setup["team_lead"], person=setup["other"], skill=skill, proficiency_level=1
        )
    with pytest.raises(PermissionDenied):
        services.skill_create(actor=setup["team_lead"], name="Cooking")


def test_requirement_needs_mode_xor_service(setup):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.requirement_set(actor=setup["lead"], skill=setup["java"], min_level=2)
    assert SkillRequirement.objects.count() == 4


def test_gap_api(setup, client_for):
    response = client_for(setup["lead"]).get(
        f"/api/people/requirements/gaps/?team={setup['team'].slug}&mode=mode-1"
    )
    assert response.status_code == 200
    java = next(r for r in response.json() if r["skill"] == "Java")
    assert java["recommendation"] == "train 1, contract 1"


def test_proficiency_api_bad_input_and_denial(setup, client_for, make_user):
    client = client_for(setup["lead"])
    count = Proficiency.objects.count()
    response = client.post(
        "/api/people/proficiency/",
        {"person": setup["a"].username, "skill": "java", "proficiency_level": 7},
        content_type="application/json",
    )
    assert response.status_code == 400 and "proficiency_level" in response.json()
    response = client_for(make_user("requester")).get("/api/people/proficiency/")
    assert response.status_code == 403
    response = client_for(setup["team_lead"]).post(
        "/api/people/proficiency/",
        {"person": setup["other"].username, "skill": "java", "proficiency_level": 2},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Proficiency.objects.count() == count


def test_pages(setup, client_for):
    client = client_for(setup["lead"])
    page = client.get(f"/people/?team={setup['team'].slug}").content.decode()
    assert ("plotly.min.js" in page and "Heatmap" in page) or "heatmap" in page
    page = client.get(f"/people/gaps/?team={setup['team'].slug}&mode=mode-1").content.decode()
    assert "train 2, recruit 0, contract 1" in page
    assert client.get("/people/gaps/").status_code == 200
    assert client.get("/people/profiles/").status_code == 200


def test_proficiency_list_query_count_is_flat(setup, client_for, django_assert_max_num_queries):
    client = client_for(setup["lead"])
    with django_assert_max_num_queries(8):
        assert client.get("/api/people/proficiency/").status_code == 200

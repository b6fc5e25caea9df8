"""Page tests of the skills catalogue and skill profiles: governance leads add and edit through the services
(audited), bad input writes nothing, others see no buttons and get 403 (or 404 when they see nothing)."""

import pytest

from bimodal.core.models import AuditEntry
from bimodal.people import services
from bimodal.people.models import Skill, SkillRequirement
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db

PROFILES = "/people/profiles/"


@pytest.fixture
def lead(make_user):
    return make_user("governance_lead")


@pytest.fixture
def cobol(lead):
    return services.skill_create(actor=lead, name="COBOL", skill_area="engineering")


def _audit(verb: str) -> int:
    return AuditEntry.objects.filter(verb=verb).count()


def test_lead_sees_the_buttons_and_others_do_not(lead, cobol, client_for, make_user):
    services.requirement_set(actor=lead, skill=cobol, mode=mode("mode-1"), min_level=3, headcount=2)
    page = client_for(lead).get(PROFILES).content.decode()
    for testid in ("add-skill", "add-requirement", "edit-skill", "edit-requirement"):
        assert f'data-testid="{testid}"' in page
    for role in ("service_owner", "auditor"):
        page = client_for(make_user(role)).get(PROFILES).content.decode()
        assert "COBOL" in page
        for testid in ("add-skill", "add-requirement", "edit-skill", "edit-requirement"):
            assert f'data-testid="{testid}"' not in page


def test_lead_adds_and_edits_a_skill(lead, client_for):
    client = client_for(lead)
    assert client.get("/people/profiles/skills/new/").status_code == 200
    response = client.post(
        "/people/profiles/skills/new/", {"name": "Kubernetes", "skill_area": "operations", "description": ""}
    )
    assert response.status_code == 302
    skill = Skill.objects.get(name="Kubernetes")
    assert skill.slug == "kubernetes" and _audit("skill_create") == 1
    url = f"/people/profiles/skills/{skill.slug}/edit/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "Kubernetes", "skill_area": "engineering", "description": "Clusters"}
    )
    assert response.status_code == 302
    skill.refresh_from_db()
    assert (skill.skill_area, skill.description) == ("engineering", "Clusters")
    entry = AuditEntry.objects.get(verb="skill_update")
    assert entry.actor == lead and entry.before["skill_area"] == "operations"
    assert entry.after["skill_area"] == "engineering"


def test_skill_bad_input_writes_nothing(lead, cobol, client_for):
    client = client_for(lead)
    before = AuditEntry.objects.count()
    for data in (
        {"name": "", "skill_area": "engineering"},
        {"name": "COBOL", "skill_area": "engineering"},  # the name is taken
        {"name": "Magic", "skill_area": "sorcery"},
    ):
        response = client.post("/people/profiles/skills/new/", data)
        assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    response = client.post(f"/people/profiles/skills/{cobol.slug}/edit/", {"name": "", "skill_area": "data"})
    assert response.status_code == 400 and 'data-testid="form-errors"' in response.content.decode()
    assert AuditEntry.objects.count() == before and Skill.objects.count() == 1
    cobol.refresh_from_db()
    assert (cobol.name, cobol.skill_area) == ("COBOL", "engineering")


def test_skill_pages_denied(cobol, client_for, make_user):
    edit = f"/people/profiles/skills/{cobol.slug}/edit/"
    for role in ("service_owner", "auditor"):
        client = client_for(make_user(role))
        assert client.get("/people/profiles/skills/new/").status_code == 403
        assert (
            client.post("/people/profiles/skills/new/", {"name": "X", "skill_area": "data"}).status_code
            == 403
        )
        assert client.get(edit).status_code == 403
        assert client.post(edit, {"name": "Hijacked", "skill_area": "data"}).status_code == 403
    # Someone who cannot see the catalogue at all.
    assert client_for(make_user("requester")).get(edit).status_code == 404
    assert list(Skill.objects.values_list("name", flat=True)) == ["COBOL"]
    assert _audit("skill_update") == 0


def test_lead_adds_and_edits_profile_entries(lead, cobol, client_for):
    client = client_for(lead)
    service = ServiceFactory()
    assert client.get("/people/profiles/requirements/new/?mode=mode-1").status_code == 200
    response = client.post(
        "/people/profiles/requirements/new/",
        {"skill": cobol.slug, "mode": "mode-1", "min_level": "3", "headcount": "2", "notes": "Core banking"},
    )
    assert response.status_code == 302
    for_mode = SkillRequirement.objects.get(mode=mode("mode-1"))
    assert (for_mode.skill, for_mode.min_level, for_mode.headcount) == (cobol, 3, 2)
    response = client.post(
        "/people/profiles/requirements/new/",
        {"skill": cobol.slug, "service": service.slug, "min_level": "4", "headcount": "1"},
    )
    assert response.status_code == 302
    assert SkillRequirement.objects.get(service=service).min_level == 4
    assert _audit("requirement_set") == 2
    url = f"/people/profiles/requirements/{for_mode.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="skill"' not in page and 'name="mode"' not in page  # fixed on an existing entry
    response = client.post(url, {"min_level": "4", "headcount": "3", "notes": ""})
    assert response.status_code == 302
    for_mode.refresh_from_db()
    assert (for_mode.min_level, for_mode.headcount, for_mode.notes) == (4, 3, "")
    entry = AuditEntry.objects.get(verb="requirement_update")
    assert entry.actor == lead and entry.before["headcount"] == 2 and entry.after["headcount"] == 3


def test_profile_entry_bad_input_writes_nothing(lead, cobol, client_for):
    client = client_for(lead)
    service = ServiceFactory()
    requirement = services.requirement_set(actor=lead, skill=cobol, mode=mode("mode-1"), min_level=3)
    before = AuditEntry.objects.count()
    bad = [
        {"skill": cobol.slug, "min_level": "3", "headcount": "1"},  # neither mode nor service
        {"skill": cobol.slug, "mode": "mode-2", "service": service.slug, "min_level": "3", "headcount": "1"},
        {"skill": cobol.slug, "mode": "mode-2", "min_level": "7", "headcount": "1"},
        {"skill": cobol.slug, "mode": "mode-2", "min_level": "3", "headcount": "0"},
        {"skill": "nope", "mode": "mode-2", "min_level": "3", "headcount": "1"},
    ]
    for data in bad:
        response = client.post("/people/profiles/requirements/new/", data)
        assert response.status_code == 200, data
        assert 'data-testid="form-errors"' in response.content.decode(), data
    response = client.post(
        f"/people/profiles/requirements/{requirement.pk}/edit/", {"min_level": "0", "headcount": "-1"}
    )
    assert response.status_code == 200 and 'data-testid="form-errors"' in response.content.decode()
    assert AuditEntry.objects.count() == before and SkillRequirement.objects.count() == 1
    requirement.refresh_from_db()
    assert (requirement.min_level, requirement.headcount) == (3, 1)


def test_profile_entry_pages_denied(lead, cobol, client_for, make_user):
    requirement = services.requirement_set(actor=lead, skill=cobol, mode=mode("mode-1"), min_level=3)
    edit = f"/people/profiles/requirements/{requirement.pk}/edit/"
    data = {"skill": cobol.slug, "mode": "mode-2", "min_level": "3", "headcount": "1"}
    for role in ("service_owner", "auditor"):
        client = client_for(make_user(role))
        assert client.get("/people/profiles/requirements/new/").status_code == 403
        assert client.post("/people/profiles/requirements/new/", data).status_code == 403
        assert client.get(edit).status_code == 403
        assert client.post(edit, {"min_level": "1", "headcount": "9"}).status_code == 403
    assert client_for(make_user("requester")).get(edit).status_code == 404
    assert client_for(lead).get("/people/profiles/requirements/999999/edit/").status_code == 404
    requirement.refresh_from_db()
    assert (requirement.min_level, requirement.headcount) == (3, 1) and SkillRequirement.objects.count() == 1

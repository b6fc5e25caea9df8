"""A refused step or readiness criterion keeps what was typed: the pathway's page again with the form as
posted and the reason on it — 403 when the service refuses the person, 400 for a broken rule — and nothing
written."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission

from bimodal.core.tests.factories import TeamFactory
from bimodal.portfolio import services
from bimodal.portfolio.models import PathwayStep, ReadinessCriterion
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(name="Lending", slug="lending")


@pytest.fixture
def pathway(make_user, team):
    member = make_user("product_team_member", teams=[team], username="pat")
    service = ServiceFactory(name="Loans", slug="loans", owner_team=team, mode=mode("mode-1"))
    return services.pathway_create(
        actor=member, service=service, to_mode=mode("mode-2"), title="Loans to Mode 2", owner=member
    )


@pytest.fixture
def keeper(make_user, team):
    """Someone of the owning team who may change the pathway but not add steps or criteria to it."""
    user = make_user(teams=[team], username="kim")
    codenames = ["view_migrationpathway", "change_migrationpathway", "view_pathwaystep", "view_service"]
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="portfolio", codename__in=codenames)
    )
    return user


def _form(response, testid: str) -> str:
    found = re.search(rf'<form[^>]*data-testid="{testid}".*?</form>', response.content.decode(), re.S)
    assert found, "the pathway's page with its form as posted, not a bare page"
    return html.unescape(found.group(0))


def test_a_step_the_service_refuses_the_person_keeps_what_was_typed(client_for, keeper, pathway):
    response = client_for(keeper).post(
        f"/portfolio/pathways/{pathway.pk}/steps/add/",
        {
            "step-title": "Rehearse the cut-over",
            "step-status": "blocked",
            "step-blocker": "Waiting for the DBA",
        },
    )
    assert response.status_code == 403
    form = _form(response, "add-step-form")
    assert "You may not add pathway step." in form
    assert 'value="Rehearse the cut-over"' in form and "Waiting for the DBA" in form
    assert not PathwayStep.objects.filter(pathway=pathway).exists()


def test_a_criterion_the_service_refuses_the_person_keeps_what_was_typed(client_for, keeper, pathway):
    response = client_for(keeper).post(
        f"/portfolio/pathways/{pathway.pk}/readiness/add/",
        {"readiness-label": "On-call rota staffed", "readiness-evidence": "Rota in the wiki"},
    )
    assert response.status_code == 403
    form = _form(response, "add-readiness-form")
    assert "You may not add readiness criterion." in form
    assert 'value="On-call rota staffed"' in form
    assert not ReadinessCriterion.objects.filter(pathway=pathway).exists()


def test_a_blocked_step_without_its_blocker_is_refused_with_400_and_keeps_the_title(client_for, pathway):
    response = client_for(pathway.owner).post(
        f"/portfolio/pathways/{pathway.pk}/steps/add/", {"step-title": "Load test", "step-status": "blocked"}
    )
    assert response.status_code == 400
    form = _form(response, "add-step-form")
    assert "Say what blocks this step." in form and 'value="Load test"' in form
    assert not PathwayStep.objects.filter(pathway=pathway).exists()

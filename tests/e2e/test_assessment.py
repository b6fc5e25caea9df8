"""A governance lead completes an assessment for a service, sees the recommendation, then the map."""

import re

import pytest
from playwright.sync_api import expect

from bimodal.core.tests.factories import TeamFactory, UserFactory
from bimodal.portfolio.tests.factories import ServiceFactory, mode


@pytest.fixture
def service(transactional_db):
    team = TeamFactory(name="Lending", slug="lending")
    return ServiceFactory(
        name="Loan Origination", slug="loan-origination", mode=mode("mode-1"), owner_team=team
    )


def test_complete_an_assessment_and_see_the_map(page, login, service):
    login(UserFactory(username="gloria", roles=["governance_lead"]))
    page.goto("/portfolio/services/loan-origination/")
    page.get_by_test_id("assess-service").click()
    expect(page).to_have_url(re.compile(r"/assess/$"))
    page.select_option("#id_change_requests", "very_high")
    page.select_option("#id_business_volatility", "high")
    page.select_option("#id_release_effort", "low")
    page.select_option("#id_deployment_automation", "high")
    page.get_by_test_id("submit-assessment").click()

    expect(page).to_have_url(re.compile(r"/portfolio/assessments/\d+/$"))
    expect(page.get_by_test_id("recommended-mode")).to_contain_text("Mode 2")
    expect(page.get_by_test_id("differs")).to_be_visible()
    expect(page.get_by_test_id("rationale")).to_contain_text("Change requests per quarter")

    page.get_by_role("link", name="Portfolio map").click()
    expect(page.get_by_test_id("portfolio-map").locator(".plot-container")).to_be_visible()
    expect(page.get_by_test_id("map-differs")).to_contain_text("Loan Origination")

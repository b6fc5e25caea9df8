"""A product team member registers an AI use case, answers the risk questions and sees its tier and controls."""

import re

import pytest
from playwright.sync_api import expect

from bimodal.core.tests.factories import TeamFactory, UserFactory


@pytest.fixture
def pat(transactional_db):
    user = UserFactory(username="pat", first_name="Pat", last_name="Nakamura", roles=["product_team_member"])
    TeamFactory(name="Mobile Banking Squad", slug="mobile-banking-squad", members=[user])
    return user


def test_register_an_ai_use_case_and_see_its_tier(page, login, pat):
    login(pat)
    page.goto("/registers/ai/")
    page.get_by_test_id("add-ai").click()
    expect(page).to_have_url(re.compile(r"/registers/ai/new/$"))
    page.fill("#id_name", "Loan pre-approval assistant")
    page.fill("#id_purpose", "Pre-approves personal loans in the app.")
    page.fill("#id_model_vendor", "In-house model")
    page.check("#id_personal_data")
    page.select_option("#id_stage", "pilot")
    page.check("#id_q_creditworthiness")
    page.check("#id_q_interacts_with_people")
    page.get_by_test_id("submit-ai").click()

    expect(page).to_have_url(re.compile(r"/registers/ai/loan-pre-approval-assistant/$"))
    expect(page.get_by_test_id("risk-tier")).to_contain_text("High")
    controls = page.get_by_test_id("required-controls")
    expect(controls).to_contain_text("Data-protection impact assessment")
    expect(controls).to_contain_text("Named human oversight")
    expect(page.get_by_test_id("dpia")).to_contain_text("Required")
    expect(page.get_by_test_id("shadow-alert")).to_be_visible()

    page.goto("/registers/ai/?shadow=true")
    expect(page.get_by_test_id("ai-table")).to_contain_text("Loan pre-approval assistant")

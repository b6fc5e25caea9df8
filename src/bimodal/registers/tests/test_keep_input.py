"""A refused ethics decision or promotion keeps what was typed: the item's page again with the form as
posted and the reason on it (400 for a broken rule) and nothing written."""

import html
import re

import pytest

from bimodal.portfolio.models import Service
from bimodal.registers.models import AIUseCase, LowCodeApp
from bimodal.registers.tests.factories import AIUseCaseFactory, LowCodeAppFactory

pytestmark = pytest.mark.django_db


def _form(response, testid: str) -> str:
    found = re.search(rf'<form[^>]*data-testid="{testid}".*?</form>', response.content.decode(), re.S)
    assert found, "the item's page with its form as posted, not a bare page"
    return html.unescape(found.group(0))


def test_a_high_risk_approval_without_a_dpia_keeps_the_conditions(make_user, client_for):
    use_case = AIUseCaseFactory(risk_tier="high", dpia_status="in_progress")
    conditions = "Human review of every rejection; quarterly bias audit."
    response = client_for(make_user("governance_lead")).post(
        f"/registers/ai/{use_case.slug}/decide/",
        {"ethics_decision": "conditional", "conditions": conditions},
    )
    assert response.status_code == 400
    form = _form(response, "decide-form")
    assert "A high-risk use case needs a completed DPIA before approval." in form
    assert conditions in form and re.search(r'<option value="conditional" selected', form)
    use_case = AIUseCase.objects.get(pk=use_case.pk)
    assert use_case.ethics_decided_by is None and use_case.ethics_conditions == ""


def test_a_promotion_without_an_owner_team_keeps_the_chosen_mode(make_user, client_for):
    app = LowCodeAppFactory()  # no owner team, no support team
    response = client_for(make_user("governance_lead")).post(
        f"/registers/low-code/{app.slug}/promote/", {"mode": "mode-2"}
    )
    assert response.status_code == 400
    form = _form(response, "promote-form")
    assert "Choose the team that will own the service." in form
    assert re.search(r'<option value="mode-2" selected', form)
    assert LowCodeApp.objects.get(pk=app.pk).stage == "in_use" and not Service.objects.filter(name=app.name)

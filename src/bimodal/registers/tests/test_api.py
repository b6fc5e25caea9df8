"""API tests of the registers: create with field errors and nothing written, actions, permissions, flat lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.registers.models import AIUseCase, CloudCost, LowCodeApp
from bimodal.registers.tests.factories import AIUseCaseFactory, CloudAccountFactory, LowCodeAppFactory

pytestmark = pytest.mark.django_db

AI = "/api/registers/ai-use-cases/"
LC = "/api/registers/low-code-apps/"
CLOUD = "/api/registers/cloud-accounts/"


def test_register_ai_use_case_and_assess(make_user, client_for):
    owner = make_user("product_team_member")
    client = client_for(owner)
    response = client.post(
        AI,
        {
            "name": "Chat helper",
            "owner": owner.username,
            "purpose": "Answers",
            "model_vendor": "LLM",
            "stage": "pilot",
            "risk_answers": {"interacts_with_people": True},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["risk_tier"] == "limited" and body["is_shadow"] is True
    assert "Tell people they are dealing with AI" in body["required_controls"]
    response = client.post(
        f"{AI}chat-helper/assess/", {"answers": {"creditworthiness": True}}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["risk_tier"] == "high"


def test_bad_input_is_400_with_field_errors_and_nothing_written(make_user, client_for):
    lead = make_user("governance_lead")
    before = (AIUseCase.objects.count(), AuditEntry.objects.count())
    response = client_for(lead).post(
        AI,
        {
            "name": "",
            "owner": "nobody",
            "purpose": "p",
            "model_vendor": "m",
            "runs_on": "moon",
            "risk_answers": {"magic": True},
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"name", "owner", "runs_on"} <= set(response.json())
    response = client_for(lead).post(
        AI,
        {
            "name": "Ok",
            "owner": lead.username,
            "purpose": "p",
            "model_vendor": "m",
            "risk_answers": {"magic": True},
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "risk_answers" in response.json()
    assert (AIUseCase.objects.count(), AuditEntry.objects.count()) == before


def test_requester_is_denied_and_auditor_reads_only(make_user, client_for):
    AIUseCaseFactory()
    assert client_for(make_user("requester")).get(AI).status_code == 403
    auditor = client_for(make_user("auditor"))
    assert auditor.get(AI).status_code == 200
    response = auditor.post(AI, {"name": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_decide_needs_the_permission(make_user, client_for):
    use_case = AIUseCaseFactory()
    response = client_for(make_user("product_team_member")).post(
        f"{AI}{use_case.slug}/decide/", {"ethics_decision": "approved"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = client_for(make_user("governance_lead")).post(
        f"{AI}{use_case.slug}/decide/", {"ethics_decision": "approved"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["ethics_decision"] == "approved"


def test_owner_cannot_change_another_owners_app(make_user, client_for):
    app = LowCodeAppFactory()
    response = client_for(make_user("service_owner")).patch(
        f"{LC}{app.slug}/", {"user_count": 5}, content_type="application/json"
    )
    assert response.status_code == 403


def test_promote_via_api(make_user, client_for):
    app = LowCodeAppFactory(owner_team=TeamFactory())
    response = client_for(make_user("governance_lead")).post(
        f"{LC}{app.slug}/promote/", {"mode": "mode-2"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "promoted" and response.json()["promoted_service"]


def test_transition_refuses_a_forbidden_move(make_user, client_for):
    app = LowCodeAppFactory(stage="retired")
    response = client_for(make_user("governance_lead")).post(
        f"{LC}{app.slug}/transition/", {"stage": "in_use"}, content_type="application/json"
    )
    assert response.status_code == 400 and "stage" in response.json()


def test_cost_import_errors_by_line(make_user, client_for):
    CloudAccountFactory(slug="prod")
    response = client_for(make_user("governance_lead")).post(
        "/api/registers/cloud-costs/import/",
        {"csv": "account,month,amount\nprod,2025-01,10\nprod,xx,1\n"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"line": 3, "column": "month", "message": "“xx” is not a month (YYYY-MM)."}
    ]
    assert not CloudCost.objects.exists()


def test_sprawl_endpoint(make_user, client_for):
    CloudAccountFactory(owner=None)
    body = client_for(make_user("auditor")).get(f"{CLOUD}sprawl/").json()
    assert body["no_owner"] == 1 and body["cost_by_mode"] == []


def test_lowcode_import_and_export(make_user, client_for):
    lead = make_user("governance_lead")
    OrgUnitFactory(slug="retail")
    client = client_for(lead)
    text = f"name,platform,owner,business_unit,purpose\nNew app,power_apps,{lead.username},retail,p\n"
    assert client.post(f"{LC}import/", {"csv": text}, content_type="application/json").status_code == 200
    assert LowCodeApp.objects.filter(slug="new-app").exists()
    assert "new-app" in client.get(f"{LC}export/").content.decode()


@pytest.mark.parametrize("url", [LC, AI, CLOUD])
def test_list_query_count_is_flat(url, make_user, client_for):
    client = client_for(make_user("governance_lead"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        for _ in range(n):
            service = ServiceFactory()
            LowCodeAppFactory().integrations.add(service)
            AIUseCaseFactory().services.add(service)
            CloudAccountFactory().services.add(service)

    add(2)
    few = count()
    add(8)
    assert count() == few


@pytest.mark.parametrize("url", ["/registers/low-code/", "/registers/ai/", "/registers/cloud/"])
def test_pages_query_count_is_flat(url, make_user, client_for):
    client = client_for(make_user("governance_lead"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        LowCodeAppFactory(), AIUseCaseFactory(), CloudAccountFactory()
    count()  # warm the per-process caches (content types, permissions), which depend on test order
    few = count()
    for _ in range(8):
        LowCodeAppFactory(), AIUseCaseFactory(), CloudAccountFactory()
    assert count() == few

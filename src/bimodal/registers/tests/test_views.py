"""Page tests of the registers: forms write through services, bad input writes nothing, permissions."""

import pytest
from django.urls import resolve

from bimodal.core.tests.factories import OrgUnitFactory
from bimodal.registers.models import AIUseCase
from bimodal.registers.tests.factories import AIUseCaseFactory, CloudAccountFactory, LowCodeAppFactory

pytestmark = pytest.mark.django_db


def test_register_ai_use_case_through_the_form(make_user, client_for):
    user = make_user("product_team_member")
    response = client_for(user).post(
        "/registers/ai/new/",
        {
            "name": "CV ranker",
            "owner": user.pk,
            "purpose": "Ranks CVs",
            "model_vendor": "SaaS",
            "runs_on": "vendor_saas",
            "dpia_status": "not_required",
            "stage": "proposed",
            "affected_count": 0,
            "q_employment": "on",
        },
    )
    assert response.status_code == 302
    use_case = AIUseCase.objects.get(name="CV ranker")
    assert use_case.risk_tier == "high" and use_case.risk_answers["employment"] is True
    page = client_for(user).get(use_case.get_absolute_url()).content.decode()
    assert "Conformity assessment before use" in page


def test_bad_form_writes_nothing(make_user, client_for):
    user = make_user("product_team_member")
    response = client_for(user).post("/registers/ai/new/", {"name": "", "owner": user.pk})
    assert response.status_code == 400 and "form-errors" in response.content.decode()
    assert not AIUseCase.objects.exists()


def test_requester_cannot_open_registers(make_user, client_for):
    client = client_for(make_user("requester"))
    assert client.get("/registers/ai/new/").status_code == 403
    assert client.get(f"/registers/ai/{AIUseCaseFactory().slug}/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/registers/",
        "/registers/reviews/",
        "/registers/low-code/",
        "/registers/ai/?shadow=true",
        "/registers/cloud/",
    ],
)
def test_pages_render(url, make_user, client_for):
    LowCodeAppFactory(), AIUseCaseFactory(), CloudAccountFactory()
    assert client_for(make_user("auditor")).get(url).status_code == 200


def test_htmx_gets_the_results_only(make_user, client_for):
    AIUseCaseFactory(name="Findme")
    response = client_for(make_user("auditor")).get("/registers/ai/?q=Find", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="register-results"' in body and "<html" not in body and "Findme" in body


def test_detail_pages(make_user, client_for):
    client = client_for(make_user("governance_lead"))
    for item in (LowCodeAppFactory(), AIUseCaseFactory(), CloudAccountFactory()):
        assert client.get(item.get_absolute_url()).status_code == 200


def test_export_csv(make_user, client_for):
    LowCodeAppFactory(slug="exported")
    response = client_for(make_user("auditor")).get("/registers/low-code/export.csv")
    assert response["Content-Type"].startswith("text/csv") and "exported" in response.content.decode()


def test_the_import_page_is_reached_from_each_register(make_user, client_for):
    # Regression: the items' <slug> routes took "import" for a slug, so the page was a 404.
    LowCodeAppFactory(), AIUseCaseFactory(), CloudAccountFactory()
    client = client_for(make_user("governance_lead"))
    for kind in ("low-code", "ai", "cloud"):
        assert resolve(f"/registers/{kind}/import/").url_name == "import"
        response = client.get(f"/registers/{kind}/import/")
        assert response.status_code == 200 and 'type="file"' in response.content.decode()


def test_the_business_unit_filter_offers_only_visible_org_units(make_user, client_for):
    # Regression: the low-code register's filter listed every org unit to people who may not view them.
    OrgUnitFactory(name="Secret Treasury Division", slug="secret-treasury")
    nobody = client_for(make_user()).get("/registers/low-code/")
    assert nobody.status_code == 200 and "Secret Treasury Division" not in nobody.content.decode()
    auditor = client_for(make_user("auditor")).get("/registers/low-code/")
    assert "Secret Treasury Division" in auditor.content.decode()

"""Rule: bad input is a 4xx naming what is wrong, never a 5xx (house rule 13). Each case is a finding of
issue 18; the generic layers behind them are core.filtersets.FilterSet (NUL characters, 64-bit integers,
UTC offsets), core.api.pagination (limit and offset), core.api.exceptions (whatever escapes them) and
core.api.permissions (views without a model). PostgreSQL refuses NUL characters and out-of-range numbers
where SQLite stores them, so the cases matter most there (CI runs both)."""

from __future__ import annotations

import pytest

from bimodal.changes import services as change_services
from bimodal.core.tests.factories import UserFactory
from bimodal.governance.tests.factories import DecisionRightFactory
from bimodal.people import services as people_services
from bimodal.people.models import SkillRequirement
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/portfolio/services/?mode=a%00b", "mode"),
        ("/api/changes/?service=a%00b", "service"),
        ("/api/servicedesk/tickets/?service=a%00b", "service"),
        ("/api/integrations/deliveries/?repository=1%00", "repository"),
        ("/api/integrations/commits/?repository=99999999999999999999", "repository"),
        ("/api/integrations/commits/?authored_after=2026-01-01T00:00%2B18:45", "authored_after"),
        ("/api/integrations/commits/?authored_after=0001-01-01T00:00%2B05:00", "authored_after"),
        ("/api/audit/?actor=x%00", "actor"),
    ],
)
def test_filter_values_the_database_refuses_are_400_naming_the_filter(admin_client, url, field):
    response = admin_client.get(url)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_list_page_ignores_the_refused_filter_instead_of_failing(admin_client):
    response = admin_client.get("/portfolio/services/?mode=a%00b")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["limit=99999999999999999999", "limit=-1", "limit=abc", "limit=1%00"])
def test_any_limit_is_a_page(admin_client, query):
    response = admin_client.get(f"/api/portfolio/services/?{query}")
    assert response.status_code == 200


def test_an_offset_past_any_table_is_400(admin_client):
    response = admin_client.get("/api/portfolio/services/?offset=99999999999999999999")
    assert response.status_code == 400
    assert "offset" in response.json()


@pytest.fixture
def pipeline(db):
    admin = UserFactory(is_superuser=True)
    _, secret = change_services.pipeline_token_create(actor=admin, name="ci", services=[ServiceFactory()])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_gate_poll_of_a_non_number_is_404(client, pipeline):
    response = client.get("/api/gate/abc/", **pipeline)
    assert response.status_code == 404
    assert response["Content-Type"] == JSON


def test_deployment_result_of_a_non_number_is_404(client, pipeline):
    response = client.post("/api/deployments/abc/result/", {}, content_type=JSON, **pipeline)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["trace", "delete", "put"])
def test_unrouted_methods_on_a_view_without_a_model_are_405(admin_client, method):
    response = getattr(admin_client, method)("/api/delivery/contention/")
    assert response.status_code == 405


def test_options_on_a_view_without_a_model_needs_its_permissions(client):
    client.force_login(UserFactory(roles=["requester"]))
    assert client.options("/api/delivery/contention/").status_code == 403


def test_requirement_without_min_level_takes_the_models_default(admin_client):
    skill = people_services.skill_create(actor=UserFactory(is_superuser=True), name="COBOL")
    service = ServiceFactory()
    response = admin_client.post(
        "/api/people/requirements/", {"skill": skill.slug, "service": service.slug}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    assert SkillRequirement.objects.get().min_level == SkillRequirement._meta.get_field("min_level").default


def test_patch_of_a_decision_right_with_nothing_changes_nothing(admin_client):
    right = DecisionRightFactory()
    response = admin_client.patch(f"/api/governance/decision-rights/{right.pk}/", {}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["raci"] == right.raci


def test_a_body_over_the_upload_limit_is_413_json(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin_client.post("/api/portfolio/services/", "x" * 2000, content_type=JSON)
    assert response.status_code == 413
    assert response.json()["detail"]


def test_an_unrouted_api_path_is_404_json(admin_client):
    response = admin_client.get("/api/portfolio/services/a.b/")
    assert response.status_code == 404
    assert response["Content-Type"] == JSON


def _filterset_classes():
    import importlib

    import django_filters
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("bimodal."):
            try:
                importlib.import_module(f"{config.name}.filtersets")
            except ModuleNotFoundError:
                continue
    stack, found = list(django_filters.FilterSet.__subclasses__()), []
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("bimodal.") and ".tests." not in cls.__module__:
            found.append(cls)
    return found


def test_every_filterset_screens_its_input():
    from bimodal.core.filtersets import FilterSet

    classes = _filterset_classes()
    assert len(classes) > 30
    unguarded = [f"{cls.__module__}.{cls.__name__}" for cls in classes if not issubclass(cls, FilterSet)]
    assert not unguarded, f"derive these from bimodal.core.filtersets.FilterSet: {unguarded}"

"""The API's error layers: the exception handler's last resort and the errors the OpenAPI document lists."""

from __future__ import annotations

import pytest
from django.db import DataError
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from bimodal.core.api.exceptions import exception_handler

pytestmark = pytest.mark.django_db


def _context(path: str):
    request = APIView().initialize_request(APIRequestFactory().get(path))
    return {"request": request, "view": None}


def test_value_error_from_bad_input_is_400_naming_the_field():
    response = exception_handler(ValueError("NUL"), _context("/api/x/?service=a%00b&mode=ok"))
    assert response.status_code == 400
    assert list(response.data) == ["service"]


def test_data_error_from_a_huge_number_is_400_naming_the_field():
    response = exception_handler(DataError("out of range"), _context("/api/x/?year=99999999999999999999"))
    assert response.status_code == 400
    assert list(response.data) == ["year"]


def test_a_type_error_not_traceable_to_the_input_stays_a_server_error():
    assert exception_handler(TypeError("bug"), _context("/api/x/?mode=ok")) is None


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_documents_its_errors(document):
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not {"400", "401", "403", "404"} <= set(operation["responses"])
    ]
    assert not missing


def test_contention_is_documented_as_an_object(document):
    schema = document["paths"]["/api/delivery/contention/"]["get"]["responses"]["200"]["content"]
    assert schema["application/json"]["schema"] == {"$ref": "#/components/schemas/Contention"}


def test_an_import_s_400_is_its_report_or_field_errors(document):
    response = document["paths"]["/api/registers/cloud-accounts/import/"]["post"]["responses"]["400"]
    refs = [option["$ref"] for option in response["content"]["application/json"]["schema"]["anyOf"]]
    assert refs == ["#/components/schemas/RegisterImportResult", "#/components/schemas/ValidationError"]


def test_pagination_bounds_are_documented(document):
    parameters = {p["name"]: p for p in document["paths"]["/api/portfolio/services/"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == 1000

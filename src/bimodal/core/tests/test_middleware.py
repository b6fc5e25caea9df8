"""RequestIdMiddleware: every request gets an id, echoed on the response and written to the audit log."""

import re

import pytest
from django.http import HttpResponse
from django.urls import path

from bimodal.core import audit, services
from bimodal.core.models import AuditEntry, OrgUnit


def _write_view(request):
    """A view that writes through a service, as the real write views do."""
    unit = services.orgunit_create(actor=request.user, name=request.POST["name"])
    return HttpResponse(str(unit.pk))


def _echo_view(request):
    """Shows what the audit module sees as the current request id."""
    return HttpResponse(audit.current_request_id.get())


# This module doubles as the URLconf of its tests (no write page exists yet to drive instead).
urlpatterns = [path("__test__/write/", _write_view), path("__test__/echo/", _echo_view)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def test_request_id_is_generated_and_echoed(client):
    response = client.get("/__test__/echo/")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.content.decode() == request_id
    # The id belongs to that request only.
    assert audit.current_request_id.get() == ""
    assert client.get("/__test__/echo/")["X-Request-ID"] != request_id


def test_a_safe_incoming_request_id_is_kept(client):
    response = client.get("/__test__/echo/", HTTP_X_REQUEST_ID="gw-2024.07:abc_1")
    assert response["X-Request-ID"] == "gw-2024.07:abc_1"
    assert response.content.decode() == "gw-2024.07:abc_1"


@pytest.mark.parametrize("incoming", ["bad id with spaces", "x" * 65, "<script>", "a\u00e9"])
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/__test__/echo/", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_audit_entries_written_during_a_request_carry_its_id(client, make_user):
    client.force_login(make_user("governance_lead"))
    response = client.post("/__test__/write/", {"name": "Retail Banking"}, HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 200
    unit = OrgUnit.objects.get(pk=int(response.content))
    entry = AuditEntry.objects.get(object_id=str(unit.pk), verb="orgunit_create")
    assert entry.request_id == "req-42"
    assert audit.verify()[1] == []

    generated = client.post("/__test__/write/", {"name": "Wealth"})
    entry = AuditEntry.objects.get(object_id=generated.content.decode(), verb="orgunit_create")
    assert entry.request_id == generated["X-Request-ID"]

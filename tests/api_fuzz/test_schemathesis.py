"""Every operation of the OpenAPI document, fuzzed by Schemathesis against the WSGI application in process,
as an administrator and as a requester: no answer is a server error, and every answer (status code,
content type, body) is one the document describes."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bimodal.config.wsgi import application
from tests.api_fuzz.support import openapi_document, session_headers

schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# About 300 operations for two people must stay within about three minutes in CI; more examples to dig
# deeper locally: BIMODAL_FUZZ_EXAMPLES=50.
MAX_EXAMPLES = int(os.environ.get("BIMODAL_FUZZ_EXAMPLES", "3"))
ALERTMANAGER_SECRET = "fuzz-secret"


@pytest.fixture(params=["admin", "requester"])
def caller(request, world, db, settings):
    """Headers signing in as the world's administrator or as alpha's requester (and the Alertmanager
    webhook configured, so that its payload handling is what gets fuzzed)."""
    settings.BIMODAL_ALERTMANAGER_SECRET = ALERTMANAGER_SECRET
    user = world.admin if request.param == "admin" else world.alpha.requester
    return session_headers(user)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_document(case, caller):
    # The document's security schemes make Schemathesis invent credentials; the caller's session signs in.
    for name in ("Authorization", "Cookie"):
        (case.headers or {}).pop(name, None)
    case.cookies = {}
    headers = dict(caller)
    if case.path.endswith("/alertmanager/"):
        headers["Authorization"] = f"Bearer {ALERTMANAGER_SECRET}"
    case.call_and_validate(headers=headers, checks=CHECKS)

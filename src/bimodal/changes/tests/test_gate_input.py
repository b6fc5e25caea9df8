"""The gate's hand-written body validation (serializers.gate_input) gives the answers of the serializer
that documents the API (GateRequestInputSerializer): the same values, and the same errors field by field."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from bimodal.changes.api.serializers import GateRequestInputSerializer, gate_input
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

GOOD = {"service": "app", "version": "1.2.3", "idempotency_key": "k-1"}

CASES = [
    GOOD,
    {**GOOD, "version": "  1.2.3  ", "commit": "abcdef1", "pipeline_url": "https://ci.example.com/1"},
    {
        **GOOD,
        "environment": "staging",
        "evidence": {"tests_passed": True, "coverage": 81.5},
        "change": "CHG-1",
    },
    {**GOOD, "version": 12, "idempotency_key": 3.5},
    {**GOOD, "version": "", "commit": "abcdef0123"},
    {},
    [],
    "text",
    {"service": "nope", "idempotency_key": "x", "version": "1"},
    {**GOOD, "service": 42},
    {**GOOD, "service": ""},
    {**GOOD, "service": None},
    {**GOOD, "version": "", "commit": ""},
    {**GOOD, "version": "   "},
    {**GOOD, "commit": "zz-not-hex"},
    {**GOOD, "commit": "a" * 65},
    {**GOOD, "pipeline_url": "not a url"},
    {**GOOD, "pipeline_url": "https://ci.example.com/" + "x" * 500},
    {**GOOD, "environment": "moon"},
    {**GOOD, "environment": ""},
    {**GOOD, "environment": None},
    {**GOOD, "evidence": ["a"]},
    {**GOOD, "evidence": None},
    {**GOOD, "evidence": {"scan\x00": "pass"}},
    {**GOOD, "evidence": {"report": ["ok", "bad\x00"]}},
    {**GOOD, "idempotency_key": ""},
    {**GOOD, "idempotency_key": "k" * 121},
    {**GOOD, "idempotency_key": None},
    {**GOOD, "idempotency_key": True},
    {**GOOD, "idempotency_key": ["k"]},
    {**GOOD, "version": "bad\x00version"},
    {**GOOD, "change": "CHG-" + "9" * 30},
    {"version": 1, "commit": None, "environment": 7, "evidence": 3, "change": {}, "pipeline_url": False},
]


def _both(data):
    serializer = GateRequestInputSerializer(data=data)
    expected = (
        ("ok", {k: getattr(v, "pk", v) for k, v in serializer.validated_data.items()})
        if serializer.is_valid()
        else ("errors", _plain(serializer.errors))
    )
    try:
        got = ("ok", {k: getattr(v, "pk", v) for k, v in gate_input(data).items()})
    except serializers.ValidationError as exc:
        got = ("errors", _plain(exc.detail))
    return expected, got


def _plain(detail):
    return {str(k): [str(m) for m in v] for k, v in detail.items()}


@pytest.fixture
def app():
    return ServiceFactory(slug="app")


@pytest.mark.parametrize("data", CASES)
def test_hand_validation_answers_as_the_serializer(app, data):
    expected, got = _both(data)
    assert got == expected
    assert list(got[1]) == list(expected[1])  # errors in the serializer's field order


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["app", "staging", "production", "abcdef1", "https://x.example/", "", " "]),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
fields = st.sampled_from(
    ["service", "environment", "version", "commit", "pipeline_url", "evidence", "idempotency_key", "change"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(fields, values, max_size=8))
def test_any_body_gets_the_serializers_answer(app, body):
    expected, got = _both(body)
    assert got == expected

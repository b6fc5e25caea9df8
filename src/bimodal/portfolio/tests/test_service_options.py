"""The service picker's suggestions (`portfolio:service_options`) and the picker itself: only services the
person may see, at most 20, and a page that carries the chosen service only."""

from __future__ import annotations

import pytest
from django import forms

from bimodal.core.forms import AutocompleteChoiceField, AutocompleteSelect
from bimodal.core.htmx import AUTOCOMPLETE_LIMIT
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory

URL = "/portfolio/service-options/"


def _options(response) -> list[str]:
    html = response.content.decode()
    return [chunk.split('"', 1)[0] for chunk in html.split('<option value="')[1:]]


def test_suggestions_match_name_or_slug_and_are_few(make_user, client_for):
    for n in range(30):
        ServiceFactory(name=f"Payments hub {n:02d}", slug=f"pay-{n:02d}")
    ServiceFactory(name="Core Ledger", slug="core-ledger")
    client = client_for(make_user("auditor"))
    found = client.get(URL, {"q": "ledger"})
    assert found.status_code == 200 and _options(found) == ["core-ledger"]
    assert ">Core Ledger</option>" in found.content.decode()
    assert _options(client.get(URL, {"q": "PAY-0"})) == [f"pay-{n:02d}" for n in range(10)]
    assert len(_options(client.get(URL, {"q": "payments"}))) == AUTOCOMPLETE_LIMIT
    # htmx sends the text field's own value under its name.
    assert _options(client.get(URL, {"field": "service", "service": "core"})) == ["core-ledger"]


def test_suggestions_are_restricted_to_what_the_person_may_see(make_user, client_for, client):
    ServiceFactory(name="Visible ledger", slug="visible-ledger")
    ServiceFactory(name="Retired ledger", slug="retired-ledger", lifecycle="retired")
    assert client.get(URL, {"q": "ledger"}).status_code == 302  # anonymous: to the login page
    everyone = client_for(make_user("requester"))
    assert _options(everyone.get(URL, {"q": "ledger"})) == ["visible-ledger"]
    nobody = client_for(make_user())  # no role: no permission to view services
    assert _options(nobody.get(URL, {"q": "ledger"})) == []


def test_bad_input_is_not_an_error(make_user, client_for):
    client = client_for(make_user("auditor"))
    assert client.get(URL, {"q": "x" * 5000}).status_code == 200
    assert client.get(URL, {"q": "%_\\'\""}).status_code == 200
    refused = client.get(URL, {"q": "a\x00b"})  # PostgreSQL refuses NUL in text
    assert refused.status_code == 400 and b"q:" in refused.content
    assert client.get(URL, {"field": "service", "service": "\x00"}).status_code == 400


class _Picker(forms.Form):
    service = AutocompleteChoiceField(
        queryset=Service.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=AutocompleteSelect("portfolio:service_options"),
    )


@pytest.mark.django_db
def test_the_picker_draws_the_chosen_service_only(django_assert_num_queries):
    for n in range(40):
        ServiceFactory(name=f"Service number {n:02d}", slug=f"s-{n:02d}")
    with django_assert_num_queries(2):  # the slug's validation, the chosen service's name
        html = str(_Picker({"service": "s-07"})["service"])
    assert 'list="id_service-options"' in html and 'aria-autocomplete="list"' in html
    assert 'hx-get="/portfolio/service-options/?field=service"' in html and 'value="s-07"' in html
    assert html.count("<option") == 1 and ">Service number 07</option>" in html
    with django_assert_num_queries(0):
        assert "<option" not in str(_Picker()["service"])
    # Without JavaScript the field takes the slug; an unknown or invisible one is refused.
    assert _Picker({"service": "s-03"}).is_valid()
    assert not _Picker({"service": "nope"}).is_valid()
    # A typed key holding NUL is a field error, not a query PostgreSQL refuses (a 500), and it is drawn
    # back without a look-up of its label.
    refused = _Picker({"service": "s-0\x003"})
    assert not refused.is_valid() and refused.errors["service"] == ["Null characters are not allowed."]
    with django_assert_num_queries(0):
        assert 'value="s-0' in str(refused["service"])

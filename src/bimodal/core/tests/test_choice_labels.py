"""Choices that can be told apart: a person is listed with their teams, and two choices that would still
read the same carry their number — in every form, at a query count that does not grow with the people."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bimodal.core.forms import StyledFormMixin, person_label
from bimodal.core.models import OrgUnit, User
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


class ByGovernanceModel(forms.ModelChoiceField):
    """Units labelled by their governance model: several share one."""

    def label_from_instance(self, obj) -> str:
        return obj.get_governance_model_display()


class UnitForm(StyledFormMixin, forms.Form):
    unit = ByGovernanceModel(queryset=OrgUnit.objects.order_by("pk"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


def _labels(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, name
    return [t for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select.group(0)) if v]


def test_a_person_is_labelled_with_their_teams():
    sam = UserFactory(username="sam", first_name="Sam", last_name="Agent")
    TeamFactory(name="Service Desk", members=[sam])
    TeamFactory(name="Major Incidents", members=[sam])
    loner = UserFactory(username="lone", first_name="Lone", last_name="Wolf")
    assert person_label(sam) == "Sam Agent — Major Incidents, Service Desk"
    assert person_label(loner) == "Lone Wolf"


def test_namesakes_are_told_apart_by_team_and_then_by_number(client, make_user):
    desk, ops = TeamFactory(name="Service Desk"), TeamFactory(name="Operations")
    first = UserFactory(username="sam1", first_name="Sam", last_name="Agent")
    second = UserFactory(username="sam2", first_name="Sam", last_name="Agent")
    desk.members.add(first)
    ops.members.add(second)
    third = UserFactory(username="sam3", first_name="Sam", last_name="Agent")
    fourth = UserFactory(username="sam4", first_name="Sam", last_name="Agent")
    client.force_login(make_user("governance_lead", username="grace", first_name="Grace", last_name="Hop"))
    page = client.get(reverse("core:team_create")).content.decode()
    labels = _labels(page, "lead")
    assert "Sam Agent — Service Desk" in labels and "Sam Agent — Operations" in labels
    assert f"Sam Agent #{third.pk}" in labels and f"Sam Agent #{fourth.pk}" in labels
    assert len(labels) == len(set(labels))
    assert _labels(page, "members") == labels  # the same label in every list of people


def test_any_model_choice_with_a_shared_label_carries_its_number():
    a = OrgUnitFactory(slug="a", name="Operations", governance_model="agile")
    b = OrgUnitFactory(slug="b", name="Finance", governance_model="agile")
    OrgUnitFactory(slug="c", name="Legal", governance_model="centralised")
    labels = [label for value, label in UnitForm().fields["unit"].choices if value]
    assert labels == [f"Agile #{a.pk}", f"Agile #{b.pk}", "Centralised"]


def test_a_distinct_choice_still_posts_and_validates():
    unit = OrgUnitFactory(slug="a", name="Operations")
    chosen = UnitForm({"unit": str(unit.pk)})
    assert chosen.is_valid() and chosen.cleaned_data["unit"] == unit
    unknown = UnitForm({"unit": "999999"})
    assert not unknown.is_valid() and "unit" in unknown.errors


def test_people_lists_cost_the_same_however_many_people(client, make_user):
    client.force_login(make_user("governance_lead", username="grace"))
    url = reverse("core:team_create")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    team = TeamFactory(name="Service Desk", members=[UserFactory()])
    few = count()
    team.members.add(*UserFactory.create_batch(12))
    TeamFactory(name="Operations", members=UserFactory.create_batch(5))
    assert count() == few
    assert User.objects.count() >= 19

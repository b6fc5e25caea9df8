"""The sidebar shows every role the areas it may open, and only those: a requester was once shown six
areas that answered 403, a supplier agent six, an agent three, a CAB member one."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from bimodal.core.navigation import AREAS
from bimodal.core.roles import Role

pytestmark = pytest.mark.django_db
SHOWN = re.compile(r'class="bm-nav-link[^"]*"\s+href="[^"]*"\s+data-area="([a-z]+)"')


@pytest.mark.parametrize("role", Role.values)
def test_each_role_is_shown_exactly_the_areas_it_may_open(role, make_user):
    client = Client()
    client.force_login(make_user(role, username=f"u-{role}"))
    home = client.get("/")
    shown = set(SHOWN.findall(home.content.decode()))
    assert "home" in shown
    opens = set()
    for area in AREAS:
        response = client.get(reverse(area.url_name), follow=True)
        assert response.status_code in (200, 403), (area.key, response.status_code)
        if response.status_code == 200:
            opens.add(area.key)
    assert shown == opens


def test_a_requester_sees_the_areas_of_a_requester(make_user):
    client = Client()
    client.force_login(make_user("requester", username="rita"))
    shown = SHOWN.findall(client.get("/").content.decode())
    # Hand-checked against docs/roles.md: the portal, the knowledge base, their demand, the catalogue of
    # services and modes.
    assert shown == ["home", "portfolio", "modes", "servicedesk", "knowledge", "delivery", "registers"]

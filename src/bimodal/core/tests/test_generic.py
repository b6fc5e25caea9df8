"""The generic pages of core/generic.py, seen through core's teams (which use them): restriction on every
read and write, 400 with nothing written on bad input, htmx fragments and CSV export of every filtered row."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bimodal.core import views as core_views
from bimodal.core.models import AuditEntry, Team
from bimodal.core.tests.factories import OrgUnitFactory, SupplierFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    unit = OrgUnitFactory(name="Group IT", slug="group-it")
    atlas = SupplierFactory(name="Atlas", slug="atlas")
    own = [TeamFactory(name=f"Team {i:02d}", slug=f"team-{i:02d}", org_unit=unit) for i in range(60)]
    supplied = TeamFactory(name="Atlas Service Desk", slug="atlas-desk", org_unit=unit, supplier=atlas)
    return {"unit": unit, "atlas": atlas, "own": own, "supplied": supplied}


def test_csv_export_has_every_filtered_row_not_one_page(teams, make_user, client_for):
    client = client_for(make_user("governance_lead"))
    page = client.get(reverse("core:team_list"))
    assert page.context["table"].paginator.per_page == 50  # one page holds 50 of the 61
    response = client.get(reverse("core:team_list"), {"export": "csv", "q": "Team"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="teams.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Name", "Kind", "Org unit"]
    assert sorted(r[0] for r in rows[1:]) == [f"Team {i:02d}" for i in range(60)]  # filtered: no Atlas


def test_csv_export_is_restricted_like_the_page(teams, make_user, client_for):
    agent = make_user("supplier_agent", supplier=teams["atlas"])
    rows = list(
        csv.reader(
            io.StringIO(client_for(agent).get(reverse("core:team_list"), {"export": "csv"}).content.decode())
        )
    )
    assert [r[0] for r in rows[1:]] == ["Atlas Service Desk"]


def test_list_without_the_view_permission_is_403(teams, make_user, client_for):
    nobody = make_user()  # no role
    assert client_for(nobody).get(reverse("core:team_list")).status_code == 403
    assert client_for(nobody).get(reverse("core:team_list"), {"export": "csv"}).status_code == 403


def test_htmx_swap_gets_the_fragment_and_the_response_varies_on_it(teams, make_user, client_for):
    client = client_for(make_user("governance_lead"))
    whole = client.get(reverse("core:team_list"))
    swap = client.get(reverse("core:team_list"), HTTP_HX_REQUEST="true")
    assert b"<html" in whole.content and b"<html" not in swap.content
    assert "HX-Request" in swap["Vary"]


def test_detail_and_edit_of_an_invisible_object_are_404(teams, make_user, client_for):
    agent = client_for(make_user("supplier_agent", supplier=teams["atlas"]))
    other = teams["own"][0]
    assert agent.get(reverse("core:team_detail", args=[other.slug])).status_code == 404
    assert agent.get(reverse("core:team_edit", args=[other.slug])).status_code == 404
    assert agent.post(reverse("core:team_edit", args=[other.slug]), {"name": "x"}).status_code == 404


def test_edit_of_a_visible_object_without_the_right_is_403_and_writes_nothing(teams, make_user, client_for):
    owner = make_user("service_owner")  # may change the teams they lead only
    team = teams["own"][1]
    before = AuditEntry.objects.count()
    response = client_for(owner).post(
        reverse("core:team_edit", args=[team.slug]),
        {"name": "Renamed", "kind": team.kind, "org_unit": team.org_unit_id},
    )
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "Team 01" and AuditEntry.objects.count() == before


def test_create_with_bad_input_is_400_with_field_errors_and_writes_nothing(teams, make_user, client_for):
    client = client_for(make_user("governance_lead"))
    before = (Team.objects.count(), AuditEntry.objects.count())
    response = client.post(
        reverse("core:team_create"), {"name": "", "kind": "nonsense", "org_unit": "999999"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"name", "kind", "org_unit"}
    assert (Team.objects.count(), AuditEntry.objects.count()) == before


def test_a_service_refusal_is_shown_on_the_form_with_400(teams, make_user, client_for):
    client = client_for(make_user("governance_lead"))
    before = Team.objects.count()
    # The name is unique: the service's full_clean() refuses it and the page shows why, on the field.
    response = client.post(
        reverse("core:team_create"), {"name": "Team 00", "kind": "product", "org_unit": teams["unit"].pk}
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert Team.objects.count() == before


def test_a_service_permission_refusal_keeps_the_form_as_typed_with_403(
    teams, make_user, client_for, monkeypatch
):
    """The page offered the form, the service refused the write (a rule it alone knows): the form again,
    with what was typed and why, not a bare 403 page."""

    def refuse(**fields):
        raise PermissionDenied("Only the org unit's head sets up teams here.")

    monkeypatch.setattr(core_views.TeamEdit, "create_service", refuse)
    client = client_for(make_user("governance_lead"))
    before = (Team.objects.count(), AuditEntry.objects.count())
    response = client.post(
        reverse("core:team_create"),
        {
            "name": "Payments Guild",
            "kind": "product",
            "org_unit": teams["unit"].pk,
            "email": "pg@example.com",
        },
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only the org unit&#x27;s head sets up teams here." in page
    assert 'value="Payments Guild"' in page and 'value="pg@example.com"' in page
    assert (Team.objects.count(), AuditEntry.objects.count()) == before


def test_create_and_edit_go_through_the_services_and_are_audited(teams, make_user, client_for):
    lead = make_user("governance_lead")
    client = client_for(lead)
    created = client.post(
        reverse("core:team_create"), {"name": "Payments", "kind": "product", "org_unit": teams["unit"].pk}
    )
    team = Team.objects.get(name="Payments")
    assert created.status_code == 302 and created["Location"] == team.get_absolute_url()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.verb, entry.object_id, entry.actor_id) == ("team_create", str(team.pk), lead.pk)
    edited = client.post(
        reverse("core:team_edit", args=[team.slug]),
        {"name": "Payments", "kind": "platform", "org_unit": teams["unit"].pk, "reason": "re-organisation"},
    )
    assert edited.status_code == 302
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.verb, entry.reason) == ("team_update", "re-organisation")
    assert Team.objects.get(pk=team.pk).kind == "platform"


def test_pager_and_export_links_keep_every_filter():
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/x/", {"q": "a b&c", "status": ["open", "held"], "page": "2"})
    page = Paginator(range(120), 50).get_page(2)
    pager = render_to_string("includes/pager.html", {"page": page}, request=request)
    assert 'href="?q=a+b%26c&amp;status=open&amp;status=held&amp;page=1"' in pager
    assert 'href="?q=a+b%26c&amp;status=open&amp;status=held&amp;page=3"' in pager
    export = render_to_string("includes/export_link.html", {}, request=request)
    assert 'href="?q=a+b%26c&amp;status=open&amp;status=held&amp;export=csv"' in export


def test_an_action_without_a_form_that_the_service_refuses_is_a_400_with_the_reason(teams, make_user):
    from django.contrib.messages import get_messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.core.exceptions import ValidationError
    from django.test import RequestFactory

    from bimodal.core import generic

    def refuse(*, actor, team):
        raise ValidationError("A team with members cannot be archived.")

    class Archive(generic.ObjectActionView):
        model = Team
        template_name = "core/team_detail.html"
        action_service = staticmethod(refuse)

    request = RequestFactory().post("/teams/team-00/archive/")
    request.user = make_user("governance_lead")
    request.session = {}
    request._messages = FallbackStorage(request)
    response = Archive.as_view()(request, slug="team-00")
    assert response.status_code == 400
    assert [str(m) for m in get_messages(request)] == ["A team with members cannot be archived."]

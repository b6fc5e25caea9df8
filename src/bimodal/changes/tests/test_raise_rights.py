"""Who may raise what (docs/roles.md): a change on a service needs the right on that service — its owner
team (member or lead), its named service owner, or a change manager — for every role of the demo; and
moving a service to another team is a governance action, not an owner's edit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.changes import services
from bimodal.changes.models import Change
from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import UserFactory
from bimodal.portfolio import services as portfolio_services

# role -> (may raise on the Mode 1 core banking service, may raise on the Mode 2 app); the service owner
# is in the core team, the product team member in the app team.
EXPECTED = {
    "administrator": (True, True),
    "governance_lead": (False, False),
    "change_manager": (True, True),
    "cab_member": (False, False),
    "service_owner": (True, False),
    "product_team_member": (False, True),
    "service_desk_agent": (False, False),
    "supplier_agent": (False, False),
    "requester": (False, False),
    "auditor": (False, False),
}


def _person(estate, role):
    return {
        "administrator": estate.admin,
        "change_manager": estate.manager,
        "cab_member": estate.cab1,
        "service_owner": estate.owner,
        "product_team_member": estate.dev,
        "requester": estate.requester,
        "auditor": estate.auditor,
    }.get(role) or UserFactory(roles=[role])


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_every_role_raises_changes_only_where_it_holds_the_right(estate, role):
    person = _person(estate, role)
    for service, allowed in zip((estate.core, estate.app), EXPECTED[role], strict=True):
        if allowed:
            change = services.change_create(actor=person, title=f"{role} change", services=[service])
            assert change.requester == person
        else:
            with pytest.raises((PermissionDenied, ValidationError)):
                services.change_create(actor=person, title=f"{role} change", services=[service])
    assert Change.objects.count() == sum(EXPECTED[role])


def test_the_issue_a_product_team_member_raising_on_core_banking_gets_a_400(client, estate):
    client.force_login(estate.dev)
    response = client.post(
        "/api/changes/",
        {"title": "Tweak", "services": ["core-banking"], "change_type": "normal"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "services" in response.json()
    assert "Core Banking" in response.json()["services"][0]
    page = client.get("/changes/new/")
    offered = set(page.context["form"].fields["services"].queryset.values_list("slug", flat=True))
    assert offered == {"mobile-app", "chatbot"}
    assert not Change.objects.exists()


def test_a_named_service_owner_may_raise_on_their_service(estate):
    estate.app.service_owner = estate.owner
    estate.app.save(update_fields=["service_owner"])
    assert services.change_create(actor=estate.owner, title="x", services=[estate.app]).pk


def test_a_change_spanning_another_teams_service_is_refused_whole(estate):
    with pytest.raises(ValidationError) as exc:
        services.change_create(actor=estate.owner, title="x", services=[estate.core, estate.app])
    assert "Mobile App" in exc.value.message_dict["services"][0]
    assert not Change.objects.exists()


def test_owners_and_product_teams_cannot_move_a_service_to_another_team(client, estate):
    app_team = estate.app.owner_team
    for person in (estate.owner, estate.dev):
        service = estate.core if person == estate.owner else estate.app
        other = app_team if person == estate.owner else estate.core.owner_team
        with pytest.raises(ValidationError) as exc:
            portfolio_services.service_update(actor=person, service=service, owner_team=other)
        assert "owner_team" in exc.value.message_dict
    client.force_login(estate.owner)
    url = "/api/portfolio/services/core-banking/"
    response = client.patch(url, {"owner_team": app_team.slug}, content_type="application/json")
    assert response.status_code == 400 and "owner_team" in response.json()
    # other edits, and naming the same team, are still theirs
    response = client.patch(
        url,
        {"description": "Ledger", "owner_team": estate.core.owner_team.slug},
        content_type="application/json",
    )
    assert response.status_code == 200
    estate.core.refresh_from_db()
    assert estate.core.owner_team != app_team


def test_a_governance_lead_moves_a_service_audited(client, estate):
    lead = UserFactory(username="gloria", roles=["governance_lead"])
    client.force_login(lead)
    app_team = estate.app.owner_team
    response = client.patch(
        "/api/portfolio/services/core-banking/",
        {"owner_team": app_team.slug},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    estate.core.refresh_from_db()
    assert estate.core.owner_team == app_team
    entry = AuditEntry.objects.filter(verb="service_update", actor=lead).latest("seq")
    assert entry.after.get("owner_team", entry.after.get("owner_team_id")) == app_team.pk

"""Reclassification proposals are decided through governance: each opens a `reclassify_service`
decision request routed by the decision rights of the service's unit, and only whoever holds that right
(a forum at a quorate meeting, an accountable role, an agile unit's product team) moves the service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory, UserFactory
from bimodal.governance import services as governance
from bimodal.governance.models import DecisionRequest, DecisionRight, DecisionType
from bimodal.governance.tests.factories import ForumFactory
from bimodal.portfolio import services
from bimodal.portfolio.models import Service
from bimodal.portfolio.tests.factories import ServiceFactory, mode

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    owner = UserFactory(username="owner", roles=["service_owner"])
    lead = UserFactory(username="lead", roles=["governance_lead"])
    architect = UserFactory(username="arch", roles=["cab_member"])
    architect2 = UserFactory(username="arch2", roles=["cab_member"])
    board = ForumFactory(
        slug="architecture-board",
        name="Architecture board",
        kind="architecture_board",
        quorum=2,
        chair=lead,
        members=[architect, architect2],
    )
    unit = OrgUnitFactory(slug="technology", governance_model="centralised")
    team = TeamFactory(slug="lending", org_unit=unit, members=[owner])
    service = ServiceFactory(slug="loans", owner_team=team, mode=mode("mode-1"))
    return {
        "owner": owner,
        "lead": lead,
        "architect": architect,
        "architect2": architect2,
        "board": board,
        "unit": unit,
        "service": service,
    }


def _board_accountable(board):
    reclassify = DecisionType.objects.get(key="reclassify_service")
    DecisionRight.objects.create(decision_type=reclassify, party_kind="forum", forum=board, raci="A")


def _propose(org):
    return services.proposal_create(
        actor=org["owner"], service=org["service"], to_mode=mode("mode-2"), reason="Ships weekly"
    )


def test_a_proposal_opens_a_routed_decision_request(org):
    _board_accountable(org["board"])
    proposal = _propose(org)
    request = services.proposal_decision(proposal)
    assert request.status == "pending" and request.subject == proposal
    assert request.decision_type.key == "reclassify_service" and request.org_unit == org["unit"]
    assert request.requested_by == org["owner"] and request.forum == org["board"]
    assert request in governance_pending(org["board"])  # on the board's agenda


def governance_pending(forum):
    from bimodal.governance.selectors import pending_for_forum

    return list(pending_for_forum(forum))


def test_when_a_forum_decides_the_governance_lead_cannot_accept_alone(org, client_for):
    _board_accountable(org["board"])
    proposal = _propose(org)
    with pytest.raises(PermissionDenied, match="meeting with quorum"):
        services.proposal_accept(actor=org["lead"], proposal=proposal, note="looks fine")
    client = client_for(org["lead"])
    response = client.post(
        f"/api/portfolio/proposals/{proposal.pk}/accept/", {"note": "ok"}, content_type="application/json"
    )
    assert response.status_code == 403
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert 'data-testid="decision-form"' not in page and "meeting with quorum" in page
    assert client.post(proposal.get_absolute_url(), {"decision": "accept", "note": "x"}).status_code == 403
    assert Service.objects.get(pk=org["service"].pk).mode.key == "mode-1"


def test_the_board_decides_at_a_quorate_meeting_and_the_service_moves(org):
    _board_accountable(org["board"])
    proposal = _propose(org)
    meeting = governance.meeting_create(actor=org["lead"], forum=org["board"], scheduled_for=timezone.now())
    meeting = governance.meeting_record_attendance(
        actor=org["lead"], meeting=meeting, attendees=[org["architect"], org["architect2"]]
    )
    request = services.proposal_decision(proposal)
    governance.decision_record(
        actor=org["architect"], request=request, outcome="approved", note="Agreed", meeting=meeting
    )
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.decided_by == org["architect"]
    service = Service.objects.get(pk=org["service"].pk)
    assert service.mode.key == "mode-2"  # the architect holds no portfolio permission: the right suffices


def test_a_rejection_at_the_meeting_closes_the_proposal(org):
    _board_accountable(org["board"])
    proposal = _propose(org)
    meeting = governance.meeting_create(actor=org["lead"], forum=org["board"], scheduled_for=timezone.now())
    meeting = governance.meeting_record_attendance(
        actor=org["lead"], meeting=meeting, attendees=[org["architect"], org["architect2"]]
    )
    governance.decision_record(
        actor=org["architect2"],
        request=services.proposal_decision(proposal),
        outcome="rejected",
        note="Core ledger coupling",
        meeting=meeting,
    )
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and proposal.decision_note == "Core ledger coupling"
    assert Service.objects.get(pk=org["service"].pk).mode.key == "mode-1"


def test_without_rights_the_governance_lead_decides_but_never_their_own_proposal(org):
    org["board"].delete()  # no right and no forum of the type's default kind: the governance lead role
    proposal = services.proposal_create(
        actor=org["lead"], service=org["service"], to_mode=mode("mode-2"), reason="Mine"
    )
    with pytest.raises(PermissionDenied, match="Segregation of duties"):
        services.proposal_accept(actor=org["lead"], proposal=proposal, note="")
    other_lead = UserFactory(username="lead2", roles=["governance_lead"])
    services.proposal_accept(actor=other_lead, proposal=proposal, note="ok")
    assert Service.objects.get(pk=org["service"].pk).mode.key == "mode-2"
    assert services.proposal_decision(proposal).status == "approved"


def test_an_agile_unit_s_product_team_decides_through_the_api(org, client_for):
    agile = OrgUnitFactory(slug="digital", governance_model="agile")
    squad_member = UserFactory(username="pat", roles=["product_team_member"])
    squad = TeamFactory(slug="squad", org_unit=agile, kind="product", members=[squad_member])
    app = ServiceFactory(slug="app", owner_team=squad, mode=mode("mode-1"))
    proposal = services.proposal_create(
        actor=org["owner"], service=app, to_mode=mode("mode-2"), reason="A squad's own app"
    )
    assert not squad_member.has_perm("portfolio.decide_reclassificationproposal")
    response = client_for(squad_member).post(
        f"/api/portfolio/proposals/{proposal.pk}/accept/", {"note": "ours"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert Service.objects.get(pk=app.pk).mode.key == "mode-2"


def test_drift_proposals_are_raised_by_the_system(org):
    org["board"].delete()
    proposal = services.proposal_create(
        actor=None, service=org["service"], to_mode=mode("mode-2"), reason="Drifted", source="drift"
    )
    request = DecisionRequest.objects.get(object_id=proposal.pk, decision_type__key="reclassify_service")
    assert request.requested_by is None
    services.proposal_reject(actor=org["lead"], proposal=proposal, note="Not now")  # nobody to notify
    assert services.proposal_decision(proposal).status == "rejected"

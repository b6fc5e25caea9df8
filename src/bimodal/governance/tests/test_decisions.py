"""Decision requests and meetings: who may decide (decision rights, forum quorum), segregation of duties,
handlers, agenda building with providers, attendance and minutes; decision rights editing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.models import AuditEntry, Notification
from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory, UserFactory
from bimodal.governance import registry, services
from bimodal.governance.models import DecisionRequest, DecisionRight, DecisionType
from bimodal.governance.tests.factories import ForumFactory


class People(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def org(db):
    p = People(
        lead=UserFactory(username="gina", roles=["governance_lead"]),
        lead2=UserFactory(username="glen", roles=["governance_lead"]),
        chris=UserFactory(username="chris", roles=["change_manager"]),
        carla=UserFactory(username="carla", roles=["cab_member"]),
        cora=UserFactory(username="cora", roles=["cab_member"]),
        pat=UserFactory(username="pat", roles=["product_team_member"]),
        paula=UserFactory(username="paula", roles=["product_team_member"]),
        owen=UserFactory(username="owen", roles=["service_owner"]),
        rita=UserFactory(username="rita", roles=["requester"]),
        audrey=UserFactory(username="audrey", roles=["auditor"]),
    )
    p.board = ForumFactory(
        slug="portfolio-board",
        name="Portfolio board",
        kind="portfolio_board",
        quorum=2,
        chair=p.chris,
        members=[p.carla, p.cora],
    )
    p.cab = ForumFactory(
        slug="cab", name="CAB", kind="cab", quorum=2, chair=p.chris, members=[p.carla, p.cora]
    )
    spend = DecisionType.objects.get(key="approve_spend")
    DecisionRight.objects.create(decision_type=spend, party_kind="role", role="governance_lead", raci="A")
    DecisionRight.objects.create(decision_type=spend, party_kind="forum", forum=p.board, raci="C")
    p.central = OrgUnitFactory(slug="central", governance_model="centralised")
    p.federal = OrgUnitFactory(slug="federal", governance_model="federated", head=p.owen)
    p.agile = OrgUnitFactory(slug="agile", governance_model="agile")
    p.squad = TeamFactory(slug="squad", org_unit=p.agile, kind="product", members=[p.pat, p.paula])
    return p


def open_spend(org, actor, unit, amount=1000):
    return services.decision_request_open(
        actor=actor, decision_type="approve_spend", title="Buy", org_unit=unit, amount=Decimal(amount)
    )


def test_open_routes_and_audits(org):
    request = open_spend(org, org.pat, org.central, 300000)
    assert request.status == "pending" and request.forum == org.board and request.step_count == 2
    assert request.route["steps"][1]["ref"] == "portfolio-board"
    assert AuditEntry.objects.filter(verb="decision_request_open", object_id=str(request.pk)).exists()


def test_open_needs_the_permission(org):
    with pytest.raises(PermissionDenied):
        open_spend(org, org.audrey, org.central)


def test_the_role_holding_a_decides(org):
    request = open_spend(org, org.pat, org.central)
    decided = services.decision_record(actor=org.lead, request=request, outcome="approved", note="ok")
    assert decided.status == "approved" and decided.decided_by == org.lead and decided.decided_at
    assert AuditEntry.objects.filter(verb="decision_approved", object_id=str(request.pk)).exists()
    told = Notification.objects.get(recipient=org.pat)
    assert told.subject == "Approved: Buy" and told.url == request.get_absolute_url()
    assert not Notification.objects.filter(recipient=org.lead).exists()


@pytest.mark.parametrize("who", ["carla", "owen", "pat", "chris"])
def test_others_may_not_decide(org, who):
    request = open_spend(org, org.paula, org.central)
    with pytest.raises(PermissionDenied):
        services.decision_record(actor=org[who], request=request, outcome="approved")
    request.refresh_from_db()
    assert request.status == "pending" and request.decided_by is None


def test_segregation_of_duties_the_requester_never_decides(org):
    request = open_spend(org, org.lead, org.central)  # the governance lead holds A but asked
    with pytest.raises(PermissionDenied, match="Segregation of duties"):
        services.decision_record(actor=org.lead, request=request, outcome="approved")
    services.decision_record(actor=org.lead2, request=request, outcome="approved")


def test_federated_head_decides_and_agile_team_members_decide(org):
    federal = open_spend(org, org.pat, org.federal)
    with pytest.raises(PermissionDenied):
        services.decision_record(actor=org.lead, request=federal, outcome="approved")
    assert services.decision_record(actor=org.owen, request=federal, outcome="approved").status == "approved"
    agile = open_spend(org, org.pat, org.agile)
    with pytest.raises(PermissionDenied):
        services.decision_record(actor=org.owen, request=agile, outcome="approved")
    assert services.decision_record(actor=org.paula, request=agile, outcome="approved").status == "approved"


def test_history_keeps_when_a_request_was_raised_and_decided(org):
    raised = timezone.now() - timedelta(days=3)
    request = services.decision_request_open(
        actor=org.pat, decision_type="approve_spend", title="Old", org_unit=org.central, at=raised
    )
    assert request.requested_at == raised
    with pytest.raises(ValidationError) as error:
        services.decision_record(
            actor=org.lead, request=request, outcome="approved", at=raised - timedelta(hours=1)
        )
    assert "at" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == "pending"
    decided = services.decision_record(
        actor=org.lead, request=request, outcome="approved", at=raised + timedelta(hours=30)
    )
    assert decided.decided_at - decided.requested_at == timedelta(hours=30)


def test_rejecting_needs_a_reason_and_a_decision_is_taken_once(org):
    request = open_spend(org, org.pat, org.central)
    with pytest.raises(ValidationError):
        services.decision_record(actor=org.lead, request=request, outcome="rejected")
    with pytest.raises(ValidationError):
        services.decision_record(actor=org.lead, request=request, outcome="maybe")
    services.decision_record(actor=org.lead, request=request, outcome="rejected", note="No budget")
    with pytest.raises(ValidationError):
        services.decision_record(actor=org.lead2, request=request, outcome="approved")


def test_forum_decisions_need_a_quorate_meeting_and_a_seat(org):
    request = open_spend(org, org.pat, org.central, 300000)  # the board decides (A)
    with pytest.raises(PermissionDenied, match="meeting"):
        services.decision_record(actor=org.carla, request=request, outcome="approved")
    meeting = services.meeting_create(actor=org.chris, forum=org.board, scheduled_for=timezone.now())
    meeting = services.meeting_record_attendance(
        actor=org.chris, meeting=meeting, attendees=[org.carla, org.rita]
    )
    assert not meeting.quorum_met  # rita is a guest: one seat of two
    with pytest.raises(PermissionDenied, match="quorum"):
        services.decision_record(actor=org.carla, request=request, outcome="approved", meeting=meeting)
    meeting = services.meeting_record_attendance(
        actor=org.chris, meeting=meeting, attendees=[org.carla, org.cora]
    )
    assert meeting.quorum_met
    other = services.meeting_create(actor=org.chris, forum=org.cab, scheduled_for=timezone.now())
    other = services.meeting_record_attendance(
        actor=org.chris, meeting=other, attendees=[org.carla, org.cora]
    )
    with pytest.raises(PermissionDenied, match="not of the forum"):
        services.decision_record(actor=org.carla, request=request, outcome="approved", meeting=other)
    with pytest.raises(PermissionDenied, match="chair or a member"):
        services.decision_record(actor=org.owen, request=request, outcome="approved", meeting=meeting)
    decided = services.decision_record(actor=org.carla, request=request, outcome="approved", meeting=meeting)
    assert decided.meeting == meeting


def test_handlers_run_in_the_transaction(org):
    calls = []

    def handler(request, *, actor):
        calls.append((request.status, actor.username))

    def failing(request, *, actor):
        raise ValidationError("the initiative cannot be created")

    registry.register_decision_handler("approve_spend", handler)
    try:
        request = open_spend(org, org.pat, org.central)
        services.decision_record(actor=org.lead, request=request, outcome="approved")
        assert calls == [("approved", "gina")]
        registry.register_decision_handler("approve_spend", failing)
        second = open_spend(org, org.pat, org.central)
        with pytest.raises(ValidationError):
            services.decision_record(actor=org.lead, request=second, outcome="approved")
        second.refresh_from_db()
        assert second.status == "pending"  # rolled back with the handler's failure
    finally:
        registry.unregister_decision_handler("approve_spend", handler)
        registry.unregister_decision_handler("approve_spend", failing)


def test_withdraw_by_the_requester_only(org):
    request = open_spend(org, org.pat, org.central)
    with pytest.raises(PermissionDenied):
        services.decision_request_withdraw(actor=org.paula, request=request)
    assert services.decision_request_withdraw(actor=org.pat, request=request).status == "withdrawn"
    with pytest.raises(ValidationError):
        services.decision_request_withdraw(actor=org.pat, request=request)


# --- meetings ------------------------------------------------------------------------------------------


def test_quorum_counts_chair_and_members_only(org):
    meeting = services.meeting_create(
        actor=org.chris, forum=org.board, scheduled_for=timezone.now(), attendees=[org.chris, org.rita]
    )
    assert not meeting.quorum_met
    meeting = services.meeting_record_attendance(
        actor=org.chris, meeting=meeting, attendees=[org.chris, org.cora]
    )
    assert meeting.quorum_met


def test_only_the_chair_or_meeting_managers_run_meetings(org):
    with pytest.raises(PermissionDenied):
        services.meeting_create(actor=org.carla, forum=org.board, scheduled_for=timezone.now())
    meeting = services.meeting_create(actor=org.lead, forum=org.board, scheduled_for=timezone.now())
    for step in (
        lambda: services.meeting_build_agenda(actor=org.carla, meeting=meeting),
        lambda: services.meeting_record_attendance(actor=org.carla, meeting=meeting, attendees=[org.carla]),
        lambda: services.meeting_record_minutes(actor=org.carla, meeting=meeting, minutes="x"),
    ):
        with pytest.raises(PermissionDenied):
            step()


def test_agenda_has_pending_requests_of_the_forum_once(org):
    tabled = open_spend(org, org.pat, org.central, 300000)
    consulted = open_spend(org, org.pat, org.federal, 400000)  # federated: the board is consulted
    open_spend(org, org.pat, org.central, 10)  # not routed to a forum
    decided = open_spend(org, org.pat, org.federal, 500000)
    services.decision_record(actor=org.owen, request=decided, outcome="approved")
    meeting = services.meeting_create(actor=org.chris, forum=org.board, scheduled_for=timezone.now())
    items = services.meeting_build_agenda(actor=org.chris, meeting=meeting)
    assert [i.decision_request_id for i in items] == [tabled.pk, consulted.pk]
    assert [i.order for i in items] == [1, 2]
    again = services.meeting_build_agenda(actor=org.chris, meeting=meeting)
    assert len(again) == 2
    assert AuditEntry.objects.filter(verb="meeting_build_agenda").count() == 1


def test_agenda_providers_add_items_of_their_forum_kind(org):
    from bimodal.changes.models import Change

    awaiting = Change.objects.create(
        reference="CHG-900001",
        title="Patch the core",
        requester=org.owen,
        status="awaiting_approval",
        approver_forum=org.cab,
    )
    Change.objects.create(
        reference="CHG-900002",
        title="Other forum",
        requester=org.owen,
        status="awaiting_approval",
        approver_forum=org.board,
    )
    Change.objects.create(reference="CHG-900003", title="Draft", requester=org.owen, approver_forum=org.cab)
    meeting = services.meeting_create(actor=org.chris, forum=org.cab, scheduled_for=timezone.now())
    items = services.meeting_build_agenda(actor=org.chris, meeting=meeting)
    assert [(i.object_id, i.source) for i in items] == [(awaiting.pk, "changes")]
    assert items[0].url == awaiting.get_absolute_url()
    assert len(services.meeting_build_agenda(actor=org.chris, meeting=meeting)) == 1
    board_meeting = services.meeting_create(actor=org.chris, forum=org.board, scheduled_for=timezone.now())
    assert services.meeting_build_agenda(actor=org.chris, meeting=board_meeting) == []


def test_recording_agenda_items_and_minutes(org):
    request = open_spend(org, org.pat, org.central, 300000)
    meeting = services.meeting_create(actor=org.chris, forum=org.board, scheduled_for=timezone.now())
    item = services.meeting_build_agenda(actor=org.chris, meeting=meeting)[0]
    topic = services.agenda_item_add(actor=org.chris, meeting=meeting, topic="Roadmap review")
    with pytest.raises(PermissionDenied, match="quorum"):
        services.agenda_item_record(actor=org.carla, item=item, outcome="approved")
    services.meeting_record_attendance(actor=org.chris, meeting=meeting, attendees=[org.carla, org.cora])
    item.refresh_from_db()
    services.agenda_item_record(actor=org.carla, item=item, outcome="approved", notes="Agreed")
    item.refresh_from_db()
    request.refresh_from_db()
    assert item.outcome == "approved" and request.status == "approved" and request.meeting == meeting
    with pytest.raises(ValidationError):
        services.agenda_item_record(actor=org.carla, item=topic, outcome="approved")
    services.agenda_item_record(actor=org.carla, item=topic, outcome="noted", notes="Seen")
    meeting = services.meeting_record_minutes(
        actor=org.chris, meeting=meeting, minutes="Quorate. One approval."
    )
    assert meeting.status == "held" and meeting.minutes.startswith("Quorate")
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=org.chris, meeting=meeting)


# --- decision rights -----------------------------------------------------------------------------------


def test_rights_grid_save_creates_updates_removes_and_refuses_two_accountables(org):
    spend = "approve_spend"
    counts = services.decision_rights_save(
        actor=org.lead,
        org_unit=org.agile,
        cells={(spend, "team:squad"): "A", (spend, "role:governance_lead"): "I", (spend, "head"): ""},
    )
    assert counts == {"created": 2, "updated": 0, "removed": 0}
    counts = services.decision_rights_save(
        actor=org.lead,
        org_unit=org.agile,
        cells={(spend, "team:squad"): "R", (spend, "role:governance_lead"): ""},
    )
    assert counts == {"created": 0, "updated": 1, "removed": 1}
    before = DecisionRight.objects.count()
    with pytest.raises(ValidationError):
        services.decision_rights_save(
            actor=org.lead,
            org_unit=org.agile,
            cells={(spend, "team:squad"): "A", (spend, "role:service_owner"): "A"},
        )
    assert DecisionRight.objects.count() == before
    assert DecisionRight.objects.get(org_unit=org.agile).raci == "R"
    with pytest.raises(PermissionDenied):
        services.decision_rights_save(actor=org.chris, org_unit=org.agile, cells={(spend, "head"): "C"})
    with pytest.raises(ValidationError):
        services.decision_rights_save(actor=org.lead, org_unit=org.agile, cells={(spend, "role:nobody"): "C"})


def test_decision_right_set_and_remove(org):
    spend = DecisionType.objects.get(key="approve_spend")
    right = services.decision_right_set(
        actor=org.lead, decision_type=spend, party="head", raci="A", org_unit=org.federal
    )
    assert right.party == "head" and right.org_unit == org.federal
    assert (
        services.decision_right_set(
            actor=org.lead, decision_type=spend, party="head", raci="", org_unit=org.federal
        )
        is None
    )
    assert not DecisionRight.objects.filter(org_unit=org.federal).exists()
    assert DecisionRequest.objects.count() == 0

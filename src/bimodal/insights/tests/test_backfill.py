"""The backfill builds transitions from ticket timelines, the audit log and deployments, once."""

from __future__ import annotations

from django.core.management import call_command

from bimodal.core.tests.factories import TeamFactory
from bimodal.insights.models import Transition
from bimodal.insights.tests.factories import DeploymentFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.servicedesk import services as desk


def test_backfill_rebuilds_ticket_history_and_is_idempotent(make_user):
    team = TeamFactory(name="Desk")
    agent = make_user("service_desk_agent", teams=[team])
    ticket = desk.ticket_create(
        actor=agent,
        ticket_type="incident",
        title="x",
        service=ServiceFactory(),
        assignment_group=team,
        opened_at=at(5, 9),
    )
    desk.ticket_transition(actor=agent, ticket=ticket, status="in_progress", now=at(5, 10))
    DeploymentFactory(finished_at=at(6, 10))
    live = list(Transition.objects.filter(stream="ticket").values_list("from_state", "to_state", "at"))
    call_command("insights_backfill", "--rebuild", verbosity=0)
    assert (
        list(Transition.objects.filter(stream="ticket").values_list("from_state", "to_state", "at")) == live
    )
    assert list(Transition.objects.filter(stream="deployment").values_list("from_state", "to_state")) == [
        ("", "in_progress"),
        ("in_progress", "succeeded"),
    ]
    count = Transition.objects.count()
    call_command("insights_backfill", verbosity=0)
    assert Transition.objects.count() == count

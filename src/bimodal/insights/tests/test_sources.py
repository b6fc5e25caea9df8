"""The relations insights reads other apps' records through (metrics/sources.py): each gives every row
of its model with the fields it names, and needs no parameters."""

from __future__ import annotations

import pytest

from bimodal.changes.models import Change, ChangeWindow, Deployment
from bimodal.insights.metrics import sources, sql
from bimodal.insights.tests.factories import DeploymentFactory, RepositoryFactory, TicketFactory, at, commit
from bimodal.integrations.models import Commit, DeploymentCommit
from bimodal.portfolio.models import Service
from bimodal.servicedesk.models import SlaInstance, Ticket
from bimodal.servicedesk.tests.factories import SlaDefinitionFactory

pytestmark = pytest.mark.django_db

RELATIONS = {
    sources.service: Service,
    sources.ticket: Ticket,
    sources.ticket_change: Ticket.changes.through,
    sources.sla_clock: SlaInstance,
    sources.deployment: Deployment,
    sources.change_window: ChangeWindow,
    sources.window_service: ChangeWindow.services.through,
    sources.window_mode: ChangeWindow.modes.through,
    sources.deployment_commit: DeploymentCommit,
    sources.commit: Commit,
}


@pytest.fixture
def records():
    """One row of every kind the relations read."""
    incident = TicketFactory(opened_at=at(3), resolved_at=at(4))
    user = incident.requester
    change = Change.objects.create(reference="CHG-1", title="Fix", requester=user)
    incident.changes.add(change)
    deployment = DeploymentFactory(service=incident.service, change=change, finished_at=at(2))
    commit(RepositoryFactory(service=incident.service), at(1), deployment)
    SlaInstance.objects.create(
        ticket=incident, definition=SlaDefinitionFactory(), target="resolution", state="met", started_at=at(3)
    )
    window = ChangeWindow.objects.create(name="Year end", kind="freeze", start=at(20), end=at(28))
    window.services.add(incident.service)
    window.modes.add(incident.service.mode)
    return incident, deployment


@pytest.mark.parametrize("relation", list(RELATIONS), ids=lambda f: f.__name__)
def test_a_relation_gives_every_row_of_its_model(records, relation):
    [row] = sql.fetch(f"SELECT COUNT(*) AS n FROM {relation()} r", [])
    assert row["n"] == RELATIONS[relation].objects.count() > 0


def test_the_relations_carry_the_fields_the_figures_read(records):
    incident, deployment = records
    [ticket] = sql.fetch(f"SELECT * FROM {sources.ticket()} t WHERE t.id = %s", [incident.pk])
    assert ticket["number"] == incident.number
    assert (ticket["service_id"], ticket["ticket_type"], ticket["status"]) == (
        incident.service_id,
        "incident",
        "new",
    )
    [service] = sql.fetch(f"SELECT * FROM {sources.service()} s WHERE s.id = %s", [incident.service_id])
    assert (service["slug"], service["mode_id"]) == (incident.service.slug, incident.service.mode_id)
    [row] = sql.fetch(f"SELECT * FROM {sources.deployment()} d WHERE d.id = %s", [deployment.pk])
    assert (row["environment"], row["status"], row["service_id"]) == (
        "production",
        "succeeded",
        incident.service_id,
    )
    [window] = sql.fetch(f'SELECT w.kind, w."end" FROM {sources.change_window()} w', [])
    assert window["kind"] == "freeze"


def test_a_relation_refuses_a_filtered_queryset():
    """A relation is a plain projection: conditions with parameters belong in the metric's SQL."""
    with pytest.raises(ValueError, match="no parameters"):
        sources._relation(Service.objects.filter(name="Payments").values("id"))

"""The transition log written by the service desk and changes services, and maturity assessments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.tests.factories import OrgUnitFactory, TeamFactory
from bimodal.insights import services
from bimodal.insights.models import MaturityAssessment, MaturityScore, Transition
from bimodal.insights.tests.factories import CapabilityAreaFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.servicedesk import services as desk


def test_ticket_status_changes_and_handoffs_are_logged(make_user):
    desk_team = TeamFactory(name="Service desk")
    supplier_team = TeamFactory(name="Network team")
    agent = make_user("service_desk_agent", teams=[desk_team, supplier_team])
    service = ServiceFactory()
    ticket = desk.ticket_create(
        actor=agent,
        ticket_type="incident",
        title="Down",
        service=service,
        assignment_group=desk_team,
        opened_at=at(5, 9),
    )
    desk.ticket_transition(actor=agent, ticket=ticket, status="in_progress", now=at(5, 10))
    desk.ticket_assign(actor=agent, ticket=ticket, group=supplier_team, now=at(5, 11))
    desk.ticket_transition(
        actor=agent,
        ticket=ticket,
        status="resolved",
        resolution="fixed",
        now=at(
            5,
            13,
        ),
    )
    rows = list(
        Transition.objects.filter(object_id=ticket.pk).values_list(
            "from_state", "to_state", "party", "from_party", "wall_seconds"
        )
    )
    assert rows == [
        ("", "new", "Service desk", "", 0),
        ("new", "in_progress", "Service desk", "Service desk", 3600),
        ("in_progress", "in_progress", "Network team", "Service desk", 3600),
        ("in_progress", "resolved", "Network team", "Network team", 7200),
    ]
    assert set(Transition.objects.filter(object_id=ticket.pk).values_list("stream", "kind", "service")) == {
        ("ticket", "incident", service.pk)
    }


def test_record_with_opened_at_logs_the_creation_first(db):
    service = ServiceFactory()

    class Obj:
        pk, reference = 7, "CHG-7"

    services.transition_record(
        stream="change",
        obj=Obj,
        from_state="approved",
        to_state="implementing",
        at=at(6, 10),
        service=service,
        opened_at=at(5, 16),
        first=True,
    )
    first, second = Transition.objects.filter(object_id=7)
    assert (first.from_state, first.to_state, second.from_state) == ("", "approved", "approved")
    assert second.wall_seconds == 18 * 3600
    assert second.business_seconds == 2.5 * 3600  # Mon 16:00–17:30 + Tue 09:00–10:00
    assert second.business_clock - first.business_clock == second.business_seconds


def test_bulk_reads_once_and_inserts_once(db, django_assert_num_queries):
    service = ServiceFactory()
    rows = [
        {
            "stream": "ticket",
            "object_id": n,
            "reference": f"INC{n}",
            "service": service,
            "from_state": "",
            "to_state": "new",
            "at": at(5, 9),
        }
        for n in range(50)
    ]
    with django_assert_num_queries(2):  # the previous transitions, one INSERT
        services.transition_record_bulk(rows)
    assert Transition.objects.count() == 50


@pytest.fixture
def areas(db):
    return [
        CapabilityAreaFactory(name="Change enablement", slug="change", default_target=4),
        CapabilityAreaFactory(name="CI/CD", slug="cicd", mode="exploration"),
    ]


def test_assessment_record_and_gaps(make_user, areas):
    lead = make_user("governance_lead")
    unit = OrgUnitFactory()
    a = services.maturity_assessment_record(
        actor=lead,
        org_unit=unit,
        assessed_on=at(5).date(),
        scores=[
            {"area": areas[0], "score": 2},
            {"area": areas[1], "score": 4, "target": 3, "evidence": "pipelines"},
        ],
    )
    scores = {s.area.slug: (s.score, s.target, s.gap) for s in a.scores.all()}
    assert scores == {"change": (2, 4, 2), "cicd": (4, 3, -1)}
    from bimodal.insights import selectors

    assert [g.area.slug for g in selectors.gap_list(a)] == ["change"]
    with pytest.raises(ValidationError):  # same unit, same day
        services.maturity_assessment_record(
            actor=lead, org_unit=unit, assessed_on=at(5).date(), scores=[{"area": areas[0], "score": 3}]
        )
    with pytest.raises(ValidationError):
        services.maturity_assessment_record(
            actor=lead, org_unit=unit, assessed_on=at(6).date(), scores=[{"area": areas[0], "score": 6}]
        )
    assert MaturityAssessment.objects.count() == 1 and MaturityScore.objects.count() == 2


def test_assessment_needs_the_permission(make_user, areas):
    with pytest.raises(PermissionDenied):
        services.maturity_assessment_record(
            actor=make_user("auditor"), org_unit=OrgUnitFactory(), scores=[{"area": areas[0], "score": 3}]
        )


def test_seed_is_idempotent(db):
    assert services.capability_areas_seed() == len(services.DEFAULT_AREAS)
    assert services.capability_areas_seed() == 0

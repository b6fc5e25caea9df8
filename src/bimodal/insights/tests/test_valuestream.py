"""Value-stream heat maps from the transition log, against hand-computed examples."""

from __future__ import annotations

import pytest

from bimodal.insights.choices import ValueStream
from bimodal.insights.metrics import valuestream
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.services import transition_record_bulk
from bimodal.insights.tests.factories import DeploymentFactory, TicketFactory, at
from bimodal.portfolio.tests.factories import ServiceFactory

PERIOD = Scope(start=at(1), end=at(31))
HOUR = 3600
D2C = ValueStream.DETECT_TO_CORRECT


def _ticket(pk, svc, moves, kind="incident", stream="ticket"):
    return [
        {
            "stream": stream,
            "object_id": pk,
            "reference": f"INC{pk}",
            "service_id": svc.pk,
            "kind": kind,
            "from_state": a,
            "to_state": b,
            "at": when,
            "party": party,
        }
        for a, b, when, party in moves
    ]


@pytest.fixture
def log(db):
    """Three incidents on Monday 5 Jan 2026 (office hours 09:00–17:30 London = UTC in winter):
    new for 1, 2 and 3 hours; in progress for 2, 2 and 4 hours; the third handed from the desk to a supplier."""
    svc = ServiceFactory()
    rows = []
    for pk, (new, work) in enumerate([(1, 2), (2, 2), (3, 4)], start=1):
        moves = [("", "new", at(5, 9), "Desk"), ("new", "in_progress", at(5, 9 + new), "Desk")]
        if pk == 3:
            moves.append(("in_progress", "in_progress", at(5, 9 + new + 1), "Atlas"))
        moves.append(("in_progress", "resolved", at(5, 9 + new + work), "Atlas" if pk == 3 else "Desk"))
        rows += _ticket(pk, svc, moves)
    rows += _ticket(
        9,
        svc,
        [("", "new", at(5, 9), "HR"), ("new", "resolved", at(5, 13), "HR")],
        kind="request",
        stream="request",
    )
    transition_record_bulk(rows)
    return svc


def test_stages_steps_and_bottleneck(log):
    heat = valuestream.heatmap(D2C, PERIOD)
    stages = {s["stage"]: s for s in heat["stages"]}
    assert set(stages) == {"incident:new", "incident:in_progress"}
    new = stages["incident:new"]
    assert (new["count"], new["p50_wall"]) == (3, 2 * HOUR)
    assert new["p90_wall"] == pytest.approx((2 + 0.8) * HOUR)
    progress = stages["incident:in_progress"]  # 2, 2, 4 hours (the third over two visits: 1 h + 3 h)
    assert (progress["count"], progress["p50_wall"], progress["total_wall"]) == (3, 2 * HOUR, 8 * HOUR)
    assert progress["p50_business"] == 2 * HOUR
    assert heat["bottleneck"] == "incident:in_progress"
    steps = {(s["source"], s["target"]): s["count"] for s in heat["steps"]}
    assert steps == {
        ("incident:new", "incident:in_progress"): 3,
        ("incident:in_progress", "incident:in_progress"): 1,
        ("incident:in_progress", "incident:resolved"): 3,
    }


def test_party_handoffs_measure_the_receivers_time(log):
    heat = valuestream.heatmap(D2C, PERIOD)
    assert [(h["source"], h["target"], h["count"], h["p50_wall"]) for h in heat["handoffs"]] == [
        ("Desk", "Atlas", 1, 3 * HOUR)
    ]


def test_request_to_fulfil_is_separate(log):
    heat = valuestream.heatmap(ValueStream.REQUEST_TO_FULFIL, PERIOD)
    assert [(s["stage"], s["count"], s["p50_wall"]) for s in heat["stages"]] == [("request:new", 1, 4 * HOUR)]


def test_business_time_skips_nights_and_weekends(db):
    svc = ServiceFactory()
    transition_record_bulk(
        _ticket(1, svc, [("", "new", at(9, 17), "Desk"), ("new", "resolved", at(12, 10), "Desk")])
    )  # Friday 17:00 → Monday 10:00: 0.5 h + 1 h of office time
    stage = valuestream.heatmap(D2C, PERIOD)["stages"][0]
    assert stage["p50_wall"] == (2 * 24 + 17) * HOUR
    assert stage["p50_business"] == 1.5 * HOUR


def test_links_between_incident_problem_change_and_deployment(db, make_user):
    from bimodal.changes.models import Change

    svc = ServiceFactory()
    user = make_user()
    problem = TicketFactory(service=svc, ticket_type="problem", number="PRB1", opened_at=at(6, 9))
    incident = TicketFactory(service=svc, number="INC1", opened_at=at(5, 9), problem=problem)
    change = Change.objects.create(reference="CHG-1", title="Fix", requester=user)
    incident.changes.add(change)
    deployment = DeploymentFactory(service=svc, change=change, finished_at=at(8, 12))
    rows = _ticket(incident.pk, svc, [("", "new", at(5, 9), ""), ("in_progress", "resolved", at(8, 15), "")])
    rows += _ticket(problem.pk, svc, [("", "new", at(6, 9), "")], kind="problem")
    rows += [
        {
            "stream": "change",
            "obj": change,
            "service_id": svc.pk,
            "from_state": "",
            "to_state": "draft",
            "at": at(7, 9),
        },
        {
            "stream": "deployment",
            "obj": deployment,
            "service_id": svc.pk,
            "kind": "production",
            "from_state": "",
            "to_state": "in_progress",
            "at": at(8, 11),
        },
        {
            "stream": "deployment",
            "obj": deployment,
            "service_id": svc.pk,
            "kind": "production",
            "from_state": "in_progress",
            "to_state": "succeeded",
            "at": at(8, 12),
        },
    ]
    transition_record_bulk(rows)
    links = {
        link["link"]: round(link["p50_wall"] / HOUR, 6) for link in valuestream.heatmap(D2C, PERIOD)["links"]
    }
    assert links == {
        "incident → problem": 24,
        "incident → change": 48,
        "change → deployment": 26,
        "deployment → resolved": 3,
    }


def test_record_links_read_the_openings_without_a_cte(db):
    """The openings are joined where each link needs them, not through one CTE named five times:
    PostgreSQL materialised that CTE, guessed one row for each filter over it and re-scanned it in
    nested loops (76 s at 100,000 events). On PostgreSQL the plan has no CTE scan of the openings."""
    from django.db import connection

    text, params = valuestream.link_handoff_rows(PERIOD)
    assert "op AS (" not in text
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + text, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "CTE Scan on op" not in plan

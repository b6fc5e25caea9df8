"""MSP evaluation: weighted scores against a hand-computed example, the decision, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.tests.factories import SupplierFactory
from bimodal.people.models import Skill
from bimodal.portfolio.tests.factories import ServiceFactory
from bimodal.suppliers import selectors, services
from bimodal.suppliers.evaluation import score

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(make_user):
    gov = make_user("governance_lead", username="gov")
    mainframe = Skill.objects.create(name="Mainframe ops", slug="mainframe")
    network = Skill.objects.create(name="Network", slug="network")
    k8s = Skill.objects.create(name="Kubernetes", slug="k8s")
    svc247 = ServiceFactory(slug="dc", support_coverage="24x7")
    svc_bh = ServiceFactory(slug="print", support_coverage="business_hours")
    ev = services.evaluation_create(
        actor=gov,
        name="Data centre ops",
        services=[svc247, svc_bh],
        weights={"capability": 40, "response": 20, "coverage": 20, "customisation": 10, "cost": 10},
        required_response={"P1": 15, "P2": 60},
        needs_on_site=True,
        regions=["GB"],
    )
    services.requirement_set(actor=gov, evaluation=ev, skill=mainframe, weight=5)
    services.requirement_set(actor=gov, evaluation=ev, skill=network, weight=3)
    services.requirement_set(actor=gov, evaluation=ev, skill=k8s, weight=2, future=True)
    x = SupplierFactory(slug="x", name="X", covers_24x7=True, on_site_support=True, regions=["GB"])
    x.skills.set([mainframe, network])
    y = SupplierFactory(
        slug="y", name="Y", covers_business_hours=True, on_site_support=False, regions=["GB", "IE"]
    )
    y.skills.set([mainframe, network, k8s])
    services.candidate_add(
        actor=gov,
        evaluation=ev,
        supplier=x,
        demonstrated_response={"P1": 10, "P2": 120},
        customisation=4,
        annual_cost=Decimal("1200000"),
    )
    services.candidate_add(
        actor=gov,
        evaluation=ev,
        supplier=y,
        demonstrated_response={"P1": 30},
        customisation=2,
        annual_cost=Decimal("900000"),
    )
    return {"gov": gov, "ev": ev}


def test_weighted_scores_hand_computed(evaluation, make_user):
    ev = selectors.evaluation_full(user=evaluation["gov"], slug=evaluation["ev"].slug)
    by = {s.candidate.supplier.slug: s for s in score(ev)}
    x, y = by["x"], by["y"]
    # X: capability (5+3)/10 = 0.8; response mean(min(1, 15/10), min(1, 60/120)) = 0.75;
    # coverage: dc 24×7 ✓, print business hours ✓, remote ✓, on-site ✓, GB ✓ = 1; customisation 4/5; cost 0.75.
    assert x.scores == {
        "capability": 0.8,
        "response": 0.75,
        "coverage": 1.0,
        "customisation": 0.8,
        "cost": 0.75,
    }
    assert x.total == pytest.approx(
        100 * (40 * 0.8 + 20 * 0.75 + 20 * 1 + 10 * 0.8 + 10 * 0.75) / 100
    )  # 82.5
    # Y: capability 1; response mean(15/30, 0 for missing P2) = 0.25; coverage: dc ✗, print ✓, remote ✓,
    # on-site ✗, GB ✓ = 3/5; customisation 0.4; cost 1 (cheapest).
    assert y.scores == {
        "capability": 1.0,
        "response": 0.25,
        "coverage": 0.6,
        "customisation": 0.4,
        "cost": 1.0,
    }
    assert y.total == pytest.approx(40 + 5 + 12 + 4 + 10)  # 71
    assert (x.rank, y.rank) == (1, 2)
    assert [r.skill.slug for r in x.skills_missing] == ["k8s"]


def test_decision_recorded_and_closes_the_evaluation(evaluation, make_user):
    ev = evaluation["ev"]
    x = ev.candidates.get(supplier__slug="x")
    with pytest.raises(ValidationError):
        services.evaluation_decide(actor=evaluation["gov"], evaluation=ev, candidate=x, rationale="  ")
    with pytest.raises(PermissionDenied):
        services.evaluation_decide(
            actor=make_user("service_owner"), evaluation=ev, candidate=x, rationale="ok"
        )
    ev = services.evaluation_decide(
        actor=evaluation["gov"], evaluation=ev, candidate=x, rationale="Best fit, 24×7"
    )
    assert (ev.status, ev.chosen, ev.decided_by) == ("decided", x, evaluation["gov"])
    with pytest.raises(ValidationError):
        services.candidate_add(
            actor=evaluation["gov"], evaluation=ev, supplier=SupplierFactory(), annual_cost=1
        )


def test_bad_evaluation_input(evaluation):
    gov = evaluation["gov"]
    for bad in (
        {"weights": {"capability": 10}},
        {"weights": {k: 0 for k in ["capability", "response", "coverage", "customisation", "cost"]}},
        {"required_response": {"P7": 10}},
        {"required_response": {"P1": -5}},
    ):
        with pytest.raises(ValidationError):
            services.evaluation_create(actor=gov, name=f"bad {bad}", **bad)
    with pytest.raises(ValidationError):
        services.candidate_add(
            actor=gov,
            evaluation=evaluation["ev"],
            supplier=evaluation["ev"].candidates.first().supplier,
            annual_cost=1,
        )


def test_demonstrated_response_from_real_tickets(make_user):
    from bimodal.suppliers.tests.factories import two_suppliers
    from bimodal.suppliers.tests.test_scorecards import _hand_example

    w = two_suppliers(make_user)
    _hand_example(w)
    # P4 response clocks of the last year: 99, 600, 1200, 1800, 4200 s → median 1200 s = 20 min.
    assert services.demonstrated_response_times(w["a"]) == {"P4": 20}

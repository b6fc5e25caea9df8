"""The governance demo data: rights, boards, a held CAB meeting with minutes, decided and pending requests;
a second load creates nothing."""

import pytest

from bimodal.demo import governance as demo_governance
from bimodal.demo.tests.conftest import demo  # noqa: F401 — the module-scoped demo organisation
from bimodal.governance.models import DecisionRequest, DecisionRight, Forum, Meeting

pytestmark = pytest.mark.django_db


def test_demo_governance(demo):  # noqa: F811
    assert set(Forum.objects.values_list("slug", flat=True)) >= {
        "cab",
        "portfolio-board",
        "architecture-board",
    }
    assert DecisionRight.objects.filter(org_unit__isnull=True).count() == len(demo_governance.DEFAULT_RIGHTS)
    assert DecisionRight.objects.filter(org_unit__slug="digital-banking").count() == 4
    held = Meeting.objects.get(forum__slug="cab", status="held")
    assert held.quorum_met and held.minutes.startswith(demo_governance.CAB_MINUTES_MARK)
    assert held.agenda_items.filter(decision_request__isnull=False, outcome="approved").exists()
    mine = DecisionRequest.objects.filter(title__in=[spec["title"] for spec in demo_governance.REQUESTS])
    decided = mine.exclude(status="pending")
    assert decided.count() == 2 and all(r.decided_by_id != r.requested_by_id for r in decided)
    assert all(
        r.decided_by_id != r.requested_by_id for r in DecisionRequest.objects.exclude(status="pending")
    )
    pending = {r.title: r for r in mine.filter(status="pending")}
    assert len(pending) == 2
    # The reclassification is a proposal of the portfolio, on the architecture board's agenda.
    fraud = DecisionRequest.objects.get(title__startswith="Reclassify Fraud Detection", status="pending")
    assert fraud.forum.slug == "architecture-board" and fraud.subject.service.slug == "fraud-detection"
    demand = pending["Instant card freeze in the mobile app"]
    assert [(s["kind"], s["ref"], s["raci"]) for s in demand.steps] == [("team", "mobile-banking-squad", "A")]
    storage = pending["Buy a second data-centre storage array"]
    assert storage.forum.slug == "portfolio-board" and storage.step_count == 2


def test_second_load_creates_nothing(demo):  # noqa: F811
    from bimodal.core.models import User

    counts = demo_governance.load(actor=User.objects.get(username="admin"))
    assert sum(counts.values()) == 0


def test_no_two_demo_meetings_read_the_same(demo):  # noqa: F811
    """The portfolio board sits once last week for every demand and stage gate decided at it."""
    names = [str(m) for m in Meeting.objects.select_related("forum")]
    assert names and len(names) == len(set(names)), names
    board = Meeting.objects.get(forum__slug="portfolio-board")
    assert board.decisions.count() >= 2

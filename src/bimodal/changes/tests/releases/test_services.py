"""Release trains: generation (holidays, freezes, idempotency), hand edits, changes joining, and the flip
test — the release cadence changes what the gate and the engine decide."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from bimodal.changes import services
from bimodal.changes.models import Release
from bimodal.core.models import AuditEntry
from bimodal.governance import engine
from bimodal.governance.models import Policy
from bimodal.governance.profiles import profile_key
from bimodal.portfolio import services as portfolio_services
from bimodal.portfolio.tests.factories import mode

GOOD = {"tests_passed": True, "coverage": 85.0, "security_scan": "pass"}
# A Wednesday in March 2027 (GMT): the next quarterly release is Saturday 10 April 2027.
WEDNESDAY = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)
RELEASE_DAY = datetime(2027, 4, 10, 11, 0, tzinfo=UTC)  # 12:00 BST
_runs = iter(range(1, 10_000))


def flip(estate, key="mode-2", **profile):
    engine._cache.update(signature=None, snapshot=None)
    return portfolio_services.mode_update(actor=estate.admin, mode=mode(key), **profile)


@pytest.fixture
def gate(estate):
    token, _ = services.pipeline_token_create(actor=estate.admin, name="app ci", services=[estate.app])

    def call():
        answer, _ = services.gate_decide(
            token=token, service=estate.app, idempotency_key=f"r-{next(_runs)}", version="1", evidence=GOOD
        )
        return answer

    return call


def test_the_flip_cadence_decides_whether_a_deployment_off_the_train_needs_approval(estate, gate):
    with time_machine.travel(WEDNESDAY, tick=False):
        assert gate().outcome == "allow"  # on demand: deploy any day
        flip(estate, release_cadence="quarterly")
        assert [r.name for r in Release.objects.filter(mode=mode("mode-2"))][:2] == ["2027.Q2", "2027.Q3"]
        answer = gate()
        assert answer.outcome == "needs_approval"
        assert [a["role"] for a in answer.requirements["approvals"]] == ["change_manager"]
        assert any("release" in reason for reason in answer.reasons)
    with time_machine.travel(RELEASE_DAY, tick=False):
        answer = gate()
        assert answer.outcome == "allow"
        q2 = Release.objects.get(mode=mode("mode-2"), name="2027.Q2")
        assert answer.deployment.release == q2 and answer.change.release == q2
    with time_machine.travel(WEDNESDAY + timedelta(days=1), tick=False):
        flip(estate, release_cadence="on_demand")
        assert gate().outcome == "allow"
        # The generated releases still to come are cancelled with the cadence.
        assert set(Release.objects.filter(mode=mode("mode-2")).values_list("status", flat=True)) == {
            "cancelled"
        }


def test_the_policy_is_generated_from_the_cadence_and_routes_to_the_cab_for_a_cab_mode(estate):
    key = profile_key(mode("mode-1"), "release-train")
    policy = Policy.objects.get(key=key, is_current=True)  # the bimodal preset's Mode 1 is quarterly
    assert (
        policy.enabled
        and policy.approver_forum.slug == "cab"
        and policy.change_types == ["standard", "normal"]
    )
    assert not Policy.objects.filter(key=profile_key(mode("mode-2"), "release-train")).exists()
    flip(estate, "mode-1", release_cadence="on_demand")
    assert not Policy.objects.get(key=key, is_current=True).enabled


def test_generation_is_idempotent_audited_and_needs_a_release_manager(estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        created = services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=12)
        assert [(r.name, r.planned_date, r.cutoff_date) for r in created][:1] == [
            ("2027.Q2", date(2027, 4, 10), date(2027, 3, 27))
        ]
        assert len(created) == 4
        assert services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=12) == []
        assert services.release_train_generate(actor=estate.manager, mode=mode("mode-2")) == []  # on demand
        kind = ContentType.objects.get_for_model(Release)
        assert AuditEntry.objects.filter(content_type=kind, verb="release_create").count() == 4
        with pytest.raises(PermissionDenied):
            services.release_train_generate(actor=estate.dev, mode=mode("mode-1"))
        with pytest.raises(ValidationError):
            services.release_train_generate(actor=estate.manager, mode=mode("mode-1"), months=40)


def test_a_moved_or_cancelled_release_is_not_generated_again(estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        q2, *_ = services.release_train_generate(actor=estate.manager, mode=mode("mode-1"))
        services.release_update(
            actor=estate.manager, release=q2, planned_date=date(2027, 4, 17), reason="Easter"
        )
        q3 = Release.objects.get(name="2027.Q3")
        services.release_transition(actor=estate.manager, release=q3, status="cancelled", reason="merger")
        assert services.release_train_generate(actor=estate.manager, mode=mode("mode-1")) == []
        q2.refresh_from_db()
        assert q2.planned_date == date(2027, 4, 17)
        with pytest.raises(ValidationError):
            services.release_transition(actor=estate.manager, release=q3, status="released")
        with pytest.raises(PermissionDenied):
            services.release_update(actor=estate.dev, release=q2, notes="mine")


def test_a_freeze_moves_a_generated_release_past_it(estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        start = datetime(2027, 4, 9, 18, 0, tzinfo=UTC)
        services.window_create(
            actor=estate.admin,
            name="Year-end",
            kind="freeze",
            start=start,
            end=start + timedelta(days=2),
            modes=[mode("mode-1")],
        )
        q2 = services.release_train_generate(actor=estate.manager, mode=mode("mode-1"))[0]
        assert (q2.name, q2.planned_date) == ("2027.Q2", date(2027, 4, 12))


@override_settings(BIMODAL_HOLIDAY_COUNTRY="US", BIMODAL_HOLIDAY_SUBDIVISION="")
def test_a_public_holiday_moves_a_release_to_the_next_day(estate):
    # Veterans Day, Saturday 11 November 2028, is the second Saturday of the month.
    # The cadence change generates the train from today, so it happens on the travelled day: on a real day
    # less than a year before November 2028 the train would already hold 2028.11.
    with time_machine.travel(datetime(2028, 10, 20, 12, tzinfo=UTC), tick=False):
        flip(estate, "mode-2", release_cadence="monthly")
        trains = Release.objects.filter(mode=mode("mode-2"), planned_date__lt=date(2029, 1, 1))
        assert [(r.name, r.planned_date) for r in trains.order_by("planned_date")] == [
            ("2028.11", date(2028, 11, 12)),
            ("2028.12", date(2028, 12, 9)),
        ]
        assert services.release_train_generate(actor=estate.manager, mode=mode("mode-2"), months=2) == []


def test_a_change_joins_the_next_open_release_or_the_one_chosen(estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        q2, q3, *_ = services.release_train_generate(actor=estate.manager, mode=mode("mode-1"))
        slot = datetime(2027, 5, 1, 9, tzinfo=UTC)
        change = services.change_create(
            actor=estate.owner,
            title="Patch",
            services=[estate.core],
            planned_start=slot,
            planned_end=slot + timedelta(hours=1),
        )
        assert change.release == q3
        change = services.change_update(actor=estate.owner, change=change, release=q2)
        assert change.release == q2
        assert services.change_create(actor=estate.dev, title="App", services=[estate.app]).release is None
        services.release_transition(actor=estate.manager, release=q3, status="frozen")
        with pytest.raises(ValidationError) as refused:
            services.change_update(actor=estate.owner, change=change, release=q3)
        assert "release" in refused.value.message_dict
        with pytest.raises(ValidationError):
            services.change_create(actor=estate.dev, title="App", services=[estate.app], release=q2)


def test_a_normal_change_on_a_release_date_needs_only_the_cab_route(estate):
    with time_machine.travel(WEDNESDAY, tick=False):
        services.release_train_generate(actor=estate.manager, mode=mode("mode-1"))
        plans = dict(implementation_plan="a", backout_plan="b", test_plan="c")
        on = datetime(2027, 4, 10, 20, tzinfo=UTC)
        off = datetime(2027, 4, 14, 20, tzinfo=UTC)
        decided = {}
        for label, start in (("on", on), ("off", off)):
            change = services.change_create(
                actor=estate.owner,
                title=label,
                services=[estate.core],
                planned_start=start,
                planned_end=start + timedelta(hours=2),
                **plans,
            )
            change = services.change_submit(actor=estate.owner, change=change)
            change = services.change_assess(actor=estate.manager, change=change)
            decided[label] = [a["policy"] for a in change.decision["approvals"]]
            assert change.approvals_required == 2  # the same CAB votes meet both rules
        assert profile_key(mode("mode-1"), "release-train") in decided["off"]
        assert profile_key(mode("mode-1"), "release-train") not in decided["on"]

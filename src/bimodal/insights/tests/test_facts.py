"""The DORA facts (first deployment of each commit, deployment of each incident) kept by
dora_facts_refresh: the figures read from them equal the ones derived directly from the records, after
every kind of change the refresh has to notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.insights.metrics import dora, sql
from bimodal.insights.metrics.scope import Scope
from bimodal.insights.models import CommitLead, IncidentAttribution
from bimodal.insights.services import dora_facts_refresh
from bimodal.insights.tests.factories import DeploymentFactory, RepositoryFactory, TicketFactory, at, commit
from bimodal.portfolio.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
SCOPE = Scope(start=at(5), end=at(26))


def _plain(value):
    """Values as both paths return them on every database (SQLite gives MIN() of a datetime as text)."""
    if isinstance(value, datetime):
        return str(value.replace(tzinfo=None))
    return round(value, 3) if isinstance(value, float) else value


def _rows(query: tuple[str, list], key: str) -> list[dict]:
    return sorted(
        ({k: _plain(v) for k, v in r.items()} for r in sql.fetch(*query)),
        key=lambda r: (r[key], r["service_id"]),
    )


def _same_as_direct(scope: Scope = SCOPE) -> None:
    dora.refresh()
    for build, key in ((dora.lead_time_rows, "commit_id"), (dora.failure_rows, "deployment_id")):
        assert _rows(build(scope), key) == _rows(build(scope, direct=True), key)


def test_attribution_follows_late_deployments_status_changes_and_moved_incidents():
    service, other = ServiceFactory(), ServiceFactory()
    d1 = DeploymentFactory(service=service, finished_at=at(6, 10))
    incident = TicketFactory(service=service, opened_at=at(8, 9))
    _same_as_direct()
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id == d1.pk
    # A deployment reported late, finished between d1 and the incident: the incident is its.
    d2 = DeploymentFactory(service=service, finished_at=at(7, 10))
    _same_as_direct()
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id == d2.pk
    # d2 turns out to have failed: back to d1 (and d2 is failed by itself).
    d2.status = "failed"
    d2.save()
    _same_as_direct()
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id == d1.pk
    # The incident moves to another service with no deployment: attributed to nothing.
    incident.service = other
    incident.save()
    _same_as_direct()
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id is None
    assert dora.change_failure_rate(SCOPE)[0].extra["with_incidents"] == 0


def test_lead_time_follows_new_links_and_deployments_that_fail_afterwards():
    repo = RepositoryFactory()
    first = DeploymentFactory(service=repo.service, finished_at=at(10, 12))
    row = commit(repo, at(10, 8), first)
    _same_as_direct()
    assert CommitLead.objects.get(commit=row).lead_seconds == pytest.approx(4 * 3600)
    # Linked later to an earlier deployment: the lead time now ends there.
    earlier = DeploymentFactory(service=repo.service, finished_at=at(10, 9))
    commit_link = type(row).deployment_commits.rel.related_model
    commit_link.objects.create(deployment=earlier, commit=row)
    _same_as_direct()
    assert CommitLead.objects.get(commit=row).lead_seconds == pytest.approx(3600)
    # That deployment is marked failed: back to the first one.
    earlier.status = "failed"
    earlier.save()
    _same_as_direct()
    assert CommitLead.objects.get(commit=row).lead_seconds == pytest.approx(4 * 3600)
    assert dora.lead_time(SCOPE)[0].value == pytest.approx(4 * 3600)


def test_a_refresh_with_nothing_changed_rewrites_nothing():
    DeploymentFactory(finished_at=at(6))
    assert dora_facts_refresh(full=True) == {"commits": 0, "incidents": 0}
    TicketFactory(opened_at=at(7))
    assert dora_facts_refresh()["incidents"] == 1


class _Rollback(Exception):
    pass


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    deployments=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.integers(-48, 22 * 24),
            st.sampled_from(["succeeded", "succeeded", "failed"]),
        ),
        min_size=1,
        max_size=8,
    ),
    incidents=st.lists(st.tuples(st.integers(0, 1), st.integers(-48, 22 * 24), st.booleans()), max_size=6),
    late=st.integers(-48, 22 * 24),
)
def test_facts_equal_the_direct_figures(deployments, incidents, late):
    try:
        with transaction.atomic():
            repos = [RepositoryFactory(), RepositoryFactory()]
            made = []
            for i, (s, hours, status) in enumerate(deployments):
                d = DeploymentFactory(
                    service=repos[s].service, status=status, finished_at=at(5) + timedelta(hours=hours)
                )
                made.append(d)
                commit(repos[s], d.finished_at - timedelta(hours=i + 1), *{d, *made[:1]})
            for s, hours, resolved in incidents:
                opened = at(5) + timedelta(hours=hours, minutes=30)
                TicketFactory(
                    service=repos[s].service,
                    opened_at=opened,
                    status="resolved" if resolved else "new",
                    resolved_at=opened + timedelta(hours=3) if resolved else None,
                )
            _same_as_direct()
            DeploymentFactory(service=repos[0].service, finished_at=at(5) + timedelta(hours=late))
            _same_as_direct()
            assert dora.compute(SCOPE) == _direct_compute(SCOPE)
            raise _Rollback
    except _Rollback:
        pass


def _direct_compute(scope: Scope) -> dict:
    saved = (dora.lead_time_rows, dora.failure_rows)
    try:
        dora.lead_time_rows = lambda s: saved[0](s, direct=True)
        dora.failure_rows = lambda s: saved[1](s, direct=True)
        return dora.compute(scope)
    finally:
        dora.lead_time_rows, dora.failure_rows = saved


def test_backfill_command_rebuilds_the_facts():
    from django.core.management import call_command

    repo = RepositoryFactory()
    deployment = DeploymentFactory(service=repo.service, finished_at=at(10, 12))
    commit(repo, at(10, 8), deployment)
    incident = TicketFactory(service=repo.service, opened_at=at(11))
    call_command("insights_backfill", verbosity=0)
    assert CommitLead.objects.count() == 1
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id == deployment.pk


@pytest.mark.django_db(transaction=True)
def test_parts_run_side_by_side_give_the_figures_they_give_in_turn(settings):
    """Outside a transaction (committed data) PostgreSQL runs the parts on their own connections."""
    from bimodal.insights.choices import ValueStream
    from bimodal.insights.metrics import valuestream
    from bimodal.insights.services import transition_record_bulk

    repo = RepositoryFactory()
    for day in (6, 7, 9):
        d = DeploymentFactory(service=repo.service, finished_at=at(day, 12))
        commit(repo, at(day, 8), d)
    TicketFactory(service=repo.service, opened_at=at(7, 14), status="resolved", resolved_at=at(7, 18))
    transition_record_bulk(
        [
            {
                "stream": "ticket",
                "object_id": 1,
                "reference": "INC1",
                "service_id": repo.service_id,
                "kind": "incident",
                "from_state": a,
                "to_state": b,
                "at": when,
                "party": p,
            }
            for a, b, when, p in (("", "new", at(7, 9), "Desk"), ("new", "resolved", at(7, 11), "Ops"))
        ]
    )
    settings.INSIGHTS_PARALLEL_QUERIES = 2
    together = (dora.compute(SCOPE), valuestream.heatmap(ValueStream.DETECT_TO_CORRECT, SCOPE))
    settings.INSIGHTS_PARALLEL_QUERIES = 1
    in_turn = (dora.compute(SCOPE), valuestream.heatmap(ValueStream.DETECT_TO_CORRECT, SCOPE))
    assert together == in_turn
    assert together[0][0]["lead_time"].value == pytest.approx(4 * 3600)
    assert together[1]["steps"][0]["p50_wall"] == pytest.approx(2 * 3600)


def test_party_handoffs_from_next_links_equal_the_window_over_the_log():
    """Transitions written one by one (live) and in bulk link their predecessor; the hand-off figures
    read from those links equal the ones a window over the log derives, and the backfill SQL agrees."""
    from bimodal.insights.choices import ValueStream
    from bimodal.insights.metrics import valuestream
    from bimodal.insights.models import Transition
    from bimodal.insights.services import transition_next_backfill, transition_record

    service = ServiceFactory()
    moves = [
        ("", "new", at(5, 9), "Desk"),
        ("new", "in_progress", at(5, 10), "Desk"),
        ("in_progress", "awaiting_supplier", at(5, 11), "Atlas"),
        ("awaiting_supplier", "in_progress", at(6, 15), "Desk"),
        ("in_progress", "resolved", at(7, 9), "Ops"),
    ]
    for cut in (5, 4, 3):
        ticket = TicketFactory(service=service, opened_at=at(5, 9))
        for a, b, when, party in moves[:cut]:
            transition_record(
                stream="ticket", obj=ticket, from_state=a, to_state=b, at=when, party=party,
                service_id=service.pk, kind="incident", first=not a,
            )  # fmt: skip
    # Ending on the 7th, the first ticket's return to the desk waits for a next step outside the period.
    for end, expected in ((7, {("Desk", "Atlas", 2)}), (8, {("Desk", "Atlas", 2), ("Atlas", "Desk", 1)})):
        scope = Scope(start=at(5), end=at(end))
        stored = valuestream.heatmap(ValueStream.DETECT_TO_CORRECT, scope)
        assert stored == valuestream.heatmap(ValueStream.DETECT_TO_CORRECT, scope, direct=True)
        assert {(h["source"], h["target"], h["count"]) for h in stored["handoffs"]} == expected
    links = list(Transition.objects.order_by("id").values_list("next_at", "next_wall_seconds"))
    Transition.objects.update(next_at=None, next_wall_seconds=None, next_business_seconds=None)
    assert transition_next_backfill() == 9  # 12 transitions, 3 of them last
    assert list(Transition.objects.order_by("id").values_list("next_at", "next_wall_seconds")) == links


@pytest.fixture
def traveller():
    """A stopped clock (1 Feb 2026 09:00 UTC) the test moves on past the refresh's one-minute overlap."""
    with time_machine.travel(datetime(2026, 2, 1, 9, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def test_a_deployment_re_reported_with_a_later_finish_lets_go_of_the_incidents_before_it(traveller):
    """Reported defect: d finished 10:00, an incident opened at 11:00 was d's; d re-reported as finished
    at 12:00 kept the incident (change failure rate 1 of 2 instead of 2 of 2, recovery −1 h)."""
    service = ServiceFactory()
    earlier = DeploymentFactory(service=service, finished_at=at(6, 8))
    late = DeploymentFactory(service=service, finished_at=at(6, 10))
    incident = TicketFactory(service=service, opened_at=at(6, 11), status="resolved", resolved_at=at(6, 11.5))
    traveller.shift(timedelta(minutes=5))
    dora.refresh()
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id == late.pk
    traveller.shift(timedelta(minutes=5))  # past the refresh's overlap: only the re-report is new
    late.finished_at = at(6, 12)
    late.save()
    _same_as_direct()
    # Now the incident (11:00) comes after `earlier` (08:00) only: earlier failed, recovered in 3.5 h.
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id == earlier.pk
    cfr, recovery = dora.change_failure_rate(SCOPE)[0], dora.recovery_time(SCOPE)[0]
    assert (cfr.extra["failed"], cfr.count) == (1, 2)
    assert recovery.value == pytest.approx(3.5 * 3600)


def test_a_deployment_moved_out_of_production_loses_its_commits_and_incidents(traveller):
    repo = RepositoryFactory()
    deployment = DeploymentFactory(service=repo.service, finished_at=at(6, 10))
    row = commit(repo, at(6, 8), deployment)
    incident = TicketFactory(service=repo.service, opened_at=at(6, 11))
    traveller.shift(timedelta(minutes=5))
    dora.refresh()
    traveller.shift(timedelta(minutes=5))
    deployment.environment = "staging"
    deployment.save()
    _same_as_direct()
    assert not CommitLead.objects.filter(commit=row).exists()
    assert IncidentAttribution.objects.get(ticket=incident).deployment_id is None


def _facts() -> tuple[list, list]:
    leads = sorted(CommitLead.objects.values_list("commit_id", "service_id", "deployed_at", "authored_at"))
    attributions = sorted(IncidentAttribution.objects.values_list("ticket_id", "deployment_id"))
    return leads, attributions


_EVENTS = st.lists(
    st.one_of(
        # a deployment of service 0 or 1, finished at hour h, with a status and a commit
        st.tuples(
            st.just("deploy"),
            st.integers(0, 1),
            st.integers(0, 200),
            st.sampled_from(["succeeded", "failed"]),
        ),
        # the i-th deployment re-reported: a new finish, status or environment
        st.tuples(
            st.just("re-report"),
            st.integers(0, 20),
            st.integers(0, 200),
            st.sampled_from(["succeeded", "succeeded", "failed", "rolled_back", "staging"]),
        ),
        st.tuples(st.just("incident"), st.integers(0, 1), st.integers(0, 200), st.just("")),
        # the i-th incident resolved h hours after it was opened, or moved to the other service
        st.tuples(st.just("resolve"), st.integers(0, 20), st.integers(0, 48), st.sampled_from(["", "move"])),
        st.tuples(st.just("refresh"), st.just(0), st.just(0), st.just("")),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_EVENTS)
def test_incremental_facts_equal_a_full_rebuild_after_any_sequence_of_events(events):
    """Whatever happens between refreshes — deployments, re-reports (later or earlier finish, another
    status, out of production), incidents, resolutions, incidents moved — the facts kept incrementally
    are the facts a full rebuild derives."""
    try:
        with (
            transaction.atomic(),
            time_machine.travel(datetime(2026, 2, 1, 9, tzinfo=UTC), tick=False) as traveller,
        ):
            repos = [RepositoryFactory(), RepositoryFactory()]
            deployments, incidents = [], []
            dora_facts_refresh(full=True)
            for kind, a, hours, extra in events:
                # Each event saved past the last refresh's overlap, so only what it changed is new.
                traveller.shift(timedelta(minutes=2))
                when = at(5) + timedelta(hours=hours)
                if kind == "deploy":
                    d = DeploymentFactory(service=repos[a].service, status=extra, finished_at=when)
                    commit(repos[a], when - timedelta(hours=len(deployments) + 1), d)
                    deployments.append(d)
                elif kind == "re-report" and deployments:
                    d = deployments[a % len(deployments)]
                    d.finished_at = when
                    if extra == "staging":
                        d.environment = "staging"
                    else:
                        d.status = extra
                    d.save()
                elif kind == "incident":
                    incidents.append(
                        TicketFactory(service=repos[a].service, opened_at=when + timedelta(minutes=30))
                    )
                elif kind == "resolve" and incidents:
                    t = incidents[a % len(incidents)]
                    if extra == "move":
                        t.service = (
                            repos[1].service if t.service_id == repos[0].service_id else repos[0].service
                        )
                    else:
                        t.status, t.resolved_at = "resolved", t.opened_at + timedelta(hours=hours)
                    t.save()
                elif kind == "refresh":
                    dora_facts_refresh()
            dora_facts_refresh()
            kept = _facts()
            dora_facts_refresh(full=True)
            assert kept == _facts()
            raise _Rollback
    except _Rollback:
        pass

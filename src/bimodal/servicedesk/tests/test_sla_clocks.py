"""SLA clocks on tickets: start, pause and resume over weekends and holidays, stop, cancel, the periodic
check, breaches and escalations (times are given to the services, so nothing depends on the day)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bimodal.core.calendars import business_seconds_between
from bimodal.core.models import AuditEntry
from bimodal.portfolio.tests.factories import mode
from bimodal.servicedesk import services as sd
from bimodal.servicedesk import sla
from bimodal.servicedesk.models import (
    SlaDefinition,
    SlaEscalation,
    SlaInstance,
    SlaPause,
    Ticket,
    TicketHandoff,
)
from bimodal.servicedesk.tests.factories import (
    CatalogueItemFactory,
    ScheduleFactory,
    SlaDefinitionFactory,
    world,
)

LONDON = ZoneInfo("Europe/London")
H = 3600
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def w(make_user):
    return world(make_user)


def incident(w, opened, **kw):
    fields = {"impact": 2, "urgency": 2, "assignment_group": w["desk"], **kw}
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Broken",
        service=w["service"],
        opened_at=opened,
        **fields,
    )


def move(w, ticket, status, now, **kw):
    return sd.ticket_transition(actor=w["agent"], ticket=ticket, status=status, now=now, **kw)


def test_two_pauses_bank_the_time_between_them(w):
    SlaDefinitionFactory(target_seconds=8 * H)
    ticket = incident(w, at(2025, 3, 4, 9))
    ticket = move(w, ticket, "in_progress", at(2025, 3, 4, 9, 30))
    ticket = move(w, ticket, "awaiting_customer", at(2025, 3, 4, 10))  # 1 h
    ticket = move(w, ticket, "in_progress", at(2025, 3, 4, 14))
    ticket = move(w, ticket, "awaiting_customer", at(2025, 3, 4, 15))  # + 1 h
    clock = ticket.sla_instances.get()
    assert (clock.state, clock.elapsed_seconds, clock.due_at) == ("paused", 2 * H, None)
    pauses = list(SlaPause.objects.filter(instance=clock).values_list("started_at", "ended_at", "reason"))
    assert pauses == [
        (at(2025, 3, 4, 10), at(2025, 3, 4, 14), "awaiting_customer"),
        (at(2025, 3, 4, 15), None, "awaiting_customer"),
    ]


def test_a_pause_over_the_weekend_moves_the_due_time(w):
    SlaDefinitionFactory(target_seconds=8 * H)
    ticket = incident(w, at(2025, 3, 7, 9))  # Friday
    ticket = move(w, ticket, "awaiting_customer", at(2025, 3, 7, 12))  # 3 h used
    ticket = move(w, ticket, "in_progress", at(2025, 3, 10, 11))  # Monday 11:00, 5 h left
    clock = ticket.sla_instances.get()
    assert (clock.state, clock.running_since, clock.due_at) == (
        "running",
        at(2025, 3, 10, 11),
        at(2025, 3, 10, 16),
    )


def test_a_pause_over_the_easter_holidays(w):
    SlaDefinitionFactory(target_seconds=8 * H)
    ticket = incident(w, at(2025, 4, 17, 9))  # Thursday before Good Friday
    ticket = move(w, ticket, "awaiting_customer", at(2025, 4, 17, 11))
    # Resumed on Easter Monday (a bank holiday): the clock runs again only on Tuesday at 09:00.
    ticket = move(w, ticket, "in_progress", at(2025, 4, 21, 10))
    clock = ticket.sla_instances.get()
    assert clock.due_at == at(2025, 4, 22, 15)


def test_resolving_in_time_meets_the_clock(w):
    SlaDefinitionFactory(target_seconds=16 * H)
    ticket = incident(w, at(2025, 3, 4, 9))
    ticket = move(w, ticket, "in_progress", at(2025, 3, 4, 10))
    ticket = move(w, ticket, "resolved", at(2025, 3, 5, 10), resolution="Rebooted")
    clock = ticket.sla_instances.get()
    # Tuesday 09:00-17:00 and Wednesday 09:00-10:00.
    assert (clock.state, clock.elapsed_seconds, clock.stopped_at) == ("met", 9 * H, at(2025, 3, 5, 10))


def test_cancelling_cancels_the_clocks_and_reopening_does_not_restart_them(w):
    SlaDefinitionFactory(target_seconds=8 * H)
    SlaDefinitionFactory(target="response", target_seconds=H, name="response")
    ticket = incident(w, at(2025, 3, 4, 9))
    ticket = move(w, ticket, "cancelled", at(2025, 3, 4, 9, 20))
    states = dict(ticket.sla_instances.values_list("target", "state"))
    assert states == {"response": "cancelled", "resolution": "cancelled"}
    assert not ticket.events.filter(kind="sla").exists()  # a cancelled clock is not reported met


def test_response_pauses_while_awaiting_the_customer_before_pickup(w):
    SlaDefinitionFactory(target="response", target_seconds=2 * H, name="response")
    ticket = incident(w, at(2025, 3, 4, 9))
    ticket = move(w, ticket, "awaiting_customer", at(2025, 3, 4, 10))
    clock = ticket.sla_instances.get()
    # Awaiting the customer is a response: the clock stops met after one hour.
    assert (clock.state, clock.elapsed_seconds) == ("met", H)


def test_awaiting_a_supplier_does_not_pause_unless_the_definition_says_so(w):
    SlaDefinitionFactory(target_seconds=8 * H, name="runs")
    SlaDefinitionFactory(
        target_seconds=8 * H, name="pauses", priority="P3", pause_statuses=["awaiting_supplier"]
    )
    ticket = incident(w, at(2025, 3, 4, 9))
    ticket = move(w, ticket, "in_progress", at(2025, 3, 4, 10))
    ticket = move(w, ticket, "awaiting_supplier", at(2025, 3, 4, 11))
    clock = ticket.sla_instances.get()
    assert clock.definition.name == "pauses" and clock.state == "paused"
    other = incident(w, at(2025, 3, 4, 9), impact=3, urgency=3)  # P4: only "runs" matches
    other = move(w, other, "in_progress", at(2025, 3, 4, 10))
    other = move(w, other, "awaiting_supplier", at(2025, 3, 4, 11))
    clock = other.sla_instances.get()
    assert clock.definition.name == "runs" and clock.state == "running"


def test_inactive_definitions_and_other_modes_do_not_match(w):
    SlaDefinitionFactory(name="inactive", active=False)
    SlaDefinitionFactory(name="mode 2 only", mode=mode("mode-2"))
    assert not incident(w, at(2025, 3, 4, 9)).sla_instances.exists()
    SlaDefinitionFactory(name="mode 1 only", mode=mode("mode-1"))
    assert incident(w, at(2025, 3, 4, 9)).sla_instances.get().definition.name == "mode 1 only"


def test_a_catalogue_item_definition_times_its_requests(w):
    item = CatalogueItemFactory(form_schema=[], task_templates=[])
    SlaDefinitionFactory(name="any request", ticket_type="request")
    SlaDefinitionFactory(name="this item", ticket_type="request", catalogue_item=item)
    ticket = sd.request_submit(actor=w["requester"], item=item, data={}, opened_at=at(2025, 3, 4, 9))
    assert ticket.sla_instances.get().definition.name == "this item"


def test_a_request_awaiting_approval_starts_paused(w, make_user):
    manager = make_user("requester", username="manager")
    w["requester"].manager = manager
    w["requester"].save()
    item = CatalogueItemFactory(form_schema=[], requires_approval=True, approver="manager")
    SlaDefinitionFactory(ticket_type="request", pause_statuses=["awaiting_approval"])
    ticket = sd.request_submit(actor=w["requester"], item=item, data={}, opened_at=at(2025, 3, 4, 9))
    clock = ticket.sla_instances.get()
    assert (clock.state, clock.elapsed_seconds) == ("paused", 0)
    ticket = sd.request_decide(actor=manager, ticket=ticket, approve=True, now=at(2025, 3, 5, 10))
    clock.refresh_from_db()
    assert (clock.state, clock.due_at) == ("running", at(2025, 3, 6, 10))


def test_the_check_marks_a_breach_at_the_due_time(w):
    SlaDefinitionFactory(target_seconds=2 * H, warning_thresholds=[])
    ticket = incident(w, at(2025, 3, 4, 9), assignee=w["agent"])
    assert sd.sla_check(now=at(2025, 3, 4, 10)) == {"running": 1, "breached": 0, "escalations": 0}
    assert sd.sla_check(now=at(2025, 3, 4, 16)) == {"running": 1, "breached": 1, "escalations": 1}
    clock = ticket.sla_instances.get()
    assert (clock.state, clock.breached_at, clock.computed_elapsed) == ("breached", at(2025, 3, 4, 11), 7 * H)
    assert AuditEntry.objects.filter(verb="sla_escalate").count() == 1


def test_the_check_leaves_paused_and_stopped_clocks_alone(w):
    SlaDefinitionFactory(target_seconds=H)
    paused = move(w, incident(w, at(2025, 3, 4, 9)), "awaiting_customer", at(2025, 3, 4, 9, 30))
    resolved = move(w, incident(w, at(2025, 3, 4, 9)), "resolved", at(2025, 3, 4, 9, 45), resolution="ok")
    assert sd.sla_check(now=at(2025, 3, 6, 9)) == {"running": 0, "breached": 0, "escalations": 0}
    assert paused.sla_instances.get().state == "paused"
    assert resolved.sla_instances.get().state == "met"


def test_breach_escalates_an_unassigned_ticket_to_the_escalation_team(w):
    SlaDefinitionFactory(target_seconds=H, warning_thresholds=[], escalation_team=w["other"])
    ticket = incident(w, at(2025, 3, 4, 9))
    sd.sla_check(now=at(2025, 3, 4, 11))
    ticket.refresh_from_db()
    assert ticket.assignment_group == w["other"]
    handoff = TicketHandoff.objects.filter(ticket=ticket).order_by("at", "id").last()
    assert (handoff.from_team, handoff.to_team, handoff.reason) == (
        w["desk"],
        w["other"],
        "SLA breach escalation",
    )


def test_breach_leaves_an_assigned_ticket_with_its_assignee(w):
    SlaDefinitionFactory(target_seconds=H, warning_thresholds=[], escalation_team=w["other"])
    ticket = incident(w, at(2025, 3, 4, 9), assignee=w["agent"])
    sd.sla_check(now=at(2025, 3, 4, 11))
    ticket.refresh_from_db()
    assert (ticket.assignment_group, ticket.assignee) == (w["desk"], w["agent"])
    assert SlaEscalation.objects.get().recipients == sorted({"agent", "otheragent"})


def test_priority_is_raised_at_most_to_p1(w):
    SlaDefinitionFactory(
        target_seconds=H, warning_thresholds=[], raise_priority_on_breach=True, ticket_type=""
    )
    ticket = incident(w, at(2025, 3, 4, 9), impact=1, urgency=1)
    assert ticket.priority == "P1"
    sd.sla_check(now=at(2025, 3, 4, 11))
    assert Ticket.objects.get(pk=ticket.pk).priority == "P1"


def test_a_clock_follows_a_schedule_with_working_hours_on_sunday(w):
    weekend = ScheduleFactory(
        slug="weekend-desk", hours={"sat": [["10:00", "16:00"]], "sun": [["10:00", "16:00"]]}, country=""
    )
    SlaDefinitionFactory(target_seconds=8 * H, schedule=weekend)
    # Opened on Saturday 29 March 2025 at 12:00: 4 h on Saturday, then Sunday 30 March (the clocks go
    # forward overnight) from 10:00 BST.
    ticket = incident(w, at(2025, 3, 29, 12))
    assert ticket.sla_instances.get().due_at == at(2025, 3, 30, 14)


def test_clock_started_now_when_no_time_is_given(w):
    SlaDefinitionFactory(target_seconds=2 * H)
    with time_machine.travel(at(2025, 6, 3, 9, 15), tick=False):
        ticket = sd.ticket_create(
            actor=w["agent"], ticket_type="incident", title="Now", service=w["service"], impact=2, urgency=2
        )
    clock = SlaInstance.objects.get(ticket=ticket)
    assert (clock.started_at, clock.due_at) == (at(2025, 6, 3, 9, 15), at(2025, 6, 3, 11, 15))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.integers(min_value=1, max_value=60 * 24 * 4), min_size=1, max_size=6))
def test_only_the_running_spans_count(w, gaps):
    """Whatever the pauses, a clock's elapsed time is the business time of the spans it ran."""
    definition, _ = SlaDefinition.objects.get_or_create(
        name="property",
        defaults={
            "target": "resolution",
            "target_seconds": 1000 * H,
            "schedule": ScheduleFactory(),
            "pause_statuses": ["awaiting_customer"],
        },
    )
    schedule = definition.schedule.as_schedule()
    start = at(2025, 3, 27, 9)  # the clocks go forward three days later
    ticket = incident(w, start)
    times = [start]
    for gap in gaps:
        times.append(times[-1] + timedelta(minutes=gap))
    for n, moment in enumerate(times[1:]):
        ticket = move(w, ticket, "awaiting_customer" if n % 2 == 0 else "in_progress", moment)
    end = times[-1] + timedelta(days=2)
    running = list(zip(times[0::2], [*times[1::2], end], strict=False))
    expected = sum(business_seconds_between(schedule, a, b) for a, b in running)
    clock = ticket.sla_instances.get(definition=definition)
    assert sla.elapsed_seconds(clock, end) == pytest.approx(expected)
    assert clock.state == ("paused" if len(gaps) % 2 else "running")


def test_a_breach_raises_the_priority_once_and_re_targets_the_clocks(w):
    """Reported: after a breach the header said P3 while the clocks still said "P4 resolution", and the
    raise was logged twice (both clocks breached in one check, each raising from a stale ticket).

    P3 targets: response 1 h, resolution 2 h (both raise on breach); P2: response 30 min, resolution 4 h.
    Opened Tue 4 Mar 2025 09:00 (office hours); at 11:30 both P3 clocks are 2.5 h in, both breached.
    One raise, P3 → P2. The response clock (2.5 h of 30 min) stays breached and, breached already on its
    new target, does not escalate again; the resolution clock (2.5 h of 4 h) runs again, due 13:00, and
    breaches at 13:00 on its P2 target: raised to P1 then.
    """
    common = {"warning_thresholds": [], "raise_priority_on_breach": True}
    SlaDefinitionFactory(name="P3 response", target="response", priority="P3", target_seconds=H, **common)
    SlaDefinitionFactory(name="P3 resolution", priority="P3", target_seconds=2 * H, **common)
    SlaDefinitionFactory(
        name="P2 response", target="response", priority="P2", target_seconds=H // 2, **common
    )
    SlaDefinitionFactory(name="P2 resolution", priority="P2", target_seconds=4 * H, **common)
    ticket = incident(w, at(2025, 3, 4, 9))
    assert ticket.priority == "P3"
    assert sd.sla_check(now=at(2025, 3, 4, 11, 30))["escalations"] == 2
    ticket.refresh_from_db()
    assert ticket.priority == "P2"
    raises = ticket.events.filter(kind="priority").values_list("text", flat=True)
    assert list(raises) == ["Priority P3 → P2 on breach"]
    clocks = {c.target: c for c in ticket.sla_instances.select_related("definition")}
    response, resolution = clocks["response"], clocks["resolution"]
    assert (response.definition.name, response.state) == ("P2 response", "breached")
    assert (resolution.definition.name, resolution.state, resolution.breached_at) == (
        "P2 resolution",
        "running",
        None,
    )
    assert resolution.elapsed_seconds == 2.5 * H and resolution.due_at == at(2025, 3, 4, 13)
    # The next check: nothing new until 13:00, then the resolution breach on its P2 target.
    assert sd.sla_check(now=at(2025, 3, 4, 12, 30))["escalations"] == 0
    assert sd.sla_check(now=at(2025, 3, 4, 13, 5))["escalations"] == 1
    ticket.refresh_from_db()
    assert ticket.priority == "P1"
    assert list(ticket.events.filter(kind="priority").values_list("text", flat=True)) == [
        "Priority P3 → P2 on breach",
        "Priority P2 → P1 on breach",
    ]


def test_the_check_across_easter_and_the_clocks_going_forward(w):
    """Hand-checked: opened Thursday 28 March 2024 15:00 GMT; Good Friday, the weekend (clocks forward on
    Sunday 31 March) and Easter Monday do not count; Tuesday 2 April from 09:00 BST does. 2 h + 2.5 h."""
    SlaDefinitionFactory(target_seconds=4 * H, warning_thresholds=[])
    ticket = incident(w, at(2024, 3, 28, 15), assignee=w["agent"])
    with time_machine.travel(at(2024, 4, 2, 11, 30), tick=False):
        assert sd.sla_check() == {"running": 1, "breached": 1, "escalations": 1}
    clock = ticket.sla_instances.get()
    assert clock.computed_elapsed == 4.5 * H
    assert (clock.state, clock.breached_at, clock.computed_at) == (
        "breached",
        at(2024, 4, 2, 11),  # 2 h on Thursday, then 09:00-11:00 BST on Tuesday
        at(2024, 4, 2, 11, 30),
    )
    assert SlaEscalation.objects.get(instance=clock).threshold == 100


def _check_queries(now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = sd.sla_check(now=now)
    return result, len(queries)


def test_the_check_costs_the_same_queries_for_10_or_200_clocks(w):
    SlaDefinitionFactory(target_seconds=100 * H, warning_thresholds=[50, 75])
    tickets = [incident(w, at(2025, 3, 4, 9)) for _ in range(10)]
    ten, ten_queries = _check_queries(at(2025, 3, 4, 11))
    tickets += [incident(w, at(2025, 3, 4, 9)) for _ in range(190)]
    many, many_queries = _check_queries(at(2025, 3, 4, 12))
    assert (ten["running"], many["running"]) == (10, 200)
    assert ten_queries == many_queries <= 5
    assert set(SlaInstance.objects.values_list("computed_elapsed", flat=True)) == {3 * H}
    # Nothing elapsed after hours: no clock is written again.
    _check_queries(at(2025, 3, 4, 18))
    _, idle_queries = _check_queries(at(2025, 3, 4, 20))
    assert idle_queries == many_queries - 1
    assert set(SlaInstance.objects.values_list("computed_at", flat=True)) == {at(2025, 3, 4, 18)}


def test_the_check_writes_in_batches_and_skips_clocks_changed_since_read(w, monkeypatch):
    from bimodal.servicedesk.services import sla_clocks

    monkeypatch.setattr(sla_clocks, "CHECK_BATCH", 3)
    SlaDefinitionFactory(target_seconds=2 * H, warning_thresholds=[])
    tickets = [incident(w, at(2025, 3, 4, 9) + timedelta(minutes=10 * k)) for k in range(7)]
    late = incident(w, at(2025, 3, 4, 8))  # 2 h 5 m at 11:05: over its 2 h target
    tickets.append(late)
    read = sla_clocks._running_clocks
    # A request pauses one clock between the check's read and its write: the write leaves it alone.
    paused = tickets[0]

    def read_then_pause():
        rows = read()
        move(w, paused, "awaiting_customer", at(2025, 3, 4, 10))
        return rows

    monkeypatch.setattr(sla_clocks, "_running_clocks", read_then_pause)
    result = sd.sla_check(now=at(2025, 3, 4, 11, 5))
    assert result == {"running": 8, "breached": 1, "escalations": 1}
    clocks = {c.ticket_id: c for c in SlaInstance.objects.all()}
    assert (clocks[paused.pk].state, clocks[paused.pk].computed_elapsed) == ("paused", H)
    assert (clocks[late.pk].state, clocks[late.pk].breached_at) == ("breached", at(2025, 3, 4, 11))
    for k, ticket in enumerate(tickets[1:-1], start=1):
        clock = clocks[ticket.pk]
        assert clock.computed_elapsed == 2 * H + 5 * 60 - 10 * 60 * k
        assert clock.state == "running"


def _raised(clock):
    clock.refresh_from_db()
    thresholds = sorted(clock.escalations.values_list("threshold", flat=True))
    return clock.raised_threshold, thresholds


def test_a_clock_moved_past_its_new_target_breaches_at_the_next_check(w):
    """The check looks for escalations only above a clock's `raised_threshold`. A clock re-matched to a
    shorter target it has already run past counts the warnings as raised but not the breach: the next
    check raises the breach (once). P3 resolution 10 h (warn at 50 %), P1 resolution 2 h (50, 75 %)."""
    SlaDefinitionFactory(name="P3", priority="P3", target_seconds=10 * H, warning_thresholds=[50])
    SlaDefinitionFactory(name="P1", priority="P1", target_seconds=2 * H, warning_thresholds=[50, 75])
    ticket = incident(w, at(2025, 3, 4, 9), assignee=w["agent"])
    clock = ticket.sla_instances.get()
    assert sd.sla_check(now=at(2025, 3, 4, 12))["escalations"] == 0
    assert _raised(clock) == (0, [])
    assert sd.sla_check(now=at(2025, 3, 4, 15))["escalations"] == 1  # 6 h of 10 h
    assert _raised(clock) == (50, [50])
    sd.ticket_classify(actor=w["agent"], ticket=ticket, impact=1, urgency=1, now=at(2025, 3, 4, 15))
    assert _raised(clock) == (75, [50, 75])  # 6 h of 2 h: the warnings passed, the breach not raised
    # (the re-match already marked it breached; the check raises the breach it passed)
    assert sd.sla_check(now=at(2025, 3, 4, 15, 1)) == {"running": 1, "breached": 0, "escalations": 1}
    assert _raised(clock) == (100, [50, 75, 100])
    assert sd.sla_check(now=at(2025, 3, 4, 15, 2))["escalations"] == 0


def test_a_clock_moved_to_a_longer_target_warns_again_when_it_gets_there(w):
    """P1 resolution 2 h (50, 75 %) breached at 11:00; moved to P3's 10 h at 12:00 (3 h: 30 %), its
    escalations are withdrawn and its mark goes back to 0: the 50 % warning comes again at 14:00."""
    SlaDefinitionFactory(name="P1", priority="P1", target_seconds=2 * H, warning_thresholds=[50, 75])
    SlaDefinitionFactory(name="P3", priority="P3", target_seconds=10 * H, warning_thresholds=[50])
    ticket = incident(w, at(2025, 3, 4, 9), assignee=w["agent"], impact=1, urgency=1)
    clock = ticket.sla_instances.get()
    assert sd.sla_check(now=at(2025, 3, 4, 11, 30))["escalations"] == 3
    assert _raised(clock) == (100, [50, 75, 100])
    sd.ticket_classify(actor=w["agent"], ticket=ticket, impact=2, urgency=2, now=at(2025, 3, 4, 12))
    assert _raised(clock) == (0, [])
    assert sd.sla_check(now=at(2025, 3, 4, 13))["escalations"] == 0
    assert sd.sla_check(now=at(2025, 3, 4, 14))["escalations"] == 1
    assert _raised(clock) == (50, [50])


def test_a_mark_below_the_escalations_raised_costs_a_look_up_not_a_second_warning(w):
    """Escalations raised outside the check (or a check stopped before it moved the marks) leave the mark
    low: the check looks them up, raises nothing twice, raises a missing lower one, and moves the mark."""
    SlaDefinitionFactory(target_seconds=4 * H, warning_thresholds=[50, 75])
    ticket = incident(w, at(2025, 3, 4, 9), assignee=w["agent"])
    clock = ticket.sla_instances.get()
    SlaEscalation.objects.create(instance=clock, threshold=75, created_at=at(2025, 3, 4, 12))
    assert sd.sla_check(now=at(2025, 3, 4, 12, 30)) == {"running": 1, "breached": 0, "escalations": 1}
    assert _raised(clock) == (75, [50, 75])
    assert sd.sla_check(now=at(2025, 3, 4, 12, 31))["escalations"] == 0

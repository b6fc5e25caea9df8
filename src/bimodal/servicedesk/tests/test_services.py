"""Service functions: priority, transitions, SLA matching, pause/resume, breach, escalation once-only."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry, Notification
from bimodal.core.tests.factories import TeamFactory
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import PriorityRule, SlaEscalation, SlaInstance, Ticket
from bimodal.servicedesk.tests.factories import (
    CatalogueItemFactory,
    ScheduleFactory,
    SlaDefinitionFactory,
    world,
)

LONDON = ZoneInfo("Europe/London")
H = 3600
pytestmark = pytest.mark.django_db(transaction=False)


def at(*args):
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def w(make_user):
    return world(make_user)


def incident(w, *, actor=None, opened=None, **kw):
    fields = {"impact": 2, "urgency": 2, "assignment_group": w["desk"], **kw}
    return sd.ticket_create(
        actor=actor or w["agent"],
        ticket_type="incident",
        title="Broken",
        service=w["service"],
        opened_at=opened or at(2025, 3, 4, 9),
        **fields,
    )


def test_priority_from_editable_matrix(w):
    assert incident(w).priority == "P3"
    PriorityRule.objects.create(impact=2, urgency=2, priority="P1")
    assert incident(w).priority == "P1"


def test_create_is_audited_numbered_and_transitions_enforced(w):
    ticket = incident(w)
    assert ticket.number.startswith("INC")
    assert AuditEntry.objects.filter(verb="ticket_create", object_id=str(ticket.pk)).exists()
    with pytest.raises(ValidationError):
        sd.ticket_transition(actor=w["agent"], ticket=ticket, status="closed")
    with pytest.raises(ValidationError):  # resolving needs a resolution
        sd.ticket_transition(actor=w["agent"], ticket=ticket, status="resolved")
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_most_specific_definition_matches(w):
    general = SlaDefinitionFactory(ticket_type="")
    specific = SlaDefinitionFactory(priority="P3", name="P3")
    SlaDefinitionFactory(priority="P1", name="P1 only")
    SlaDefinitionFactory(ticket_type="request", name="requests")
    ticket = incident(w)
    assert ticket.sla_instances.get().definition == specific
    assert general != specific


def test_clock_due_pause_resume_and_met(w):
    SlaDefinitionFactory(target_seconds=8 * H)
    ticket = incident(w, opened=at(2025, 4, 17, 13))  # Thursday before Easter
    clock = ticket.sla_instances.get()
    # 4 h on Thursday, Good Friday and Easter Monday are bank holidays → due Tuesday 13:00.
    assert clock.due_at == at(2025, 4, 22, 13)
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="in_progress", now=at(2025, 4, 17, 14))
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="awaiting_customer", now=at(2025, 4, 17, 15))
    clock.refresh_from_db()
    assert clock.state == "paused" and clock.elapsed_seconds == 2 * H and clock.due_at is None
    # The requester answers on Tuesday 10:00: the clock resumes with 6 h left → due Tuesday 16:00.
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="in_progress", now=at(2025, 4, 22, 10))
    clock.refresh_from_db()
    assert clock.state == "running" and clock.due_at == at(2025, 4, 22, 16)
    assert clock.pauses.get().ended_at == at(2025, 4, 22, 10)
    sd.ticket_transition(
        actor=w["agent"], ticket=ticket, status="resolved", resolution="ok", now=at(2025, 4, 22, 11)
    )
    clock.refresh_from_db()
    assert clock.state == "met" and clock.elapsed_seconds == 3 * H


def test_breach_on_resolve_and_reopen_resumes(w):
    SlaDefinitionFactory(target_seconds=2 * H)
    ticket = incident(w, opened=at(2025, 3, 4, 9))
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="in_progress", now=at(2025, 3, 4, 10))
    sd.ticket_transition(
        actor=w["agent"], ticket=ticket, status="resolved", resolution="x", now=at(2025, 3, 4, 12)
    )
    clock = SlaInstance.objects.get(ticket=ticket)
    assert clock.state == "breached" and clock.elapsed_seconds == 3 * H
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="in_progress", now=at(2025, 3, 5, 9))
    clock.refresh_from_db()
    assert clock.state == "breached" and clock.stopped_at is None and clock.running_since is not None


def test_response_clock_stops_when_picked_up(w):
    SlaDefinitionFactory(target="response", target_seconds=H, name="resp")
    ticket = incident(w, opened=at(2025, 3, 4, 9))
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="in_progress", now=at(2025, 3, 4, 9, 30))
    clock = ticket.sla_instances.get()
    assert clock.state == "met" and clock.elapsed_seconds == 1800
    assert Ticket.objects.get(pk=ticket.pk).assignee == w["agent"]


def test_escalations_fire_once_even_when_rerun(w, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    SlaDefinitionFactory(target_seconds=2 * H, escalation_team=w["other"], raise_priority_on_breach=True)
    ticket = incident(w, opened=at(2025, 3, 4, 9), assignee=w["agent"])
    mail.outbox.clear()
    r1 = sd.sla_check(now=at(2025, 3, 4, 10, 40))  # 1h40 = 83 %: 50 and 75 warnings
    assert r1["escalations"] == 2
    r2 = sd.sla_check(now=at(2025, 3, 4, 10, 50))  # a restarted worker sees the same state
    assert r2["escalations"] == 0
    r3 = sd.sla_check(now=at(2025, 3, 4, 12))  # breach
    assert r3 == {"running": 1, "breached": 1, "escalations": 1}
    assert sd.sla_check(now=at(2025, 3, 4, 13))["escalations"] == 0
    assert sorted(SlaEscalation.objects.values_list("threshold", flat=True)) == [50, 75, 100]
    # The 50 % and 75 % warnings of the ticket are one entry (the latest, ×2); the breach is another kind.
    sla = Notification.objects.filter(recipient=w["agent"], subject__startswith="SLA").order_by("kind")
    assert [(n.kind, n.count, n.subject[:10]) for n in sla] == [
        ("sla_breach", 1, "SLA breach"),
        ("sla_warning", 2, "SLA at 75%"),
    ]
    # The escalation team is told of the breach (not of the warnings) and may open, not work, the ticket.
    told = Notification.objects.filter(recipient=w["other_agent"])
    assert [(n.kind, n.url) for n in told] == [("sla_breach", ticket.get_absolute_url())]
    assert Ticket.objects.restrict(w["other_agent"], "view").filter(pk=ticket.pk).exists()
    assert not Ticket.objects.restrict(w["other_agent"], "change").filter(pk=ticket.pk).exists()
    ticket.refresh_from_db()
    assert ticket.priority == "P2"  # raised on breach
    clock = ticket.sla_instances.get()
    assert clock.state == "breached" and clock.computed_elapsed == 4 * H
    # Calling the escalation directly again is refused by the unique row.
    assert sd.sla_escalate(instance=clock, threshold=100) is None


def test_only_the_escalation_teams_members_and_lead_see_a_breached_ticket(w, make_user):
    """Seeing follows the breach: before it the escalation team is not involved; after it, its members and
    its lead are, and no one else is."""
    lead = make_user("service_desk_agent", username="duty")
    w["other"].lead = lead
    w["other"].save()
    outsider = make_user("service_desk_agent", teams=[TeamFactory(name="Far", slug="far")], username="far")
    SlaDefinitionFactory(target_seconds=2 * H, warning_thresholds=[50], escalation_team=w["other"])
    ticket = incident(w, opened=at(2025, 3, 4, 9), assignee=w["agent"])

    def seers():
        return {
            u.username
            for u in (w["other_agent"], lead, outsider)
            if Ticket.objects.restrict(u).filter(pk=ticket.pk).exists()
        }

    sd.sla_check(now=at(2025, 3, 4, 10, 30))  # the 50 % warning: the assignee only
    assert seers() == set()
    sd.sla_check(now=at(2025, 3, 4, 12))  # the breach
    assert seers() == {"otheragent", "duty"}
    assert set(
        Notification.objects.filter(kind="sla_breach").values_list("recipient__username", flat=True)
    ) == {
        "agent",
        "otheragent",
        "duty",
    }


def test_escalation_emails_sent_on_commit(w, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    SlaDefinitionFactory(target_seconds=2 * H, warning_thresholds=[])
    incident(w, opened=at(2025, 3, 4, 9), assignee=w["agent"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sd.sla_check(now=at(2025, 3, 4, 12))
    assert len(mail.outbox) == 1 and "breached" in mail.outbox[0].subject


def test_priority_change_rematches_keeping_elapsed(w):
    SlaDefinitionFactory(priority="P3", target_seconds=8 * H, name="P3")
    SlaDefinitionFactory(
        priority="P1",
        target_seconds=4 * H,
        name="P1",
        schedule=ScheduleFactory(always_on=True, slug="always"),
    )
    ticket = incident(w, opened=at(2025, 3, 4, 9))
    sd.ticket_classify(actor=w["agent"], ticket=ticket, impact=1, urgency=1, now=at(2025, 3, 4, 10))
    clock = ticket.sla_instances.get()
    assert clock.definition.name == "P1" and clock.elapsed_seconds == H
    assert clock.due_at == at(2025, 3, 4, 13)


def test_requester_limits(w):
    with pytest.raises(PermissionDenied):
        sd.ticket_create(
            actor=w["requester"],
            ticket_type="incident",
            title="x",
            service=w["service"],
            requester=w["requester2"],
        )
    with pytest.raises(PermissionDenied):
        sd.ticket_create(actor=w["requester"], ticket_type="problem", title="x", service=w["service"])
    ticket = incident(w, actor=w["requester"], assignment_group=None)
    with pytest.raises(PermissionDenied):
        sd.ticket_comment(actor=w["requester"], ticket=ticket, body="psst", internal=True)
    with pytest.raises(PermissionDenied):
        sd.ticket_transition(actor=w["requester"], ticket=ticket, status="in_progress")
    with pytest.raises(PermissionDenied):
        sd.ticket_comment(actor=w["requester2"], ticket=ticket, body="not mine")
    sd.ticket_transition(actor=w["requester"], ticket=ticket, status="cancelled")


def test_agents_work_only_their_groups_and_suppliers_only_their_queue(w):
    ticket = incident(w)
    with pytest.raises(PermissionDenied):
        sd.ticket_transition(actor=w["other_agent"], ticket=ticket, status="in_progress")
    with pytest.raises(PermissionDenied):
        sd.ticket_assign(actor=w["supplier_agent"], ticket=ticket, group=w["queue"])
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["queue"])
    ticket.refresh_from_db()
    sd.ticket_assign(actor=w["supplier_agent"], ticket=ticket, group=w["queue"], assignee=w["supplier_agent"])
    with pytest.raises(PermissionDenied):
        sd.ticket_assign(actor=w["supplier_agent"], ticket=ticket, group=w["desk"])
    with pytest.raises(ValidationError):
        sd.ticket_assign(actor=w["supplier_agent"], ticket=ticket, group=w["queue"], assignee=w["agent"])


def test_problem_link_and_known_error(w):
    inc = incident(w)
    prb = sd.ticket_create(
        actor=w["agent"],
        ticket_type="problem",
        title="Root",
        service=w["service"],
        assignment_group=w["desk"],
    )
    sd.ticket_link_problem(actor=w["agent"], incident=inc, problem=prb)
    with pytest.raises(ValidationError):
        sd.ticket_link_problem(actor=w["agent"], incident=prb, problem=inc)
    with pytest.raises(ValidationError):
        sd.problem_mark_known_error(actor=w["agent"], problem=prb, workaround=" ")
    sd.problem_mark_known_error(actor=w["agent"], problem=prb, workaround="Restart")
    assert list(prb.incidents.all()) == [inc]


def test_catalogue_request_validation_and_tasks(w):
    item = CatalogueItemFactory(fulfilment_group=w["desk"], service=w["service"])
    before = Ticket.objects.count()
    with pytest.raises(ValidationError) as exc:
        sd.request_submit(
            actor=w["requester"], item=item, data={"sort_code": "12345", "days": "99", "office": "Paris"}
        )
    assert set(exc.value.message_dict) == {"sort_code", "days", "office"}
    with pytest.raises(ValidationError):
        sd.request_submit(actor=w["requester"], item=item, data={"sort_code": "12-34-56", "evil": "x"})
    assert Ticket.objects.count() == before
    ticket = sd.request_submit(actor=w["requester"], item=item, data={"sort_code": "12-34-56", "days": "3"})
    assert ticket.request_data == {"sort_code": "12-34-56", "days": 3, "office": ""}
    assert ticket.assignment_group == w["desk"] and ticket.fulfilment_tasks.count() == 1


def test_catalogue_approval_by_manager(w, make_user):
    boss = make_user("service_owner", username="boss")
    w["requester"].manager = boss
    w["requester"].save()
    item = CatalogueItemFactory(
        fulfilment_group=w["desk"], service=w["service"], requires_approval=True, approver="manager"
    )
    ticket = sd.request_submit(actor=w["requester"], item=item, data={"sort_code": "12-34-56"})
    assert ticket.status == "awaiting_approval" and ticket.fulfilment_tasks.count() == 0
    with pytest.raises(PermissionDenied):
        sd.request_decide(actor=w["agent"], ticket=ticket, approve=True)
    with pytest.raises(ValidationError):
        sd.request_decide(actor=boss, ticket=ticket, approve=False)
    ticket = sd.request_decide(actor=boss, ticket=ticket, approve=True)
    assert ticket.status == "new" and ticket.approval == "approved" and ticket.fulfilment_tasks.count() == 1


def test_bad_schema_refused():
    item = CatalogueItemFactory.build(form_schema=[{"name": "Bad Name", "type": "nope"}])
    with pytest.raises(ValidationError):
        item.clean()


def test_attachment_limits(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = incident(w)
    with pytest.raises(ValidationError):
        sd.ticket_attach(
            actor=w["agent"],
            ticket=ticket,
            upload=SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload"),
        )
    big = SimpleUploadedFile("big.txt", b"x" * (sd.MAX_ATTACHMENT_BYTES + 1), content_type="text/plain")
    with pytest.raises(ValidationError):
        sd.ticket_attach(actor=w["agent"], ticket=ticket, upload=big)
    ok = sd.ticket_attach(
        actor=w["agent"],
        ticket=ticket,
        upload=SimpleUploadedFile("log.txt", b"hello", content_type="text/plain"),
    )
    assert ok.size == 5 and ok.file.read() == b"hello"


def test_sla_check_many_clocks_flat_queries(w, django_assert_max_num_queries):
    SlaDefinitionFactory(target_seconds=100 * H, warning_thresholds=[])
    for _ in range(5):
        incident(w)
    with django_assert_max_num_queries(8):
        assert sd.sla_check(now=at(2025, 3, 5, 9))["running"] == 5

"""Service tests: supplier queues and contract coverage, hand-offs, supplier SLA clocks, credits, renewals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bimodal.core.models import Notification
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import SlaInstance, TicketHandoff
from bimodal.suppliers import services
from bimodal.suppliers.models import ContractReminder
from bimodal.suppliers.tests.factories import two_suppliers

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_user):
    return two_suppliers(make_user)


def _ticket(w, service=None, at=None):
    return sd.ticket_create(
        actor=w["agent"],
        ticket_type="incident",
        title="Disk full",
        service=service or w["sa"],
        assignment_group=w["desk"],
        opened_at=at,
    )


def test_handoff_to_supplier_records_party_and_starts_contracted_clocks(w):
    t0 = timezone.now() - timedelta(hours=5)
    ticket = _ticket(w, at=t0)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0 + timedelta(minutes=10))
    rows = list(
        TicketHandoff.objects.filter(ticket=ticket).values_list(
            "from_team__slug", "to_team__slug", "to_supplier__slug"
        )
    )
    assert rows == [(None, "desk", None), ("desk", "alpha-ops", "alpha")]
    clocks = {c.target: c for c in SlaInstance.objects.filter(ticket=ticket, supplier=w["a"])}
    assert set(clocks) == {"response", "resolution"}
    assert clocks["response"].definition.contract_target.contract == w["ca"]
    assert clocks["resolution"].started_at == t0 + timedelta(minutes=10)
    # The end-to-end clocks are not the supplier's: none started from contract definitions.
    assert not SlaInstance.objects.filter(
        ticket=ticket, supplier__isnull=True, definition__contract_target__isnull=False
    ).exists()


def test_supplier_accepts_then_resolves_within_target(w):
    t0 = timezone.now() - timedelta(hours=5)
    ticket = _ticket(w, at=t0)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0)
    sd.ticket_assign(
        actor=w["agent_a"],
        ticket=ticket,
        group=w["qa"],
        assignee=w["agent_a"],
        now=t0 + timedelta(minutes=30),
    )
    sd.ticket_transition(
        actor=w["agent_a"], ticket=ticket, status="in_progress", now=t0 + timedelta(minutes=31)
    )
    sd.ticket_transition(
        actor=w["agent_a"], ticket=ticket, status="resolved", resolution="freed", now=t0 + timedelta(hours=3)
    )
    clocks = {c.target: c for c in SlaInstance.objects.filter(ticket=ticket, supplier=w["a"])}
    assert clocks["response"].state == "met" and clocks["response"].elapsed_seconds == 30 * 60
    assert clocks["resolution"].state == "met" and clocks["resolution"].elapsed_seconds == 3 * 3600


def test_supplier_clock_stands_still_while_another_party_holds_it(w):
    t0 = timezone.now() - timedelta(hours=10)
    ticket = _ticket(w, at=t0)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0)
    sd.ticket_assign(
        actor=w["agent_a"],
        ticket=ticket,
        group=w["qa"],
        assignee=w["agent_a"],
        now=t0 + timedelta(minutes=20),
    )
    # Alpha hands it back to the desk after 1 h; the desk sends it again 2 h later; Alpha resolves 2 h after that.
    desk = w["desk"]
    desk.members.add(w["agent_a"])  # a supplier agent may only assign within their queue …
    with pytest.raises(PermissionDenied):
        sd.ticket_assign(actor=w["agent_a"], ticket=ticket, group=desk, now=t0 + timedelta(hours=1))
    desk.members.remove(w["agent_a"])
    sd.ticket_assign(actor=w["admin"], ticket=ticket, group=desk, now=t0 + timedelta(hours=1))
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0 + timedelta(hours=3))
    ticket.refresh_from_db()
    sd.ticket_transition(
        actor=w["agent_a"], ticket=ticket, status="resolved", resolution="ok", now=t0 + timedelta(hours=5)
    )
    resolution = SlaInstance.objects.get(ticket=ticket, supplier=w["a"], target="resolution")
    assert resolution.elapsed_seconds == 3 * 3600  # 1 h + 2 h while Alpha held it
    assert resolution.state == "met"  # target 4 h
    assert resolution.pauses.filter(reason="handed_off").count() == 1
    # Bounces: each return to a party that held the ticket before.
    from bimodal.suppliers import siam

    view = siam.ticket_view(ticket, now=t0 + timedelta(hours=6))
    assert view.bounces == 2  # back to the desk, then back to Alpha
    held = {p.party: p.held for p in view.parties}
    assert held == {"Alpha": timedelta(hours=3), "Desk": timedelta(hours=2)}


def test_breach_while_supplier_holds_and_credits(w):
    t0 = timezone.now() - timedelta(hours=10)
    ticket = _ticket(w, at=t0)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0)
    sd.ticket_transition(
        actor=w["agent_a"], ticket=ticket, status="in_progress", now=t0 + timedelta(minutes=90)
    )
    sd.ticket_transition(
        actor=w["agent_a"], ticket=ticket, status="resolved", resolution="ok", now=t0 + timedelta(hours=5)
    )
    clocks = {c.target: c for c in SlaInstance.objects.filter(ticket=ticket, supplier=w["a"])}
    assert clocks["response"].state == "breached"  # 90 min > 60 min
    assert clocks["resolution"].state == "breached"  # 5 h > 4 h
    credit = sum(c.definition.contract_target.credit for c in clocks.values())
    assert credit == Decimal("110")


def test_resolved_by_another_party_cancels_the_suppliers_clock(w):
    t0 = timezone.now() - timedelta(hours=10)
    ticket = _ticket(w, at=t0)
    sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"], now=t0)
    sd.ticket_assign(actor=w["admin"], ticket=ticket, group=w["desk"], now=t0 + timedelta(minutes=30))
    ticket.refresh_from_db()
    sd.ticket_transition(
        actor=w["agent"],
        ticket=ticket,
        status="resolved",
        resolution="desk fixed it",
        now=t0 + timedelta(hours=6),
    )
    states = dict(SlaInstance.objects.filter(ticket=ticket, supplier=w["a"]).values_list("target", "state"))
    assert states == {"response": "cancelled", "resolution": "cancelled"}


def test_supplier_queue_takes_only_contracted_services(w):
    ticket = _ticket(w, service=w["uncontracted"])
    with pytest.raises(ValidationError) as exc:
        sd.ticket_assign(actor=w["agent"], ticket=ticket, group=w["qa"])
    assert "group" in exc.value.message_dict
    assert not TicketHandoff.objects.filter(ticket=ticket, to_supplier=w["a"]).exists()
    # Opening a ticket straight into the queue is refused the same way.
    with pytest.raises(ValidationError):
        sd.ticket_create(
            actor=w["agent"], ticket_type="incident", title="x", service=w["sb"], assignment_group=w["qa"]
        )


def test_reopen_is_counted(w):
    ticket = _ticket(w)
    sd.ticket_transition(actor=w["agent"], ticket=ticket, status="resolved", resolution="done")
    ticket.refresh_from_db()
    sd.ticket_transition(actor=w["requester"] if False else w["agent"], ticket=ticket, status="in_progress")
    ticket.refresh_from_db()
    assert ticket.reopen_count == 1


# --- contracts, targets, renewal reminders ------------------------------------------------------------


def test_contract_target_bad_input_writes_nothing(w):
    from bimodal.servicedesk.models import SlaDefinition

    before = SlaDefinition.objects.count()
    for bad in ({"priority": "P9"}, {"minutes": 0}, {"credit": Decimal("-1")}, {"target": "lunch"}):
        args = {"priority": "P2", "target": "response", "minutes": 30, "credit": Decimal("5"), **bad}
        with pytest.raises(ValidationError):
            services.contract_set_target(actor=w["gov"], contract=w["ca"], **args)
    assert SlaDefinition.objects.count() == before


def test_contract_dates_and_transitions_validated(w):
    with pytest.raises(ValidationError) as exc:
        services.contract_create(
            actor=w["gov"],
            supplier=w["a"],
            reference="BAD",
            title="x",
            start_date=timezone.localdate(),
            end_date=timezone.localdate() - timedelta(days=1),
            value=Decimal("1"),
            schedule=w["ca"].schedule,
        )
    assert "end_date" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.contract_transition(actor=w["gov"], contract=w["ca"], status="draft")
    with pytest.raises(ValidationError):
        services.contract_transition(actor=w["gov"], contract=w["ca"], status="terminated", reason=" ")
    with pytest.raises(PermissionDenied):
        services.contract_transition(actor=w["agent_a"], contract=w["ca"], status="terminated", reason="x")


def test_renewal_reminder_is_sent_once_per_term(w):
    contract = w["ca"]
    contract.owner = w["gov"]
    contract.renewal_notice_days = 400  # due now: the contract ends in 365 days
    contract.save()
    now = timezone.now()
    assert services.contract_send_renewal_reminders(now=now)["reminders"] == 1
    assert services.contract_send_renewal_reminders(now=now)["reminders"] == 0
    assert services.contract_send_renewal_reminders(now=now + timedelta(days=1))["reminders"] == 0
    assert ContractReminder.objects.filter(contract=contract).count() == 1
    assert Notification.objects.filter(recipient=w["gov"], subject__contains=contract.reference).count() == 1
    # Renewed: the new term gets its own reminder, once.
    services.contract_renew(
        actor=w["gov"], contract=contract, end_date=contract.end_date + timedelta(days=30)
    )
    assert services.contract_send_renewal_reminders(now=now)["reminders"] == 1
    assert services.contract_send_renewal_reminders(now=now)["reminders"] == 0


def test_reminder_not_due_yet_and_contract_expiry(w):
    assert services.contract_send_renewal_reminders()["reminders"] == 0  # 90-day notice, ends in 365
    cb = w["cb"]
    cb.end_date = timezone.localdate() - timedelta(days=1)
    cb.save()
    assert services.contract_send_renewal_reminders()["expired"] == 1
    cb.refresh_from_db()
    assert cb.status == "expired"


def test_renewal_task_runs_the_check():
    from bimodal.suppliers.tasks import renewal_check_task

    result = renewal_check_task.call(False)
    assert result == {"reminders": 0, "expired": 0}


@pytest.mark.parametrize("word", ["contracts", "siam", "evaluations", "new"])
def test_supplier_slugs_that_pages_use_are_refused_and_avoided(make_user, word):
    lead = make_user("governance_lead")
    with pytest.raises(ValidationError) as error:
        services.supplier_create(actor=lead, name="Anything", slug=word)
    assert "slug" in error.value.message_dict
    assert services.supplier_create(actor=lead, name=word.title()).slug == f"{word}-2"

"""Contract services: drafting and editing with explicit fields, transitions, renewal, SLA targets and
credits, renewal reminders on a frozen clock, and the limits of a supplier's own people."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from bimodal.core.models import AuditEntry
from bimodal.core.tests.factories import SupplierFactory
from bimodal.servicedesk.models import SlaDefinition
from bimodal.servicedesk.tests.factories import ScheduleFactory
from bimodal.suppliers import services
from bimodal.suppliers.models import Contract, ContractReminder, ContractSlaTarget
from bimodal.suppliers.tests.factories import TWENTY_FOUR_SEVEN

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOON_15_JUNE = datetime(2026, 6, 15, 12, 0, tzinfo=LONDON)


@pytest.fixture
def gov(make_user):
    return make_user("governance_lead", username="gov")


@pytest.fixture
def supplier():
    return SupplierFactory(slug="alpha", name="Alpha")


@pytest.fixture
def schedule():
    return ScheduleFactory(slug="always", **TWENTY_FOUR_SEVEN)


def _draft(gov, supplier, schedule, **fields) -> Contract:
    values = {
        "reference": "CT-1",
        "title": "Hosting",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "value": Decimal("120000"),
        "schedule": schedule,
        **fields,
    }
    return services.contract_create(actor=gov, supplier=supplier, **values)


def test_a_new_contract_is_a_draft_with_the_models_defaults_and_is_audited(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    assert (contract.status, contract.currency, contract.credit_cap_percent) == (
        "draft",
        "GBP",
        Decimal("10"),
    )
    assert (contract.renewal_notice_days, contract.auto_renew, contract.owner) == (90, False, None)
    entry = AuditEntry.objects.get(verb="contract_create")
    assert entry.actor == gov and entry.after["reference"] == "CT-1"


def test_currency_is_upper_cased_and_must_be_three_letters(gov, supplier, schedule):
    assert _draft(gov, supplier, schedule, currency="eur").currency == "EUR"
    with pytest.raises(ValidationError) as exc:
        _draft(gov, supplier, schedule, reference="CT-2", currency="EU1")
    assert "currency" in exc.value.message_dict
    assert not Contract.objects.filter(reference="CT-2").exists()


def test_a_contract_cannot_end_before_it_starts(gov, supplier, schedule):
    with pytest.raises(ValidationError) as exc:
        _draft(gov, supplier, schedule, start_date=date(2026, 5, 1), end_date=date(2026, 4, 30))
    assert "end_date" in exc.value.message_dict


def test_term_and_renewal_day(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule, renewal_notice_days=30)
    assert contract.term_days == 365
    assert contract.renewal_due == date(2026, 12, 1)


def test_update_changes_only_the_given_fields(gov, supplier, schedule, make_user):
    owner = make_user("governance_lead", username="owner")
    contract = _draft(gov, supplier, schedule, owner=owner, terms="Net 30")
    services.contract_update(actor=gov, contract=contract, title="Hosting and backup", reason="scope")
    contract.refresh_from_db()
    assert (contract.title, contract.owner, contract.terms) == ("Hosting and backup", owner, "Net 30")
    entry = AuditEntry.objects.get(verb="contract_update")
    assert (entry.before["title"], entry.after["title"], entry.reason) == (
        "Hosting",
        "Hosting and backup",
        "scope",
    )


def test_update_with_none_clears_the_owner_but_not_given_keeps_it(gov, supplier, schedule, make_user):
    owner = make_user("governance_lead", username="owner")
    contract = _draft(gov, supplier, schedule, owner=owner)
    services.contract_update(actor=gov, contract=contract, terms="x")
    contract.refresh_from_db()
    assert contract.owner == owner
    services.contract_update(actor=gov, contract=contract, owner=None)
    contract.refresh_from_db()
    assert contract.owner is None


def test_update_refuses_a_supplier_or_status(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    with pytest.raises(TypeError):
        services.contract_update(actor=gov, contract=contract, status="active")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        services.contract_update(actor=gov, contract=contract, supplier=supplier)  # type: ignore[call-arg]


def test_a_terminated_contract_is_not_edited(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    with time_machine.travel(NOON_15_JUNE, tick=False):
        services.contract_transition(actor=gov, contract=contract, status="active")
        services.contract_transition(actor=gov, contract=contract, status="terminated", reason="breach")
    with pytest.raises(ValidationError) as exc:
        services.contract_update(actor=gov, contract=contract, title="Again")
    assert "status" in exc.value.message_dict


def test_termination_needs_a_reason(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    with time_machine.travel(NOON_15_JUNE, tick=False):
        services.contract_transition(actor=gov, contract=contract, status="active")
        with pytest.raises(ValidationError) as exc:
            services.contract_transition(actor=gov, contract=contract, status="terminated", reason=" ")
    assert "reason" in exc.value.message_dict
    contract.refresh_from_db()
    assert contract.status == "active"


def test_an_ended_contract_is_not_activated(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    with (
        time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=LONDON), tick=False),
        pytest.raises(ValidationError) as exc,
    ):
        services.contract_transition(actor=gov, contract=contract, status="active")
    assert "status" in exc.value.message_dict


def test_renewal_extends_the_term_and_reactivates(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    with pytest.raises(ValidationError):  # a draft is not renewed
        services.contract_renew(actor=gov, contract=contract, end_date=date(2027, 12, 31))
    with time_machine.travel(NOON_15_JUNE, tick=False):
        services.contract_transition(actor=gov, contract=contract, status="active")
    with pytest.raises(ValidationError) as exc:
        services.contract_renew(actor=gov, contract=contract, end_date=date(2026, 12, 31))
    assert "end_date" in exc.value.message_dict
    services.contract_renew(
        actor=gov, contract=contract, end_date=date(2027, 12, 31), value=Decimal("250000")
    )
    contract.refresh_from_db()
    assert (contract.end_date, contract.value, contract.status) == (
        date(2027, 12, 31),
        Decimal("250000"),
        "active",
    )
    assert AuditEntry.objects.get(verb="contract_renew").reason == "renewed"


def test_a_target_is_an_sla_definition_on_the_contracts_schedule(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    target = services.contract_set_target(
        actor=gov, contract=contract, priority="P1", target="response", minutes=15, credit=Decimal("250")
    )
    definition = target.definition
    assert (definition.target_seconds, definition.schedule, definition.priority) == (900, schedule, "P1")
    assert definition.pause_statuses == ["awaiting_customer"]
    assert definition.name == "CT-1 · Alpha · P1 response"


def test_setting_a_target_again_changes_it_in_place(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    first = services.contract_set_target(
        actor=gov, contract=contract, priority="P2", target="resolution", minutes=240, credit=Decimal("10")
    )
    again = services.contract_set_target(
        actor=gov, contract=contract, priority="P2", target="resolution", minutes=480, credit=Decimal("20")
    )
    assert again.pk == first.pk and ContractSlaTarget.objects.count() == 1
    again.definition.refresh_from_db()
    assert (again.definition.target_seconds, again.credit) == (480 * 60, Decimal("20"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"priority": "P9"}, "priority"),
        ({"target": "ack"}, "target"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": True}, "minutes"),
        ({"credit": Decimal("-1")}, "credit"),
    ],
)
def test_a_bad_target_names_its_field(gov, supplier, schedule, fields, field):
    contract = _draft(gov, supplier, schedule)
    values = {"priority": "P1", "target": "response", "minutes": 15, "credit": Decimal("0"), **fields}
    with pytest.raises(ValidationError) as exc:
        services.contract_set_target(actor=gov, contract=contract, **values)
    assert set(exc.value.message_dict) == {field}
    assert not SlaDefinition.objects.filter(contract_target__contract=contract).exists()


def test_removing_a_target_deactivates_its_definition(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    target = services.contract_set_target(
        actor=gov, contract=contract, priority="P1", target="response", minutes=15
    )
    definition = target.definition
    services.contract_remove_target(actor=gov, target=target)
    definition.refresh_from_db()
    assert definition.active is False and not ContractSlaTarget.objects.exists()


def test_a_new_schedule_moves_the_targets_definitions(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    target = services.contract_set_target(
        actor=gov, contract=contract, priority="P1", target="response", minutes=15
    )
    office = ScheduleFactory(slug="office")
    services.contract_update(actor=gov, contract=contract, schedule=office)
    target.definition.refresh_from_db()
    assert target.definition.schedule == office


def test_the_reminder_is_due_on_its_day_and_not_the_day_before(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule, renewal_notice_days=30, owner=gov)
    contract.status = "active"
    contract.save(update_fields=["status"])
    assert services.contracts_due_for_reminder(today=date(2026, 11, 30)) == []
    assert services.contracts_due_for_reminder(today=date(2026, 12, 1)) == [contract]
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=LONDON), tick=False):
        assert services.contract_send_renewal_reminders() == {"reminders": 1, "expired": 0}
        assert services.contract_send_renewal_reminders() == {"reminders": 0, "expired": 0}
    reminder = ContractReminder.objects.get()
    assert (reminder.end_date, reminder.recipients) == (date(2026, 12, 31), ["gov"])


def test_a_renewed_contract_is_reminded_again_for_its_new_term(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule, renewal_notice_days=30, owner=gov)
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=LONDON), tick=False):
        services.contract_transition(actor=gov, contract=contract, status="active")
        services.contract_send_renewal_reminders()
        services.contract_renew(actor=gov, contract=contract, end_date=date(2027, 12, 31))
    with time_machine.travel(datetime(2027, 12, 1, 9, tzinfo=LONDON), tick=False):
        assert services.contract_send_renewal_reminders()["reminders"] == 1
    assert sorted(ContractReminder.objects.values_list("end_date", flat=True)) == [
        date(2026, 12, 31),
        date(2027, 12, 31),
    ]


def test_an_ended_active_contract_expires(gov, supplier, schedule):
    contract = _draft(gov, supplier, schedule, renewal_notice_days=0)
    with time_machine.travel(NOON_15_JUNE, tick=False):
        services.contract_transition(actor=gov, contract=contract, status="active")
    with time_machine.travel(datetime(2027, 1, 1, 9, tzinfo=LONDON), tick=False):
        assert services.contract_send_renewal_reminders() == {"reminders": 0, "expired": 1}
    contract.refresh_from_db()
    assert contract.status == "expired"
    assert AuditEntry.objects.get(verb="contract_expire").actor is None


def test_a_suppliers_own_manager_cannot_contract_for_another_supplier(make_user, supplier, schedule):
    beta = SupplierFactory(slug="beta", name="Beta")
    beta_manager = make_user("governance_lead", supplier=beta, username="beta_manager")
    with pytest.raises(PermissionDenied):
        _draft(beta_manager, supplier, schedule)
    assert not Contract.objects.exists()


def test_a_suppliers_own_manager_cannot_change_another_suppliers_contract(gov, make_user, supplier, schedule):
    contract = _draft(gov, supplier, schedule)
    beta_manager = make_user("governance_lead", supplier=SupplierFactory(slug="beta"), username="bm")
    with pytest.raises(PermissionDenied):
        services.contract_update(actor=beta_manager, contract=contract, title="Mine")
    with pytest.raises(PermissionDenied):
        services.contract_set_target(
            actor=beta_manager, contract=contract, priority="P1", target="response", minutes=1
        )
    contract.refresh_from_db()
    assert contract.title == "Hosting" and not ContractSlaTarget.objects.exists()


def test_a_supplier_agent_cannot_draft_contracts(make_user, supplier, schedule):
    agent = make_user("supplier_agent", supplier=supplier, username="agent")
    with pytest.raises(PermissionDenied):
        _draft(agent, supplier, schedule)

"""Writes of contracts: terms, status, renewal, contracted SLA targets and credits, renewal reminders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.choices import AuditAction, NotificationKind
from bimodal.core.models import User
from bimodal.core.services import (
    UNSET,
    NotGiven,
    create_audited,
    delete_audited,
    given,
    notify,
    require_object,
    require_perm,
    transactional,
    update_audited,
    write,
)
from bimodal.core.verbs import AuditVerb
from bimodal.portfolio.models import Service
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.models import CatalogueItem, SlaDefinition, SupportSchedule
from bimodal.suppliers.choices import (
    CONTRACT_TRANSITIONS,
    PRIORITIES,
    ContractStatus,
)
from bimodal.suppliers.models import (
    Contract,
    ContractReminder,
    ContractSlaTarget,
    Supplier,
)

MAX_NOTICE_DAYS = 730


# The fields a person sets on a contract: the form, the API's write serializer and these services' keyword
# arguments list the same names (tests/test_fieldspec.py).
CONTRACT_FIELDS: Final = (
    "reference",
    "title",
    "start_date",
    "end_date",
    "value",
    "currency",
    "credit_cap_percent",
    "renewal_notice_days",
    "auto_renew",
    "owner",
    "schedule",
    "services",
    "catalogue_items",
    "terms",
)


@transactional
def contract_create(
    *,
    actor: User,
    supplier: Supplier,
    reference: str,
    title: str,
    start_date: date,
    end_date: date,
    value: Decimal,
    schedule: SupportSchedule,
    currency: str = "GBP",
    credit_cap_percent: Decimal = Decimal("10"),
    renewal_notice_days: int = 90,
    auto_renew: bool = False,
    owner: User | None = None,
    services: Iterable[Service] = (),
    catalogue_items: Iterable[CatalogueItem] = (),
    terms: str = "",
) -> Contract:
    """Draft a contract with a supplier: term, value, schedule and the services and items it covers."""
    require_perm(actor, "suppliers.add_contract")
    require_object(actor, "view", supplier)
    contract = Contract(
        supplier=supplier,
        reference=reference,
        title=title,
        start_date=start_date,
        end_date=end_date,
        value=value,
        schedule=schedule,
        currency=currency,
        credit_cap_percent=credit_cap_percent,
        renewal_notice_days=renewal_notice_days,
        auto_renew=auto_renew,
        owner=owner,
        terms=terms,
    )
    return create_audited(
        contract,
        actor=actor,
        m2m={"services": services, "catalogue_items": catalogue_items},
        verb=AuditVerb.CONTRACT_CREATE,
    )


@transactional
def contract_update(
    *,
    actor: User,
    contract: Contract,
    reason: str = "",
    services: Iterable[Service] | None = None,
    catalogue_items: Iterable[CatalogueItem] | None = None,
    reference: str | NotGiven = UNSET,
    title: str | NotGiven = UNSET,
    start_date: date | NotGiven = UNSET,
    end_date: date | NotGiven = UNSET,
    value: Decimal | NotGiven = UNSET,
    schedule: SupportSchedule | NotGiven = UNSET,
    currency: str | NotGiven = UNSET,
    credit_cap_percent: Decimal | NotGiven = UNSET,
    renewal_notice_days: int | NotGiven = UNSET,
    auto_renew: bool | NotGiven = UNSET,
    owner: User | NotGiven | None = UNSET,
    terms: str | NotGiven = UNSET,
) -> Contract:
    """Change a contract's terms or coverage (not its supplier or status: see contract_transition); None
    leaves its services or catalogue items as they are."""
    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", contract)
    if contract.status == ContractStatus.TERMINATED:
        raise ValidationError({"status": "A terminated contract cannot be changed."})
    fields = given(
        reference=reference,
        title=title,
        start_date=start_date,
        end_date=end_date,
        value=value,
        schedule=schedule,
        currency=currency,
        credit_cap_percent=credit_cap_percent,
        renewal_notice_days=renewal_notice_days,
        auto_renew=auto_renew,
        owner=owner,
        terms=terms,
    )
    m2m: dict[str, Iterable[Any]] = {}
    if services is not None:
        m2m["services"] = services
    if catalogue_items is not None:
        m2m["catalogue_items"] = catalogue_items
    old_schedule = contract.schedule_id
    contract = update_audited(
        contract, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.CONTRACT_UPDATE
    )
    if contract.schedule_id != old_schedule:
        SlaDefinition.objects.filter(contract_target__contract=contract).update(schedule=contract.schedule)
    return contract


@transactional
def contract_transition(*, actor: User, contract: Contract, status: str, reason: str = "") -> Contract:
    """Activate, expire or terminate a contract along an allowed transition."""
    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", contract)
    if status not in CONTRACT_TRANSITIONS.get(contract.status, set()):
        raise ValidationError({"status": f"A contract cannot go from {contract.status} to {status}."})
    if status == ContractStatus.TERMINATED and not reason.strip():
        raise ValidationError({"reason": "Say why the contract is terminated."})
    if status == ContractStatus.ACTIVE and contract.end_date < timezone.localdate():
        raise ValidationError({"status": "The contract has ended: renew it with a new end date."})
    return update_audited(
        contract,
        actor=actor,
        fields={"status": status},
        reason=reason,
        verb=AuditVerb.CONTRACT_TRANSITION,
        action=AuditAction.TRANSITION,
    )


@transactional
def contract_renew(
    *, actor: User, contract: Contract, end_date: date, value: Decimal | None = None, reason: str = ""
) -> Contract:
    """Extend a contract to a new end date (and value); a renewal reminder will go out again for the new term."""
    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", contract)
    if contract.status in {ContractStatus.TERMINATED, ContractStatus.DRAFT}:
        raise ValidationError(
            {"status": f"A {contract.get_status_display().lower()} contract is not renewed."}
        )
    if end_date <= contract.end_date:
        raise ValidationError({"end_date": "The new end date must be after the current one."})
    fields = {"end_date": end_date, "status": ContractStatus.ACTIVE}
    if value is not None:
        fields["value"] = value
    return update_audited(
        contract, actor=actor, fields=fields, reason=reason or "renewed", verb=AuditVerb.CONTRACT_RENEW
    )


def _definition_name(contract: Contract, priority: str, target: str) -> str:
    return f"{contract.reference} · {contract.supplier.name} · {priority} {target}"[:160]


@transactional
def contract_set_target(
    *,
    actor: User,
    contract: Contract,
    priority: str,
    target: str,
    minutes: int,
    credit: Decimal = Decimal("0"),
) -> ContractSlaTarget:
    """Set the contracted response or resolution target (business minutes on the contract's schedule) for a
    priority and the credit each breach earns. The target is an SLA definition of the service desk's engine."""

    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", contract)
    errors = {}
    if priority not in PRIORITIES:
        errors["priority"] = f"Choose one of {', '.join(PRIORITIES)}."
    if target not in ("response", "resolution"):
        errors["target"] = "Choose response or resolution."
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        errors["minutes"] = "The target is a positive number of minutes."
    if credit is None or Decimal(credit) < 0:
        errors["credit"] = "A service credit cannot be negative."
    if errors:
        raise ValidationError(errors)
    existing = ContractSlaTarget.objects.filter(contract=contract, priority=priority, target=target).first()
    if existing is not None:
        sd.sla_definition_update(actor=actor, definition=existing.definition, target_seconds=minutes * 60)
        return update_audited(
            existing, actor=actor, fields={"credit": credit}, verb=AuditVerb.CONTRACT_SET_TARGET
        )
    definition = sd.sla_definition_create(
        actor=actor,
        name=_definition_name(contract, priority, target),
        target=target,
        priority=priority,
        target_seconds=minutes * 60,
        schedule=contract.schedule,
        pause_statuses=["awaiting_customer"],
        warning_thresholds=[75],
    )
    return create_audited(
        ContractSlaTarget(
            contract=contract, priority=priority, target=target, definition=definition, credit=credit
        ),
        actor=actor,
        verb=AuditVerb.CONTRACT_SET_TARGET,
    )


@transactional
def contract_remove_target(*, actor: User, target: ContractSlaTarget) -> None:
    """Stop contracting a target: its definition is deactivated (clocks already running keep it)."""

    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", target.contract)
    definition = target.definition
    delete_audited(target, actor=actor, verb=AuditVerb.CONTRACT_REMOVE_TARGET)
    sd.sla_definition_update(actor=actor, definition=definition, active=False, reason="target removed")


def contracts_due_for_reminder(*, today: date) -> list[Contract]:
    """Active contracts whose reminder day has come and that have no reminder for their current end date."""

    sent = ContractReminder.objects.filter(contract=OuterRef("pk"), end_date=OuterRef("end_date"))
    candidates = (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + timedelta(days=MAX_NOTICE_DAYS),
        )
        .exclude(Exists(sent))
        .select_related("supplier", "owner", "supplier__relationship_owner")
    )
    return [c for c in candidates if c.renewal_due <= today]


def contract_send_renewal_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """Remind contract owners of coming renewals, once per contract term, and expire ended contracts.

    The (contract, end date) reminder row is unique and written with the notifications in one transaction:
    a second run, or a second worker, sends nothing again."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for contract in contracts_due_for_reminder(today=today):
        recipients = [u for u in (contract.owner, contract.supplier.relationship_owner) if u is not None]
        try:
            with write():
                reminder = ContractReminder.objects.create(
                    contract=contract,
                    end_date=contract.end_date,
                    sent_at=now,
                    recipients=sorted({u.username for u in recipients}),
                )
                days = (contract.end_date - today).days
                subject = (
                    f"Contract {contract.reference} with {contract.supplier} ends in {days} days "
                    f"({contract.end_date:%d %b %Y})"
                )
                notify(
                    recipients=recipients,
                    kind=NotificationKind.CONTRACT_RENEWAL,
                    obj=contract,
                    subject=subject,
                    body="Renew, renegotiate or plan the exit."
                    + (" It renews automatically." if contract.auto_renew else ""),
                    url=contract.get_absolute_url(),
                )
                audit.record(
                    actor=None,
                    action=AuditAction.OTHER,
                    obj=contract,
                    after={"reminder": reminder.pk, "end_date": contract.end_date.isoformat()},
                    verb=AuditVerb.CONTRACT_RENEWAL_REMINDER,
                    reason=subject,
                )
                sent += 1
        except IntegrityError:
            continue  # another run sent it
    expired = 0
    for contract in Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__lt=today):
        with write():
            update_audited(
                contract,
                actor=None,
                fields={"status": ContractStatus.EXPIRED},
                reason="end date passed",
                verb=AuditVerb.CONTRACT_EXPIRE,
                action=AuditAction.TRANSITION,
            )
            expired += 1
    return {"reminders": sent, "expired": expired}

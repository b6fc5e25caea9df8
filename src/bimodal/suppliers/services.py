"""Writes of the suppliers app: suppliers and their profile, contracts and targets, reminders, MSP evaluations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bimodal.core import audit
from bimodal.core.choices import AuditAction
from bimodal.core.models import User
from bimodal.core.services import (
    create_audited,
    delete_audited,
    notify,
    put_audited,
    require_object,
    require_perm,
    unique_slug,
    update_audited,
)
from bimodal.core.stats import MEDIAN, percentiles
from bimodal.core.verbs import AuditVerb
from bimodal.servicedesk import services as sd
from bimodal.servicedesk.choices import SlaState
from bimodal.servicedesk.models import SlaDefinition, SlaInstance
from bimodal.suppliers.choices import (
    CONTRACT_TRANSITIONS,
    EVALUATION_TRANSITIONS,
    PRIORITIES,
    ContractStatus,
    EvaluationStatus,
)
from bimodal.suppliers.evaluation import score
from bimodal.suppliers.models import (
    Contract,
    ContractReminder,
    ContractSlaTarget,
    MspCandidate,
    MspEvaluation,
    MspRequirement,
    Supplier,
    SupplierCertification,
    SupplierContact,
)

_M2M_SUPPLIER = ("categories", "skills")
MAX_NOTICE_DAYS = 730


# --- suppliers -------------------------------------------------------------------------------------------


@transaction.atomic
def supplier_create(*, actor: User, name: str, slug: str = "", **fields) -> Supplier:
    """Add a supplier with its tier, categories, skills and coverage."""
    require_perm(actor, "suppliers.add_supplier")
    m2m = {k: fields.pop(k) for k in _M2M_SUPPLIER if k in fields}
    supplier = Supplier(name=name, slug=slug or unique_slug(Supplier, name), **fields)
    return create_audited(supplier, actor=actor, m2m=m2m, verb=AuditVerb.SUPPLIER_CREATE)


@transaction.atomic
def supplier_update(*, actor: User, supplier: Supplier, reason: str = "", **fields) -> Supplier:
    """Change a supplier's profile."""
    require_perm(actor, "suppliers.change_supplier")
    require_object(actor, "change", supplier)
    fields.pop("slug", None)
    m2m = {k: fields.pop(k) for k in _M2M_SUPPLIER if k in fields}
    return update_audited(
        supplier, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.SUPPLIER_UPDATE
    )


@transaction.atomic
def contact_add(*, actor: User, supplier: Supplier, **fields) -> SupplierContact:
    """Add a contact person at the supplier (a supplier's own people reach only their supplier)."""
    require_perm(actor, "suppliers.add_suppliercontact")
    require_object(actor, "view", supplier)
    return create_audited(
        SupplierContact(supplier=supplier, **fields), actor=actor, verb=AuditVerb.CONTACT_ADD
    )


@transaction.atomic
def contact_remove(*, actor: User, contact: SupplierContact, reason: str = "") -> None:
    """Remove a contact."""
    require_perm(actor, "suppliers.delete_suppliercontact")
    require_object(actor, "delete", contact)
    delete_audited(contact, actor=actor, reason=reason, verb=AuditVerb.CONTACT_REMOVE)


@transaction.atomic
def certification_add(*, actor: User, supplier: Supplier, **fields) -> SupplierCertification:
    """Record a certification the supplier holds: standard, issuer, validity and evidence."""
    require_perm(actor, "suppliers.add_suppliercertification")
    require_object(actor, "view", supplier)
    if (
        fields.get("name")
        and SupplierCertification.objects.filter(supplier=supplier, name=fields["name"]).exists()
    ):
        raise ValidationError({"name": f"{supplier} already has a certification “{fields['name']}”."})
    return create_audited(
        SupplierCertification(supplier=supplier, **fields), actor=actor, verb=AuditVerb.CERTIFICATION_ADD
    )


@transaction.atomic
def certification_remove(*, actor: User, certification: SupplierCertification, reason: str = "") -> None:
    """Remove a certification."""
    require_perm(actor, "suppliers.delete_suppliercertification")
    require_object(actor, "delete", certification)
    delete_audited(certification, actor=actor, reason=reason, verb=AuditVerb.CERTIFICATION_REMOVE)


# --- contracts -------------------------------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *, actor: User, supplier: Supplier, services=(), catalogue_items=(), **fields
) -> Contract:
    """Draft a contract with a supplier: term, value, schedule and the services and items it covers."""
    require_perm(actor, "suppliers.add_contract")
    require_object(actor, "view", supplier)
    contract = Contract(supplier=supplier, **fields)
    return create_audited(
        contract,
        actor=actor,
        m2m={"services": services, "catalogue_items": catalogue_items},
        verb=AuditVerb.CONTRACT_CREATE,
    )


@transaction.atomic
def contract_update(
    *, actor: User, contract: Contract, services=None, catalogue_items=None, reason: str = "", **fields
) -> Contract:
    """Change a contract's terms or coverage (not its supplier or status: see contract_transition)."""
    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", contract)
    for locked in ("supplier", "status"):
        if locked in fields:
            raise ValidationError({locked: f"The {locked} of a contract is not changed by editing it."})
    if contract.status == ContractStatus.TERMINATED:
        raise ValidationError({"status": "A terminated contract cannot be changed."})
    m2m = {}
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
def contract_remove_target(*, actor: User, target: ContractSlaTarget) -> None:
    """Stop contracting a target: its definition is deactivated (clocks already running keep it)."""

    require_perm(actor, "suppliers.change_contract")
    require_object(actor, "change", target.contract)
    definition = target.definition
    delete_audited(target, actor=actor, verb=AuditVerb.CONTRACT_REMOVE_TARGET)
    sd.sla_definition_update(actor=actor, definition=definition, active=False, reason="target removed")


def contracts_due_for_reminder(*, today: date) -> list[Contract]:
    """Active contracts whose reminder day has come and that have no reminder for their current end date."""
    from django.db.models import Exists, OuterRef

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
            with transaction.atomic():
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
        with transaction.atomic():
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


# --- MSP evaluation ----------------------------------------------------------------------------------------


def _require_open(evaluation: MspEvaluation) -> None:
    if evaluation.status != EvaluationStatus.OPEN:
        raise ValidationError({"status": "The evaluation is closed: its decision is recorded."})


@transaction.atomic
def evaluation_create(*, actor: User, name: str, services=(), slug: str = "", **fields) -> MspEvaluation:
    """Start an MSP evaluation for a set of services."""
    require_perm(actor, "suppliers.add_mspevaluation")
    evaluation = MspEvaluation(
        name=name, slug=slug or unique_slug(MspEvaluation, name), owner=actor, **fields
    )
    return create_audited(
        evaluation, actor=actor, m2m={"services": services}, verb=AuditVerb.EVALUATION_CREATE
    )


@transaction.atomic
def evaluation_update(
    *, actor: User, evaluation: MspEvaluation, services=None, reason: str = "", **fields
) -> MspEvaluation:
    """Change the services, weights, required response times or coverage needs of an open evaluation."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    _require_open(evaluation)
    for locked in ("status", "chosen", "decided_by", "decided_at", "slug"):
        fields.pop(locked, None)
    m2m = {"services": services} if services is not None else None
    return update_audited(
        evaluation, actor=actor, fields=fields, m2m=m2m, reason=reason, verb=AuditVerb.EVALUATION_UPDATE
    )


@transaction.atomic
def requirement_set(
    *, actor: User, evaluation: MspEvaluation, skill, weight: int = 3, future: bool = False
) -> MspRequirement:
    """Require a skill or technology (now or planned) with a weight 1–5."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    _require_open(evaluation)
    return put_audited(
        MspRequirement,
        actor=actor,
        lookup={"evaluation": evaluation, "skill": skill},
        fields={"weight": weight, "future": future},
        verb=AuditVerb.REQUIREMENT_SET,
    )


@transaction.atomic
def requirement_remove(*, actor: User, requirement: MspRequirement, reason: str = "") -> None:
    """Stop requiring a skill in an open evaluation."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", requirement.evaluation)
    _require_open(requirement.evaluation)
    delete_audited(requirement, actor=actor, reason=reason, verb=AuditVerb.REQUIREMENT_REMOVE)


def demonstrated_response_times(supplier: Supplier, *, months: int = 12, now: datetime | None = None) -> dict:
    """The supplier's median contracted response time per priority over its real tickets (minutes)."""

    now = now or timezone.now()
    clocks = SlaInstance.objects.filter(
        supplier=supplier,
        target="response",
        state__in=[SlaState.MET, SlaState.BREACHED],
        stopped_at__gte=now - timedelta(days=30 * months),
    )
    found = percentiles(clocks, "elapsed_seconds", ("definition__contract_target__priority",), ps=(MEDIAN,))
    return {key[0]: max(1, round(values[MEDIAN] / 60)) for key, values in found.items() if key[0]}


@transaction.atomic
def candidate_add(
    *,
    actor: User,
    evaluation: MspEvaluation,
    supplier: Supplier,
    demonstrated_response: dict | None = None,
    **fields,
) -> MspCandidate:
    """Add a provider to the evaluation; without given response times, its real tickets supply them."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    _require_open(evaluation)
    if MspCandidate.objects.filter(evaluation=evaluation, supplier=supplier).exists():
        raise ValidationError({"supplier": f"{supplier} is already a candidate."})
    if not demonstrated_response:
        demonstrated_response = demonstrated_response_times(supplier)
        if demonstrated_response and not fields.get("response_source"):
            fields["response_source"] = "Median contracted response over the last 12 months of tickets"
    candidate = MspCandidate(
        evaluation=evaluation, supplier=supplier, demonstrated_response=demonstrated_response or {}, **fields
    )
    return create_audited(candidate, actor=actor, verb=AuditVerb.CANDIDATE_ADD)


@transaction.atomic
def candidate_update(*, actor: User, candidate: MspCandidate, reason: str = "", **fields) -> MspCandidate:
    """Change a candidate's response times, customisation rating, cost or notes."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", candidate.evaluation)
    _require_open(candidate.evaluation)
    fields.pop("supplier", None)
    fields.pop("evaluation", None)
    return update_audited(
        candidate, actor=actor, fields=fields, reason=reason, verb=AuditVerb.CANDIDATE_UPDATE
    )


@transaction.atomic
def candidate_remove(*, actor: User, candidate: MspCandidate, reason: str = "") -> None:
    """Withdraw a provider from an open evaluation."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", candidate.evaluation)
    _require_open(candidate.evaluation)
    delete_audited(candidate, actor=actor, reason=reason, verb=AuditVerb.CANDIDATE_REMOVE)


@transaction.atomic
def evaluation_decide(
    *, actor: User, evaluation: MspEvaluation, candidate: MspCandidate, rationale: str
) -> MspEvaluation:
    """Record the decision: the chosen provider, why, by whom and when (the scores are kept in the audit log)."""

    require_perm(actor, "suppliers.decide_mspevaluation")
    require_object(actor, "change", evaluation)
    if EvaluationStatus.DECIDED not in EVALUATION_TRANSITIONS.get(evaluation.status, set()):
        raise ValidationError({"status": "The evaluation is not open."})
    if candidate.evaluation_id != evaluation.pk:
        raise ValidationError({"candidate": "Choose one of this evaluation's candidates."})
    if not rationale.strip():
        raise ValidationError({"rationale": "Record why this provider was chosen."})
    scores = {s.candidate.supplier.slug: s.total for s in score(evaluation)}
    return update_audited(
        evaluation,
        actor=actor,
        fields={
            "status": EvaluationStatus.DECIDED,
            "chosen": candidate,
            "decision_rationale": rationale.strip(),
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
        reason=f"scores at decision: {scores}",
        verb=AuditVerb.EVALUATION_DECIDE,
        action=AuditAction.TRANSITION,
    )


@transaction.atomic
def evaluation_cancel(*, actor: User, evaluation: MspEvaluation, reason: str) -> MspEvaluation:
    """Close an evaluation without a decision."""
    require_perm(actor, "suppliers.change_mspevaluation")
    require_object(actor, "change", evaluation)
    if EvaluationStatus.CANCELLED not in EVALUATION_TRANSITIONS.get(evaluation.status, set()):
        raise ValidationError({"status": "The evaluation is not open."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the evaluation is cancelled."})
    return update_audited(
        evaluation,
        actor=actor,
        fields={"status": EvaluationStatus.CANCELLED},
        reason=reason,
        verb=AuditVerb.EVALUATION_CANCEL,
        action=AuditAction.TRANSITION,
    )

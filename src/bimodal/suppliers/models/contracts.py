"""Contracts with suppliers: terms, contracted SLA targets and credits, renewal reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.servicedesk.choices import Priority, SlaTarget
from bimodal.suppliers.choices import ContractStatus
from bimodal.suppliers.models.base import USER, SupplierChildQuerySet
from bimodal.suppliers.models.suppliers import Supplier


def supplier_services_q(supplier_id: int, prefix: str = "") -> Q:
    """Services a supplier's agents may see: those covered by a current contract of the supplier; a supplier
    without any contract yet falls back to the services that name it as their supplier.

    `prefix` is the path from the restricted model to the service ("" for services, "service__" …)."""
    today = timezone.localdate()
    service_ref = OuterRef(prefix[:-2] if prefix else "pk")
    current = Contract.objects.filter(
        supplier_id=supplier_id,
        status=ContractStatus.ACTIVE,
        start_date__lte=today,
        end_date__gte=today,
        services=service_ref,
    )
    any_contract = Contract.objects.filter(supplier_id=supplier_id)
    return Q(Exists(current)) | (Q(**{f"{prefix}supplier_id": supplier_id}) & ~Q(Exists(any_contract)))


class Contract(TimeStampedModel):
    """A contract with a supplier: term, value, what it covers, contracted SLA targets and service credits."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    start_date = models.DateField()
    end_date = models.DateField()
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="Total contract value over the term.",
    )
    currency = models.CharField(max_length=3, default="GBP")
    credit_cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Service credits in a period are capped at this share of the period's charge.",
    )
    renewal_notice_days = models.PositiveIntegerField(
        default=90,
        validators=[MaxValueValidator(730)],
        help_text="Remind the owner this many days before the end date.",
    )
    auto_renew = models.BooleanField(default=False)
    owner = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_contracts",
        help_text="Contract manager: receives the renewal reminder.",
    )
    schedule = models.ForeignKey(
        "servicedesk.SupportSchedule",
        on_delete=models.PROTECT,
        related_name="contracts",
        help_text="Contracted support hours: the supplier's SLA clocks run on this schedule.",
    )
    services = models.ManyToManyField("portfolio.Service", blank=True, related_name="supplier_contracts")
    catalogue_items = models.ManyToManyField(
        "servicedesk.CatalogueItem", blank=True, related_name="supplier_contracts"
    )
    terms = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(SupplierChildQuerySet)()

    class Meta:
        ordering = ["supplier__name", "-start_date"]
        indexes = [models.Index(fields=["status", "end_date"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("suppliers:contract_detail", args=[self.reference])

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The contract cannot end before it starts."})
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            raise ValidationError({"currency": "Use a three-letter ISO code, e.g. GBP."})
        if self.currency:
            self.currency = self.currency.upper()

    @property
    def term_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def renewal_due(self):
        """The day the renewal reminder goes out."""
        return self.end_date - timedelta(days=self.renewal_notice_days)


class ContractTargetQuerySet(RestrictedQuerySet):
    """Targets are visible with their contract."""

    def restriction(self, user, action: str) -> Q | None:
        if user.supplier_id:
            return Q(contract__supplier_id=user.supplier_id)
        return None


class ContractSlaTarget(models.Model):
    """A contracted target (response or resolution) for one priority, and the credit each breach earns.

    The target itself is an SLA definition of the service desk's engine on the contract's schedule, so the
    supplier's clocks run, pause, warn and breach like every other clock."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    definition = models.OneToOneField(
        "servicedesk.SlaDefinition", on_delete=models.PROTECT, related_name="contract_target"
    )
    credit = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="Service credit per breach.",
    )

    objects = RestrictedManager.from_queryset(ContractTargetQuerySet)()

    class Meta:
        ordering = ["priority", "target"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "priority", "target"], name="sup_one_target")
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.priority} {self.target}"


class ContractReminder(models.Model):
    """A renewal reminder that was sent: unique per contract and end date, so it goes out once per term."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    end_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    objects = RestrictedManager.from_queryset(ContractTargetQuerySet)()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "end_date"], name="sup_remind_once_per_term")
        ]

    def __str__(self) -> str:
        return f"reminder {self.contract_id} {self.end_date}"

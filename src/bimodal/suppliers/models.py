"""Supplier models: suppliers and their profile, contracts with SLA targets and credits, MSP evaluations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.servicedesk.choices import Priority, SlaTarget
from bimodal.suppliers.choices import (
    DEFAULT_WEIGHTS,
    PRIORITIES,
    ContactRole,
    ContractStatus,
    Criterion,
    EvaluationStatus,
    SupplierStatus,
    SupplierTier,
)

USER = settings.AUTH_USER_MODEL
NOTHING = Q(pk__in=[])


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


class SupplierCategory(models.Model):
    """What a supplier sells (managed services, software, hardware, cloud, telecoms …)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "supplier categories"

    def __str__(self) -> str:
        return self.name


class SupplierQuerySet(RestrictedQuerySet):
    """Supplier agents see only their own supplier."""

    def restriction(self, user, action: str) -> Q | None:
        if user.supplier_id:
            return Q(pk=user.supplier_id)
        return None


# Words the supplier pages use in their own URLs (/suppliers/contracts/, /suppliers/siam/ …).
RESERVED_SUPPLIER_SLUGS = frozenset({"new", "contracts", "siam", "evaluations"})


def not_reserved_supplier_slug(value: str) -> None:
    """Refuse a supplier slug that a page of the suppliers area uses as its own path."""
    if value in RESERVED_SUPPLIER_SLUGS:
        raise ValidationError(f"“{value}” is reserved; choose another slug.")


class Supplier(TimeStampedModel):
    """An external supplier or managed-service provider, with what it can do and when and where it supports."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True, validators=[not_reserved_supplier_slug])
    tier = models.CharField(max_length=20, choices=SupplierTier.choices, default=SupplierTier.TACTICAL)
    status = models.CharField(max_length=20, choices=SupplierStatus.choices, default=SupplierStatus.ACTIVE)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    categories = models.ManyToManyField(SupplierCategory, blank=True, related_name="suppliers")
    skills = models.ManyToManyField(
        "people.Skill", blank=True, related_name="suppliers", help_text="Skills and technologies supported."
    )
    covers_24x7 = models.BooleanField("24×7", default=False)
    covers_extended_hours = models.BooleanField("Extended hours", default=False)
    covers_business_hours = models.BooleanField("Business hours", default=True)
    remote_support = models.BooleanField("Remote support", default=True)
    on_site_support = models.BooleanField("On-site support", default=False)
    regions = models.JSONField(default=list, blank=True, help_text='Regions served, e.g. ["GB", "IE", "EU"].')
    relationship_owner = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who manages the relationship on our side.",
    )

    objects = RestrictedManager.from_queryset(SupplierQuerySet)()

    class Meta:
        ordering = ["name"]
        permissions = [("view_scorecard", "Can see supplier scorecards")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.slug])

    def clean(self):
        regions = self.regions
        if not isinstance(regions, list) or not all(
            isinstance(r, str) and 0 < len(r.strip()) <= 20 for r in regions
        ):
            raise ValidationError({"regions": "Regions are a list of short codes, e.g. GB, EU."})

    @property
    def coverage_labels(self) -> list[str]:
        """The coverage this supplier offers, as words."""
        labels = [
            ("24×7", self.covers_24x7),
            ("extended hours", self.covers_extended_hours),
            ("business hours", self.covers_business_hours),
            ("remote", self.remote_support),
            ("on-site", self.on_site_support),
        ]
        return [label for label, offered in labels if offered]


class SupplierChildQuerySet(RestrictedQuerySet):
    """Rows of a supplier are visible with the supplier."""

    def restriction(self, user, action: str) -> Q | None:
        if user.supplier_id:
            return Q(supplier_id=user.supplier_id)
        return None


class SupplierContact(models.Model):
    """A person at the supplier: account manager, service delivery manager, escalation point …"""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=ContactRole.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    objects = RestrictedManager.from_queryset(SupplierChildQuerySet)()

    class Meta:
        ordering = ["escalation_level", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.supplier.slug]) + "#contacts"


CERT_WARNING = timedelta(days=90)


class SupplierCertification(models.Model):
    """A certification the supplier holds (ISO 27001, SOC 2, PCI DSS …), with its expiry."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="certifications")
    name = models.CharField(max_length=120, help_text="The standard, e.g. ISO/IEC 27001:2022, SOC 2 Type II.")
    issuer = models.CharField(max_length=120, blank=True, help_text="The certification body or auditor.")
    reference = models.CharField(max_length=120, blank=True, help_text="Certificate or report number.")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    evidence_url = models.URLField(
        "Evidence", blank=True, help_text="Link to the certificate or audit report."
    )

    objects = RestrictedManager.from_queryset(SupplierChildQuerySet)()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["supplier", "name"], name="sup_cert_once")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.supplier.slug]) + "#certifications"

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "A certification cannot expire before it is valid."})

    @property
    def expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()

    @property
    def expires_soon(self) -> bool:
        """Valid today but expiring within the next 90 days: time to ask for the renewed certificate."""
        today = timezone.localdate()
        return self.valid_until is not None and today <= self.valid_until <= today + CERT_WARNING


# --- contracts ---------------------------------------------------------------------------------------


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


# --- MSP evaluation ----------------------------------------------------------------------------------


class EvaluationQuerySet(RestrictedQuerySet):
    """Evaluations are commercially sensitive: never visible to supplier agents."""

    def restriction(self, user, action: str) -> Q | None:
        return NOTHING if user.supplier_id else None


def default_weights() -> dict:
    return {str(k): v for k, v in DEFAULT_WEIGHTS.items()}


class MspEvaluation(TimeStampedModel):
    """A comparison of candidate providers for outsourcing a set of services, and the decision taken."""

    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN)
    services = models.ManyToManyField(
        "portfolio.Service", blank=True, related_name="msp_evaluations", help_text="Services to outsource."
    )
    weights = models.JSONField(default=default_weights, help_text="Weight of each criterion (0–100).")
    required_response = models.JSONField(
        default=dict, blank=True, help_text='Required response in minutes per priority, e.g. {"P1": 15}.'
    )
    needs_on_site = models.BooleanField(default=False)
    needs_remote = models.BooleanField(default=True)
    regions = models.JSONField(default=list, blank=True, help_text="Regions that must be served.")
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    chosen = models.ForeignKey(
        "MspCandidate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(EvaluationQuerySet)()

    class Meta:
        ordering = ["-created_at", "name"]
        permissions = [("decide_mspevaluation", "Can record the decision of an MSP evaluation")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:evaluation_detail", args=[self.slug])

    def clean(self):
        errors = {}
        w = self.weights
        if (
            not isinstance(w, dict)
            or set(w) != set(Criterion.values)
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100 for v in w.values())
        ):
            errors["weights"] = f"Give a whole weight 0–100 for each of {', '.join(Criterion.values)}."
        elif sum(w.values()) == 0:
            errors["weights"] = "At least one criterion must carry weight."
        if problem := check_minutes(self.required_response):
            errors["required_response"] = problem
        if not isinstance(self.regions, list) or not all(isinstance(r, str) and r for r in self.regions):
            errors["regions"] = "Regions are a list of short codes, e.g. GB, EU."
        if errors:
            raise ValidationError(errors)


def check_minutes(value) -> str:
    """'' when `value` maps priorities to positive whole minutes, else the problem."""
    if not isinstance(value, dict) or set(value) - set(PRIORITIES):
        return f"Keys are priorities ({', '.join(PRIORITIES)})."
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value.values()):
        return "Minutes must be positive numbers."
    return ""


class EvaluationChildQuerySet(RestrictedQuerySet):
    """Rows of an evaluation share its visibility."""

    def restriction(self, user, action: str) -> Q | None:
        return NOTHING if user.supplier_id else None


class MspRequirement(models.Model):
    """A skill or technology the outsourced services need, now or as planned (future) technology."""

    evaluation = models.ForeignKey(MspEvaluation, on_delete=models.CASCADE, related_name="requirements")
    skill = models.ForeignKey("people.Skill", on_delete=models.PROTECT, related_name="+")
    weight = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    future = models.BooleanField(default=False, help_text="A planned future technology.")

    objects = RestrictedManager.from_queryset(EvaluationChildQuerySet)()

    class Meta:
        ordering = ["future", "-weight", "skill__name"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "skill"], name="sup_req_once")]

    def __str__(self) -> str:
        return f"{self.skill} ×{self.weight}"

    def get_absolute_url(self) -> str:
        return self.evaluation.get_absolute_url()


class MspCandidate(models.Model):
    """A provider under evaluation, with its demonstrated response times, customisation and cost."""

    evaluation = models.ForeignKey(MspEvaluation, on_delete=models.CASCADE, related_name="candidates")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="candidacies")
    demonstrated_response = models.JSONField(
        default=dict, blank=True, help_text="Demonstrated response in minutes per priority."
    )
    response_source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the response times come from (tickets, references, trial).",
    )
    customisation = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(5)], help_text="0–5: how far they adapt to our processes."
    )
    annual_cost = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    notes = models.TextField(blank=True)

    objects = RestrictedManager.from_queryset(EvaluationChildQuerySet)()

    class Meta:
        ordering = ["supplier__name"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "supplier"], name="sup_candidate_once")]

    def __str__(self) -> str:
        return f"{self.supplier} in {self.evaluation}"

    def get_absolute_url(self) -> str:
        return self.evaluation.get_absolute_url()

    def clean(self):
        if problem := check_minutes(self.demonstrated_response):
            raise ValidationError({"demonstrated_response": problem})

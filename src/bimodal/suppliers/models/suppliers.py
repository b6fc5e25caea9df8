"""Suppliers and their profile: categories, contacts and certifications."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bimodal.core.models import TimeStampedModel
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.suppliers.choices import (
    ContactRole,
    SupplierStatus,
    SupplierTier,
)
from bimodal.suppliers.models.base import USER, SupplierChildQuerySet


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

"""The catalogue: modes, business capabilities, regulatory tags, services and their dependencies."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from bimodal.core.models import Team, TimeStampedModel, User
from bimodal.core.querysets import RestrictedManager, RestrictedQuerySet
from bimodal.portfolio.choices import (
    ChangeApproval,
    Criticality,
    DataClassification,
    DependencyKind,
    Hosting,
    KpiSet,
    Lifecycle,
    ReleaseCadence,
    RiskAppetite,
    SupportCoverage,
)

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")
# Words the service pages use in their own URLs (/portfolio/services/new/, …/import/).
RESERVED_SERVICE_SLUGS = frozenset({"new", "import", "export"})


def not_reserved_slug(value: str) -> None:
    """Refuse a service slug that a page of the portfolio uses as its own path."""
    if value in RESERVED_SERVICE_SLUGS:
        raise ValidationError(f"“{value}” is reserved; choose another slug.")


class Mode(TimeStampedModel):
    """An operating mode (e.g. Mode 1 — Stability) with the governance profile its services follow."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    short_name = models.CharField(max_length=20, help_text="e.g. “Mode 1”")
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#1f4e79", validators=[hex_colour])
    order = models.PositiveSmallIntegerField(default=0)
    exploration = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Place between stability (0.00) and exploration (1.00); the questionnaire scores against it.",
    )
    change_approval = models.CharField(
        max_length=20, choices=ChangeApproval.choices, default=ChangeApproval.CAB
    )
    release_cadence = models.CharField(
        max_length=20, choices=ReleaseCadence.choices, default=ReleaseCadence.MONTHLY
    )
    change_windows_required = models.BooleanField(default=True)
    standard_changes_preapproved = models.BooleanField(default=False)
    deployment_gate = models.BooleanField(
        default=False, help_text="Pipelines ask the deployment-gate API before deploying."
    )
    kpi_set = models.CharField(max_length=20, choices=KpiSet.choices, default=KpiSet.STABILITY)
    risk_appetite = models.CharField(max_length=10, choices=RiskAppetite.choices, default=RiskAppetite.LOW)

    objects = RestrictedManager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.short_name} — {self.name}" if self.short_name else self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolio:mode_detail", args=[self.key])


class BusinessCapability(TimeStampedModel):
    """A business capability that services support (e.g. Payments, Lending)."""

    name = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "business capabilities"

    def __str__(self) -> str:
        return self.name


class RegulatoryTag(models.Model):
    """A regulation or standard a service is in scope of (PCI DSS, SOX, GDPR, EU DORA …)."""

    name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(RestrictedQuerySet):
    """Object restriction for services.

    View: with `view_all_services` every service; a supplier agent sees the services of their supplier;
    anyone else (requesters) sees live services only. Change/delete: with `manage_all_services` every
    service, otherwise the services whose owner team the user belongs to or leads.
    """

    def restriction(self, user, action: str) -> Q | None:
        if action == "view":
            if user.has_perm("portfolio.view_all_services"):
                return None
            if user.supplier_id:
                from bimodal.portfolio import hooks  # hooks.py imports nothing of the portfolio's

                return hooks.supplier_services_q(user.supplier_id)
            return Q(lifecycle=Lifecycle.LIVE)
        if user.has_perm("portfolio.manage_all_services"):
            return None
        return Q(owner_team__members=user) | Q(owner_team__lead=user) | Q(service_owner=user)

    def with_related(self) -> ServiceQuerySet:
        """Everything a list or detail shows, in a fixed number of queries."""
        return self.select_related(
            "mode", "owner_team", "capability", "supplier", "service_owner"
        ).prefetch_related("regulatory_tags")


class Service(TimeStampedModel):
    """A business or technical service in the portfolio, run in one mode."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True, validators=[not_reserved_slug])
    description = models.TextField(blank=True)
    mode = models.ForeignKey(Mode, on_delete=models.PROTECT, related_name="services")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    service_owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_services"
    )
    capability = models.ForeignKey(
        BusinessCapability, on_delete=models.PROTECT, null=True, blank=True, related_name="services"
    )
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.LIVE)
    criticality = models.PositiveSmallIntegerField(choices=Criticality.choices, default=Criticality.TIER_2)
    regulatory_tags = models.ManyToManyField(RegulatoryTag, blank=True, related_name="services")
    data_classification = models.CharField(
        max_length=20, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    hosting = models.CharField(max_length=20, choices=Hosting.choices, default=Hosting.ON_PREMISES)
    support_coverage = models.CharField(
        max_length=20, choices=SupportCoverage.choices, default=SupportCoverage.BUSINESS_HOURS
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, null=True, blank=True, related_name="services"
    )
    availability_target = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Availability target in percent, e.g. 99.950",
    )
    documentation_url = models.URLField(blank=True)

    objects = RestrictedManager.from_queryset(ServiceQuerySet)()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_services", "Can see every service, not only live or contracted ones"),
            ("manage_all_services", "Can change any service, not only the ones their team owns"),
            ("reclassify_service", "Can move a service to another mode"),
            ("import_services", "Can import services from CSV"),
        ]
        indexes = [models.Index(fields=["mode", "lifecycle"]), models.Index(fields=["criticality"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolio:service_detail", args=[self.slug])


class ServiceDependencyQuerySet(RestrictedQuerySet):
    """A dependency is visible with both its services and editable by whoever may change its consumer service."""

    def restriction(self, user, action: str) -> Q | None:
        if action == "view":
            if user.has_perm("portfolio.view_all_services"):
                return None
            if user.supplier_id:
                # The services rule (under a current contract), for both ends, as for everyone else.
                from bimodal.portfolio import hooks  # hooks.py imports nothing of the portfolio's

                return hooks.supplier_services_q(
                    user.supplier_id, prefix="source__"
                ) & hooks.supplier_services_q(user.supplier_id, prefix="target__")
            return Q(source__lifecycle=Lifecycle.LIVE, target__lifecycle=Lifecycle.LIVE)
        if user.has_perm("portfolio.manage_all_services"):
            return None
        return (
            Q(source__owner_team__members=user)
            | Q(source__owner_team__lead=user)
            | Q(source__service_owner=user)
        )


class ServiceDependency(TimeStampedModel):
    """`source` depends on `target` (a change to the target can affect the source)."""

    source = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dependencies")
    target = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dependents")
    kind = models.CharField(max_length=20, choices=DependencyKind.choices, default=DependencyKind.RUNTIME)
    description = models.CharField(max_length=255, blank=True)

    objects = RestrictedManager.from_queryset(ServiceDependencyQuerySet)()

    class Meta:
        ordering = ["source__name", "target__name"]
        verbose_name_plural = "service dependencies"
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_dependency_edge"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.get_kind_display()})"


# --- readiness assessment --------------------------------------------------------------------------
